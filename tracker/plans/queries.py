"""Reading plans, their recommendations, key lines of enquiry, champions and updates."""

from collections import defaultdict

from sqlite_utils import Database

from tracker.boards import status_key_of
from tracker.db import scalar
from tracker.rag import Status, status_for

CHAMPION_KINDS = ("board", "service")


def board_of_plan(db: Database, plan_id: int) -> int | None:
    """The id of the board that owns the plan."""
    return scalar(db, "SELECT board_id FROM plans WHERE id = ?", plan_id)


def board_of_recommendation(db: Database, recommendation_id: int) -> int | None:
    """The id of the board whose plan holds the recommendation."""
    return scalar(
        db,
        "SELECT plans.board_id FROM recommendations"
        " JOIN plans ON plans.id = recommendations.plan_id WHERE recommendations.id = ?",
        recommendation_id,
    )


def first_plan_id(db: Database) -> int | None:
    """The plan made first, for commands run without a plan id."""
    return scalar(db, "SELECT min(id) FROM plans")


def plans_for_user(db: Database, user_id: int) -> list[dict]:
    """The plans on every board the user belongs to, with the user's role on each: drafts
    only where the user is an administrator."""
    return list(
        db.query(
            """
            SELECT plans.id, plans.title, plans.period, plans.current_quarter, plans.state,
                   plans.closed_at, boards.name AS board, memberships.role
            FROM plans
            JOIN boards ON boards.id = plans.board_id
            JOIN active_memberships AS memberships
                ON memberships.board_id = plans.board_id AND memberships.user_id = ?
            WHERE plans.state != 'draft' OR memberships.role = 'administrator'
            ORDER BY boards.name, plans.id
            """,
            [user_id],
        )
    )


def get_plan(db: Database, plan_id: int) -> dict | None:
    """The plan with its board, service and inspection."""
    return next(
        db.query(
            """
            SELECT plans.*, boards.name AS board, boards.council, services.name AS service
            FROM plans
            JOIN boards ON boards.id = plans.board_id
            LEFT JOIN inspections ON inspections.id = plans.inspection_id
            LEFT JOIN services ON services.id = inspections.service_id
            WHERE plans.id = ?
            """,
            [plan_id],
        ),
        None,
    )


def quarters_of(db: Database, plan_id: int) -> list[dict]:
    """The plan's quarters, oldest first: label, dates, and when each was locked."""
    return list(
        db.query("SELECT * FROM quarters WHERE plan_id = ? ORDER BY starts_on, id", [plan_id])
    )


def recommendations_of(
    db: Database, plan_id: int, *, approved_only: bool, published_only: bool = False
) -> list[dict]:
    """The plan's recommendations in order, each with its key lines of enquiry, champions of
    each kind and its updates (the latest revision in each quarter; approved ones only when
    `approved_only`, and only of closed quarters when `published_only`, as the scrutiny panel
    sees them)."""
    recommendations = list(
        db.query("SELECT * FROM recommendations WHERE plan_id = ? ORDER BY position", [plan_id])
    )
    ids = [recommendation["id"] for recommendation in recommendations]
    key_lines = _group(_key_lines(db, ids))
    champions = _group(_champions(db, ids))
    updates = _group(
        _latest_updates(
            db,
            ids,
            approved_only=approved_only,
            published_only=published_only,
            status_key=_key_of_plan(db, plan_id),
        )
    )
    for recommendation in recommendations:
        recommendation_id = recommendation["id"]
        recommendation["key_lines"] = key_lines[recommendation_id]
        for kind in CHAMPION_KINDS:
            recommendation[f"{kind}_champions"] = [
                champion for champion in champions[recommendation_id] if champion["kind"] == kind
            ]
        recommendation["updates"] = updates[recommendation_id]
        recommendation["latest_update"] = (updates[recommendation_id] or [None])[-1]
    return recommendations


def get_recommendation(
    db: Database, recommendation_id: int, *, approved_only: bool, published_only: bool = False
) -> dict:
    """One recommendation as `recommendations_of` gives it, plus `latest_revisions`: the latest
    revision of its update in each quarter (filtered as there), newest quarter first, each with
    `revision_count`, how many revisions of that quarter's update the same filter shows. Every
    revision is kept, so the full history is read a page at a time (`revisions_on_page`)."""
    plan_id = scalar(db, "SELECT plan_id FROM recommendations WHERE id = ?", recommendation_id)
    recommendation = next(
        r
        for r in recommendations_of(
            db, plan_id, approved_only=approved_only, published_only=published_only
        )
        if r["id"] == recommendation_id
    )
    recommendation["latest_revisions"] = _latest_revisions(
        db, recommendation_id, approved_only=approved_only, published_only=published_only
    )
    return recommendation


