"""Uploaded reports kept as drafts until the head of service creates the plan from one."""

import hashlib
import json
from datetime import date

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.concurrency import check_unchanged, fingerprint
from tracker.db import scalar, write_transaction
from tracker.people.queries import people_of_board
from tracker.plans.champions import add_champion
from tracker.reports.drafts import build_draft
from tracker.reports.extraction import NUMBER_WORDS, SCORED_RATINGS, extract_report
from tracker.reports.model import Extraction

FOUR_POINT_SCALE = "Four-point rating (Outstanding, Good, Requires improvement, Inadequate)"


def board_of_import(db: Database, import_id: int) -> int | None:
    """The id of the board the report was uploaded for."""
    return scalar(db, "SELECT board_id FROM report_imports WHERE id = ?", import_id)


def start_import(
    db: Database,
    board_id: int,
    filename: str,
    text: str,
    actor: audit.Actor,
    extraction: Extraction | None = None,
) -> int:
    """Keep an uploaded report and its first draft; the same report uploaded again for the same
    board returns the import already made, so nothing is duplicated. `extraction` is what
    extract_report found in `text`, when it has been run already (within a budget: see
    tracker.reports.budget)."""
    digest = hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
    existing = db.execute(
        "SELECT id FROM report_imports WHERE board_id = ? AND text_sha256 = ?", [board_id, digest]
    ).fetchone()
    if existing:
        return existing[0]
    if extraction is None:
        extraction = extract_report(text)
    draft = build_draft(extraction, people_of_board(db, board_id))
    with write_transaction(db):
        return audit.insert(
            db,
            "report_imports",
            {
                "board_id": board_id,
                "uploaded_by": actor.user_id,
                "filename": filename[:255],
                "text_sha256": digest,
                "source_text": text,
                "draft": json.dumps(draft),
            },
            actor,
        )


def imports_of_board(db: Database, board_id: int) -> list[dict]:
    """The board's uploaded reports, newest first."""
    return list(
        db.query(
            "SELECT id, filename, plan_id, created_at, updated_at FROM report_imports"
            " WHERE board_id = ? ORDER BY id DESC",
            [board_id],
        )
    )


def get_import(db: Database, import_id: int) -> dict:
    """An import with its draft as a dict and the draft's fingerprint."""
    row = dict(db["report_imports"].get(import_id))
    row["draft"] = json.loads(row["draft"])
    row["fingerprint"] = fingerprint(row["draft"])
    return row


def save_draft(
    db: Database, import_id: int, draft: dict, seen_fingerprint: str, actor: audit.Actor
) -> None:
    """Keep the reviewer's changes; raises StaleChange if someone saved the draft meanwhile."""
    with write_transaction(db):
        current = json.loads(db["report_imports"].get(import_id)["draft"])
        check_unchanged(current, seen_fingerprint)
        audit.update(
            db,
            "report_imports",
            import_id,
            {
                "draft": json.dumps(draft),
                "updated_at": timestamp(now()),
            },
            actor,
        )


def create_plan(db: Database, import_id: int, title: str, actor: audit.Actor) -> int:
    """Make the plan, its inspection, ratings, findings, recommendations, key lines and
    champions from the draft, all in one transaction; returns the plan's id. A draft that
    already made a plan returns that plan rather than making another."""
    with write_transaction(db):
        row = get_import(db, import_id)
        if row["plan_id"]:
            return row["plan_id"]
        draft, board_id = row["draft"], row["board_id"]
        inspection_id = _create_inspection(db, board_id, draft, row, actor)
        finding_ids = [
            audit.insert(
                db,
                "findings",
                {
                    "inspection_id": inspection_id,
                    "section": f["code"],
                    "kind": f["kind"],
                    "text": f["text"],
                    "position": f["position"],
                },
                actor,
            )
            for f in draft["findings"]
        ]
        plan_id = audit.insert(
            db,
            "plans",
            {
                "board_id": board_id,
                "inspection_id": inspection_id,
                "title": title,
                "period": _period(draft["inspection"]["published"]),
            },
            actor,
        )
        for position, recommendation in enumerate(draft["recommendations"], start=1):
            recommendation_id = _create_recommendation(
                db, plan_id, position, recommendation, finding_ids, actor
            )
            if recommendation.get("timescale"):
                _create_timescale_action(
                    db,
                    recommendation_id,
                    recommendation["timescale"],
                    draft["inspection"]["published"],
                    actor,
                )
        audit.update(db, "report_imports", import_id, {"plan_id": plan_id}, actor)
        return plan_id


