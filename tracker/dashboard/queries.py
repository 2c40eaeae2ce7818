"""Reading what the dashboard needs for a plan, in a fixed handful of queries."""

from dataclasses import dataclass

from sqlite_utils import Database

from tracker.boards import status_key_of
from tracker.dashboard.summary import Action, Recommendation, Revision, withdrawn_quarter
from tracker.plans import queries as plan_queries
from tracker.rag import Status


@dataclass(frozen=True)
class PlanData:
    """A plan as plain data for `summary.summarise`."""

    plan: dict
    status_key: tuple[Status, ...]
    quarters: tuple[str, ...]  # labels, oldest first (only closed ones when published_only)
    recommendations: tuple[Recommendation, ...]
    actions: tuple[Action, ...]
    # The same recommendations as the plan page reads them (approved updates only), for
    # callers such as the board pack that print their key lines and champions too.
    approved: tuple[dict, ...] = ()


def dashboard_data(db: Database, plan_id: int, *, published_only: bool = False) -> PlanData | None:
    """The plan, its board's status key, its quarters, its recommendations with the latest
    revision and the latest approved revision of each quarter, and its actions; None when
    there is no such plan. Nine queries, however many recommendations the plan has.

    `published_only` gives the plan as the scrutiny panel may read it: its closed quarters
    only, and in them approved revisions only."""
    plan = plan_queries.get_plan(db, plan_id)
    if plan is None:
        return None
    # Approved revisions come from the plan page's own query (latest approved per quarter).
    recommendations = plan_queries.recommendations_of(
        db, plan_id, approved_only=True, published_only=published_only
    )
    latest = {} if published_only else _latest_revisions(db, plan_id)
    return PlanData(
        plan=plan,
        approved=tuple(recommendations),
        status_key=status_key_of(db, plan["board_id"]),
        quarters=tuple(
            quarter["label"]
            for quarter in plan_queries.quarters_of(db, plan_id)
            if quarter["locked_at"] or not published_only
        ),
        recommendations=tuple(
            Recommendation(
                id=recommendation["id"],
                number=recommendation["number"],
                text=recommendation["text"],
                champions=tuple(
                    champion["name"]
                    for kind in plan_queries.CHAMPION_KINDS
                    for champion in recommendation[f"{kind}_champions"]
                ),
                revisions=(
                    *(_revision(update) for update in recommendation["updates"]),
                    *latest.get(recommendation["id"], ()),
                ),
                withdrawn_in=withdrawn_quarter(
                    recommendation["withdrawn_at"], recommendation["withdrawn_in_quarter"]
                ),
            )
            for recommendation in recommendations
        ),
        actions=tuple(
            Action(
                id=row["id"],
                recommendation_id=row["recommendation_id"],
                text=row["text"],
                owner=row["owner"],
                target_date=row["target_date"],
                status=row["status"],
            )
            for row in db.query(
                """
                SELECT actions.id, actions.recommendation_id, actions.text, actions.target_date,
                       actions.status, people.name AS owner
                FROM actions
                JOIN recommendations ON recommendations.id = actions.recommendation_id
                LEFT JOIN people ON people.id = actions.owner_id
                WHERE recommendations.plan_id = ?
                ORDER BY recommendations.position, actions.position, actions.id
                """,
                [plan_id],
            )
        ),
    )


def _latest_revisions(db: Database, plan_id: int) -> dict[int, list[Revision]]:
    """The latest revision, in any state, of each recommendation's update in each quarter."""
    latest: dict[int, list[Revision]] = {}
    for row in db.query(
        """
        SELECT updates.recommendation_id, quarters.label AS quarter, updates.revision,
               updates.state, updates.status, updates.corrective_action
        FROM progress_updates AS updates
        JOIN quarters ON quarters.id = updates.quarter_id
        WHERE quarters.plan_id = ?
          AND updates.revision = (
              SELECT max(revision) FROM progress_updates
              WHERE recommendation_id = updates.recommendation_id
                AND quarter_id = updates.quarter_id)
        """,
        [plan_id],
    ):
        latest.setdefault(row["recommendation_id"], []).append(_revision(row))
    return latest


def _revision(row: dict) -> Revision:
    return Revision(
        quarter=row["quarter"],
        revision=row["revision"],
        state=row["state"],
        status=row["status"],
        corrective_action=row["corrective_action"] or "",
    )