def get_recommendation_details(db: Database, recommendation_id: int) -> dict:
    """The recommendation's own row (number, wording, plan), without its updates."""
    return db["recommendations"].get(recommendation_id)


def quarter_with_revisions(
    db: Database,
    recommendation_id: int,
    label: str | None,
    *,
    approved_only: bool,
    published_only: bool = False,
) -> dict | None:
    """The quarter called `label` (by default the latest) in which the recommendation has
    revisions the filters show, with `revision_count`; None when it has none there."""
    visible = _visible(approved_only, published_only)
    chosen = "AND quarters.label = ?" if label is not None else ""
    return next(
        db.query(
            f"""
            SELECT quarters.*, count(*) AS revision_count
            FROM progress_updates AS updates
            JOIN quarters ON quarters.id = updates.quarter_id
            WHERE updates.recommendation_id = ? {visible} {chosen}
            GROUP BY quarters.id
            ORDER BY quarters.starts_on DESC LIMIT 1
            """,  # noqa: S608 - `visible` and `chosen` are constant strings
            [recommendation_id, *([label] if label is not None else [])],
        ),
        None,
    )


def revisions_on_page(
    db: Database,
    recommendation_id: int,
    quarter_id: int,
    *,
    limit: int,
    offset: int,
    approved_only: bool,
    published_only: bool = False,
) -> list[dict]:
    """Up to `limit` revisions of the recommendation's update for the quarter, newest first,
    after skipping `offset`, filtered as `recommendations_of`; each with its author's name and
    `previous`, the revision before it that the same filters show (None for the first)."""
    visible = _visible(approved_only, published_only)
    rows = db.query(
        f"""
        SELECT updates.*, quarters.label AS quarter, users.name AS author
        FROM progress_updates AS updates
        JOIN quarters ON quarters.id = updates.quarter_id
        LEFT JOIN users ON users.id = updates.author_id
        WHERE updates.recommendation_id = ? AND updates.quarter_id = ? {visible}
        ORDER BY updates.revision DESC LIMIT ? OFFSET ?
        """,  # noqa: S608 - `visible` is made of constant strings
        # One more than the page shows: the revision its oldest one changed.
        [recommendation_id, quarter_id, limit + 1, offset],
    )
    status_key = status_key_of(db, board_of_recommendation(db, recommendation_id))
    revisions = [_with_status(row, status_key) for row in rows]
    for newer, older in zip(revisions, [*revisions[1:], None], strict=True):
        newer["previous"] = older
    return revisions[:limit]


def plan_as_data(
    db: Database, plan_id: int, *, approved_only: bool, published_only: bool = False
) -> dict:
    """The plan in the published shape of `show-plan --json` and the plan's JSON URL."""
    plan = get_plan(db, plan_id)
    return {
        "plan": {
            "id": plan["id"],
            "title": plan["title"],
            "board": plan["board"],
            "service": plan["service"],
            "current_quarter": plan["current_quarter"],
        },
        "recommendations": [
            {
                "number": recommendation["number"],
                "text": recommendation["text"],
                "addressee": recommendation["addressee"],
                "origin": recommendation["origin"],
                "key_lines_of_enquiry": [line["text"] for line in recommendation["key_lines"]],
                "board_champions": [c["name"] for c in recommendation["board_champions"]],
                "service_champions": [c["name"] for c in recommendation["service_champions"]],
                "updates": [
                    {
                        "quarter": update["quarter"],
                        "status": update["status_label"],
                        "state": update["state"],
                        "narrative": update["narrative"],
                        "sample": bool(update["is_sample"]),
                    }
                    for update in recommendation["updates"]
                ],
            }
            for recommendation in recommendations_of(
                db, plan_id, approved_only=approved_only, published_only=published_only
            )
        ],
    }


def head_of_service(db: Database, board_id: int) -> str | None:
    """The name of the board's first administrator (the head of service), for the pack's cover."""
    return scalar(
        db,
        "SELECT users.name FROM active_memberships AS memberships"
        " JOIN users ON users.id = memberships.user_id"
        " WHERE memberships.board_id = ? AND memberships.role = 'administrator'"
        " ORDER BY memberships.id LIMIT 1",
        board_id,
    )