def _create_inspection(db, board_id, draft, row, actor) -> int:
    details = draft["inspection"]
    service_name = details["service"] or "Youth justice service"
    service = db.execute(
        "SELECT id FROM services WHERE board_id = ? AND name = ?", [board_id, service_name]
    ).fetchone()
    service_id = (
        service[0]
        if service
        else audit.insert(db, "services", {"board_id": board_id, "name": service_name}, actor)
    )
    framework_id, standard_ids = _framework(db, details["inspectorate"], draft["ratings"], actor)
    inspection_id = audit.insert(
        db,
        "inspections",
        {
            "service_id": service_id,
            "framework_id": framework_id,
            "inspectorate": details["inspectorate"] or "HM Inspectorate of Probation",
            "title": details["title"],
            "published": details["published"] or None,
            "overall_rating": details["overall_rating"] or None,
            "score": details["score"],
            "max_score": details["max_score"],
            "foreword": details["foreword"],
            "foreword_signatory": details["foreword_signatory"],
            "foreword_signatory_role": details["foreword_signatory_role"],
            "source_name": row["filename"],
            "source_text": row["source_text"],
        },
        actor,
    )
    for rating in draft["ratings"]:
        audit.insert(
            db,
            "ratings",
            {
                "inspection_id": inspection_id,
                "standard_id": standard_ids[rating["code"]],
                "rating": rating["rating"],
            },
            actor,
        )
    return inspection_id


def _framework(db, inspectorate, ratings, actor) -> tuple[int | None, dict[str, int]]:
    """The framework with exactly these standards, made the first time it is seen: the set of
    standards is data, and changes between frameworks and years."""
    if not ratings:
        return None, {}
    name = f"{inspectorate or 'Inspection'} standards: " + "; ".join(
        f"{r['code']} {r['standard']}" for r in ratings
    )
    found = db.execute("SELECT id FROM frameworks WHERE name = ?", [name[:1000]]).fetchone()
    if found:
        rows = db.execute("SELECT code, id FROM standards WHERE framework_id = ?", [found[0]])
        return found[0], dict(rows.fetchall())
    scale = db.execute("SELECT id FROM rating_scales WHERE name = ?", [FOUR_POINT_SCALE]).fetchone()
    scale_id = scale[0] if scale else _four_point_scale(db, actor)
    framework_id = audit.insert(
        db,
        "frameworks",
        {"name": name[:1000], "inspectorate": inspectorate or "", "scale_id": scale_id},
        actor,
    )
    standard_ids = {
        r["code"]: audit.insert(
            db,
            "standards",
            {
                "framework_id": framework_id,
                "code": r["code"],
                "domain": r["domain"],
                "name": r["standard"],
                "position": position,
                "counts_towards_score": int("resettlement" not in r["domain"].lower()),
            },
            actor,
        )
        for position, r in enumerate(ratings, start=1)
    }
    return framework_id, standard_ids


def _four_point_scale(db, actor) -> int:
    scale_id = audit.insert(db, "rating_scales", {"name": FOUR_POINT_SCALE}, actor)
    for position, (label, score) in enumerate(SCORED_RATINGS.items(), start=1):
        audit.insert(
            db,
            "rating_levels",
            {"scale_id": scale_id, "label": label, "score": score, "position": position},
            actor,
        )
    return scale_id


def _create_timescale_action(db, recommendation_id, timescale: str, published, actor) -> None:
    """The timescale the report set on a recommendation ("Within three months") as its first
    action, due that long after the month the report was published."""
    audit.insert(
        db,
        "actions",
        {
            "recommendation_id": recommendation_id,
            "text": f"Done {timescale.lower()}, as the inspection report asks",
            "target_date": _due_after(published, timescale),
            "position": 1,
        },
        actor,
    )


def _due_after(published: str, timescale: str) -> str | None:
    """The last day of the month `timescale` ("Immediately", "Within three months") after
    the month of publication ("2013-08"); None without a month to count from."""
    if len(published or "") < 7 or not published[:4].isdigit() or not published[5:7].isdigit():
        return None
    words = timescale.lower().split()
    months = 0 if words[0] == "immediately" else NUMBER_WORDS.get(words[1], None)
    if months is None:
        months = int(words[1]) if words[1].isdigit() else 0
    index = int(published[:4]) * 12 + int(published[5:7]) - 1 + months + 1
    first_of_next = date(index // 12, index % 12 + 1, 1)
    return date.fromordinal(first_of_next.toordinal() - 1).isoformat()


def _create_recommendation(db, plan_id, position, recommendation, finding_ids, actor) -> int:
    recommendation_id = audit.insert(
        db,
        "recommendations",
        {
            "plan_id": plan_id,
            "number": recommendation["number"],
            "text": recommendation["text"],
            "addressee": recommendation["addressee"] or None,
            "origin": recommendation["origin"],
            "position": position,
            "source_position": recommendation["source_position"],
        },
        actor,
    )
    for line_position, line in enumerate(recommendation["key_lines"], start=1):
        audit.insert(
            db,
            "key_lines",
            {
                "recommendation_id": recommendation_id,
                "text": line["text"],
                "finding_id": finding_ids[line["finding"]] if line["finding"] is not None else None,
                "position": line_position,
            },
            actor,
        )
    for kind in ("board", "service"):
        for champion_position, person_id in enumerate(recommendation[f"{kind}_champions"], 1):
            add_champion(db, recommendation_id, person_id, kind, champion_position, actor)
    return recommendation_id


def _period(published: str | None) -> str:
    """The plan's period: the year of publication and the next, as boards write it."""
    year = int(published[:4]) if published and published[:4].isdigit() else date.today().year
    return f"{year}-{year + 1}"