def championed_this_quarter(db: Database, user_id: int) -> list[dict]:
    """The recommendations the user champions, in every plan on their boards, each with the
    state of its update for the plan's current quarter ("due" when there is none yet)."""
    rows = db.query(
        """
        SELECT recommendations.id, recommendations.number, recommendations.text,
               plans.id AS plan_id, plans.title AS plan, plans.current_quarter AS quarter,
               quarters.update_deadline,
               (SELECT state FROM progress_updates
                WHERE recommendation_id = recommendations.id AND quarter_id = quarters.id
                ORDER BY revision DESC LIMIT 1) AS state
        FROM active_memberships AS memberships
        JOIN champions ON champions.person_id = memberships.person_id
        JOIN recommendations ON recommendations.id = champions.recommendation_id
        JOIN plans ON plans.id = recommendations.plan_id AND plans.board_id = memberships.board_id
        LEFT JOIN quarters ON quarters.plan_id = plans.id AND quarters.label = plans.current_quarter
        WHERE memberships.user_id = ? AND memberships.role = 'champion'
          AND plans.state = 'live' AND recommendations.withdrawn_at IS NULL
        GROUP BY recommendations.id
        ORDER BY plans.id, recommendations.position
        """,
        [user_id],
    )
    return [{**row, "state": row["state"] or "due"} for row in rows]


def missing_count(db: Database, plan_id: int, quarter_id: int) -> int:
    """How many of the plan's recommendations have no submitted or approved update for the
    quarter."""
    return scalar(
        db,
        """
        SELECT count(*) FROM recommendations
        WHERE plan_id = ? AND withdrawn_at IS NULL AND coalesce((
            SELECT state FROM progress_updates
            WHERE recommendation_id = recommendations.id AND quarter_id = ?
            ORDER BY revision DESC LIMIT 1), 'missing') NOT IN ('submitted', 'approved')
        """,
        plan_id,
        quarter_id,
    )


def this_quarter(db: Database, plan_id: int) -> dict | None:
    """The plan's current quarter at a glance: its row (dates), and how many of the plan's
    recommendations (those not withdrawn) have an update in each state, "missing" for none."""
    quarter = next(
        db.query(
            """
            SELECT quarters.* FROM quarters JOIN plans ON plans.id = quarters.plan_id
            WHERE plans.id = ? AND quarters.label = plans.current_quarter
            """,
            [plan_id],
        ),
        None,
    )
    if quarter is None:
        return None
    counts = dict.fromkeys(("missing", "draft", "returned", "submitted", "approved"), 0)
    for state, count in db.execute(
        """
        SELECT coalesce((SELECT state FROM progress_updates
                         WHERE recommendation_id = recommendations.id AND quarter_id = ?
                         ORDER BY revision DESC LIMIT 1), 'missing') AS state, count(*)
        FROM recommendations WHERE plan_id = ? AND withdrawn_at IS NULL
        GROUP BY state
        """,
        [quarter["id"], plan_id],
    ).fetchall():
        counts[state] = count
    return {**quarter, "counts": counts, "total": sum(counts.values())}


def current_updates(db: Database, plan_id: int) -> dict[int, dict]:
    """Each recommendation's latest revision in the plan's current quarter, by its id."""
    rows = db.query(
        """
        SELECT updates.* FROM progress_updates AS updates
        JOIN quarters ON quarters.id = updates.quarter_id
        JOIN plans ON plans.id = quarters.plan_id AND plans.current_quarter = quarters.label
        WHERE plans.id = ? AND updates.revision = (
            SELECT max(revision) FROM progress_updates
            WHERE recommendation_id = updates.recommendation_id
              AND quarter_id = updates.quarter_id)
        """,
        [plan_id],
    )
    status_key = _key_of_plan(db, plan_id)
    return {row["recommendation_id"]: _with_status(row, status_key) for row in rows}


def recommendation_source(db: Database, recommendation_id: int) -> dict | None:
    """The inspection's source text and where in it the recommendation stands, if known."""
    return next(
        db.query(
            """
            SELECT recommendations.source_position, inspections.source_text,
                   inspections.source_name, inspections.title
            FROM recommendations
            JOIN plans ON plans.id = recommendations.plan_id
            JOIN inspections ON inspections.id = plans.inspection_id
            WHERE recommendations.id = ? AND recommendations.source_position IS NOT NULL
              AND inspections.source_text != ''
            """,
            [recommendation_id],
        ),
        None,
    )


def _key_lines(db: Database, recommendation_ids: list[int]) -> list[dict]:
    return _rows_for(
        db,
        """
        SELECT key_lines.recommendation_id, key_lines.id, key_lines.text, key_lines.finding_id,
               findings.section AS finding_section, findings.text AS finding_text
        FROM key_lines LEFT JOIN findings ON findings.id = key_lines.finding_id
        WHERE key_lines.recommendation_id IN ({ids})
        ORDER BY key_lines.recommendation_id, key_lines.position
        """,
        recommendation_ids,
    )


def _champions(db: Database, recommendation_ids: list[int]) -> list[dict]:
    return _rows_for(
        db,
        """
        SELECT champions.recommendation_id, champions.kind, people.id AS person_id, people.name,
               people.job_title, people.organisation
        FROM champions JOIN people ON people.id = champions.person_id
        WHERE champions.recommendation_id IN ({ids})
        ORDER BY champions.recommendation_id, champions.kind, champions.position
        """,
        recommendation_ids,
    )


# What `published_only` adds: approved updates reach the scrutiny panel only once their quarter
# is closed, after the board has met.
PUBLISHED = "AND quarters.locked_at IS NOT NULL"


def _latest_updates(
    db: Database,
    recommendation_ids: list[int],
    *,
    approved_only: bool,
    published_only: bool,
    status_key,
):
    visible = "AND state = 'approved'" if approved_only else ""
    published = PUBLISHED if published_only else ""
    rows = _rows_for(
        db,
        f"""
        SELECT updates.*, quarters.label AS quarter
        FROM progress_updates AS updates JOIN quarters ON quarters.id = updates.quarter_id
        WHERE updates.recommendation_id IN ({{ids}}) {published}
          AND updates.revision = (
              SELECT max(revision) FROM progress_updates
              WHERE recommendation_id = updates.recommendation_id
                AND quarter_id = updates.quarter_id {visible})
        ORDER BY updates.recommendation_id, quarters.starts_on
        """,  # noqa: S608 - `visible` and `published` are constant strings
        recommendation_ids,
    )
    return [_with_status(row, status_key) for row in rows]


def _visible(approved_only: bool, published_only: bool) -> str:
    """The SQL that keeps only the revisions the filters show (of `updates` joined to
    `quarters`)."""
    visible = "AND updates.state = 'approved'" if approved_only else ""
    return visible + (f" {PUBLISHED}" if published_only else "")


def _latest_revisions(
    db: Database, recommendation_id: int, *, approved_only: bool, published_only: bool
) -> list[dict]:
    visible = _visible(approved_only, published_only)
    rows = db.query(
        f"""
        WITH shown AS (
            SELECT updates.id, updates.quarter_id,
                   row_number() OVER (
                       PARTITION BY updates.quarter_id ORDER BY updates.revision DESC
                   ) AS newest_first,
                   count(*) OVER (PARTITION BY updates.quarter_id) AS revision_count
            FROM progress_updates AS updates
            JOIN quarters ON quarters.id = updates.quarter_id
            WHERE updates.recommendation_id = ? {visible}
        )
        SELECT updates.*, quarters.label AS quarter, users.name AS author,
               shown.revision_count
        FROM shown
        JOIN progress_updates AS updates ON updates.id = shown.id
        JOIN quarters ON quarters.id = updates.quarter_id
        LEFT JOIN users ON users.id = updates.author_id
        WHERE shown.newest_first = 1
        ORDER BY quarters.starts_on DESC
        """,  # noqa: S608 - `visible` is made of constant strings
        [recommendation_id],
    )
    status_key = status_key_of(db, board_of_recommendation(db, recommendation_id))
    return [_with_status(row, status_key) for row in rows]


def _key_of_plan(db: Database, plan_id: int) -> tuple[Status, ...]:
    return status_key_of(db, board_of_plan(db, plan_id))


def _with_status(update: dict, status_key: tuple[Status, ...]) -> dict:
    # A status the board has since stopped using keeps its default words.
    status = status_for(update["status"], status_key) or status_for(update["status"])
    update["status_label"] = status.label if status else None
    update["status_meaning"] = status.meaning if status else None
    return update


def _rows_for(db: Database, sql: str, recommendation_ids: list[int]) -> list[dict]:
    placeholders = ", ".join("?" for _ in recommendation_ids) or "NULL"
    return list(db.query(sql.format(ids=placeholders), recommendation_ids))


def _group(rows: list[dict]) -> defaultdict[int, list[dict]]:
    grouped: defaultdict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["recommendation_id"]].append(row)
    return grouped
