"""Making a plan from a reviewed import of a board's existing plan, in one transaction."""

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from tracker import audit
from tracker.auth.accounts import now, timestamp
from tracker.boards import status_key_of
from tracker.db import write_transaction
from tracker.inspections.queries import findings_of_inspection, report_recommendations
from tracker.plan_import.imports import check_inspection, get_import
from tracker.plan_import.reading import layout_from_choices, read_plan
from tracker.plan_import.report_links import ReportLinks, link_to_report
from tracker.plans.champions import add_champion
from tracker.quarters import Quarter
from tracker.rag import Status
from tracker.updates.workflow import ensure_quarter

LONGEST_TEXT = 5000  # a recommendation's or key line's text
LONGEST_NAME = 200
LONGEST_PROGRESS = 20000
LONGEST_ACTION = 2000


class PlanNotMade(ValueError):
    """The plan cannot be made from the import as it is; the message says why, for the user.
    Nothing was made."""


@dataclass(frozen=True)
class ReportMatch:
    """A plan's recommendations matched with its inspection report's (see report_links)."""

    inspection_id: int
    report: list[dict]  # the report's recommendations (inspections.queries)
    findings: list[dict]
    links: ReportLinks

    def source_of(self, index: int) -> dict | None:
        """The report's recommendation the plan's `index`-th answers, if any."""
        found = self.links.recommendations[index]
        return None if found is None else self.report[found]

    def finding_ids_of(self, index: int) -> list[int | None]:
        return [
            None if found is None else self.findings[found]["id"]
            for found in self.links.key_lines[index]
        ]

    @property
    def missing(self) -> list[dict]:
        return [self.report[index] for index in self.links.missing]


def match_report(db: Database, inspection_id: int, recommendations: list[dict]) -> ReportMatch:
    """The plan's recommendations (as read_plan gives them) matched with the inspection's."""
    report = report_recommendations(db, inspection_id)
    findings = findings_of_inspection(db, inspection_id)
    links = link_to_report(recommendations, report, [finding["text"] for finding in findings])
    return ReportMatch(inspection_id, report, findings, links)


def create_plan(db: Database, import_id: int, actor: audit.Actor) -> int:
    """Make a draft plan on the import's board from the reviewer's choices: its
    recommendations, key lines of enquiry, actions and champions (people of the board matched
    by name, or added), linked to the inspection report chosen (its recommendations and
    findings; the report's recommendations the plan lacks added unless the choices say not),
    and, when the choices name a quarter, each status and progress as an
    approved update for that quarter (and for the quarters before it, when the plan has a
    column a quarter). All in one transaction; returns the plan's id. An import that
    already made a plan returns that plan. Raises PlanNotMade (or PlanFileError for choices
    that no longer fit the tables or name an inspection not of the board), making nothing."""
    with write_transaction(db):
        found = get_import(db, import_id)
        if found is None:
            raise PlanNotMade("That upload is no longer there: upload the plan again")
        if found["plan_id"]:
            return found["plan_id"]
        board_id, choices = found["board_id"], found["choices"]
        tables = found["tables"]
        recommendations = read_plan(tables, layout_from_choices(tables, choices))["recommendations"]
        if not recommendations:
            raise PlanNotMade("No recommendations were read from the table chosen")
        quarter = Quarter.parse(choices["quarter"]) if choices.get("quarter") else None
        inspection_id = choices.get("inspection_id")
        check_inspection(db, board_id, inspection_id)  # it may have been checked long ago
        matched = match_report(db, inspection_id, recommendations) if inspection_id else None
        plan_id = audit.insert(
            db,
            "plans",
            {
                "board_id": board_id,
                "inspection_id": inspection_id,
                "title": choices["title"],
                "period": _period(quarter),
                "state": "draft",
            },
            actor,
        )
        people = _People(db, board_id, actor)
        status_key = status_key_of(db, board_id)
        # The quarter chosen is the plan's even when the plan has no status for it yet; the
        # quarters before it only when they have something.
        quarter_ids = {0: ensure_quarter(db, plan_id, quarter, actor)} if quarter else {}
        for position, recommendation in enumerate(recommendations, start=1):
            recommendation_id = _create_recommendation(
                db, plan_id, position, recommendation, people, matched, actor
            )
            for reported in recommendation["quarters"] if quarter else ():
                if not (reported["status"] or reported["progress"].strip()):
                    continue
                offset = reported["offset"]
                if offset not in quarter_ids:
                    quarter_ids[offset] = ensure_quarter(
                        db, plan_id, quarter.shifted(offset), actor
                    )
                _create_update(
                    db,
                    recommendation_id,
                    quarter_ids[offset],
                    _which(recommendation),
                    reported,
                    status_key,
                    import_id,
                    actor,
                )
        if matched and choices.get("add_missing", True):
            for position, missing in enumerate(matched.missing, start=len(recommendations) + 1):
                _copy_report_recommendation(db, plan_id, position, missing, actor)
        audit.update(db, "plan_imports", import_id, {"plan_id": plan_id}, actor)
        return plan_id


class _People:
    """The board's people by name, whatever its case and spacing; someone not there yet is
    added the first time they are named."""

    def __init__(self, db: Database, board_id: int, actor: audit.Actor):
        self.db, self.board_id, self.actor = db, board_id, actor
        self.ids: dict[str, int] = {}
        for row in db.query(
            "SELECT id, name FROM people WHERE board_id = ? ORDER BY id", [board_id]
        ):
            self.ids.setdefault(_name_key(row["name"]), row["id"])  # the first of namesakes

    def id_of(self, name: str, job_title: str = "") -> int:
        """The person's id; someone new is added with the job title the plan gives them."""
        key = _name_key(name)
        if key not in self.ids:
            name = " ".join(name.split())
            if len(name) > LONGEST_NAME:
                raise PlanNotMade(
                    f'The champion "{name[:40]}..." has a name longer than {LONGEST_NAME} '
                    "characters: correct it in the plan and upload it again"
                )
            person = {"board_id": self.board_id, "name": name, "job_title": job_title[:200]}
            self.ids[key] = audit.insert(self.db, "people", person, self.actor)
        return self.ids[key]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _create_recommendation(db, plan_id, position, recommendation, people, matched, actor) -> int:
    which = _which(recommendation)
    text = recommendation["text"].strip()
    if not text:
        raise PlanNotMade(f"{which} has a number but no text: add its text and upload it again")
    _check_length(text, LONGEST_TEXT, f"The text of {which.lower()}")
    if matched is None:
        # Without the report, a numbered recommendation is taken to be the inspectorate's.
        source, origin = None, "local" if recommendation["number"] is None else "inspectorate"
        finding_ids = [None] * len(recommendation["key_lines_of_enquiry"])
    else:
        source = matched.source_of(position - 1)
        origin = "local" if source is None else "inspectorate"
        finding_ids = matched.finding_ids_of(position - 1)
    recommendation_id = audit.insert(
        db,
        "recommendations",
        {
            "plan_id": plan_id,
            "number": recommendation["number"],
            "text": text,
            "addressee": source["addressee"] if source else None,
            "origin": origin,
            "position": position,
            "source_position": source["source_position"] if source else None,
        },
        actor,
    )
    key_lines = zip(recommendation["key_lines_of_enquiry"], finding_ids, strict=True)
    for line_position, (line, finding_id) in enumerate(key_lines, start=1):
        _check_length(line, LONGEST_TEXT, f"A key line of enquiry of {which.lower()}")
        audit.insert(
            db,
            "key_lines",
            {
                "recommendation_id": recommendation_id,
                "finding_id": finding_id,
                "text": line,
                "position": line_position,
            },
            actor,
        )
    for kind in ("board", "service"):
        # Two ways of writing one name are one champion.
        person_ids = dict.fromkeys(
            people.id_of(name, recommendation["job_titles"].get(name, ""))
            for name in recommendation[f"{kind}_champions"]
        )
        for champion_position, person_id in enumerate(person_ids, start=1):
            add_champion(db, recommendation_id, person_id, kind, champion_position, actor)
    for action_position, action in enumerate(recommendation["actions"], start=1):
        _check_length(action["text"], LONGEST_ACTION, f"An action of {which.lower()}")
        audit.insert(
            db,
            "actions",
            {
                "recommendation_id": recommendation_id,
                "text": action["text"],
                "target_date": action["target_date"],
                "position": action_position,
            },
            actor,
        )
    return recommendation_id


def _copy_report_recommendation(db, plan_id, position, source: dict, actor) -> None:
    """One of the report's recommendations that the board's plan did not have, with the key
    lines the report's own plan gave it."""
    recommendation_id = audit.insert(
        db,
        "recommendations",
        {
            "plan_id": plan_id,
            "number": source["number"],
            "text": source["text"],
            "addressee": source["addressee"],
            "origin": "inspectorate",
            "position": position,
            "source_position": source["source_position"],
        },
        actor,
    )
    for line_position, line in enumerate(source["key_lines"], start=1):
        audit.insert(
            db,
            "key_lines",
            {"recommendation_id": recommendation_id, **line, "position": line_position},
            actor,
        )


def _create_update(
    db,
    recommendation_id,
    quarter_id,
    which: str,
    quarter: dict,
    status_key: tuple[Status, ...],
    import_id,
    actor,
) -> None:
    """One quarter's status and progress of a recommendation ({"status", "progress"}) as an
    approved update marked as imported."""
    status = quarter["status"]
    if status is not None and status not in {s.key for s in status_key}:
        labels = ", ".join(s.label for s in status_key)
        raise PlanNotMade(
            f"{which} is {status.capitalize()}, which is not in the board's "
            f"status key ({labels}): change its status, or the key, and try again"
        )
    progress = quarter["progress"].strip()
    _check_length(progress, LONGEST_PROGRESS, f"The progress of {which.lower()}")
    audit.insert(
        db,
        "progress_updates",
        {
            "recommendation_id": recommendation_id,
            "quarter_id": quarter_id,
            "revision": 1,
            "status": status,
            "state": "approved",
            "narrative": progress,
            "author_id": actor.user_id,
            "imported_from": import_id,
            "created_at": timestamp(now()),
        },
        actor,
    )


def _which(recommendation: dict) -> str:
    if recommendation["number"] is not None:
        return f"Recommendation {recommendation['number']}"
    return f'The recommendation "{recommendation["text"][:40]}"'


def _check_length(text: str, most: int, what: str) -> None:
    if len(text) > most:
        raise PlanNotMade(f"{what} is longer than {most:,} characters: shorten it and try again")


def _period(quarter: Quarter | None) -> str:
    """The plan's period as boards write it: the financial year of the quarter the progress is
    for, else this one."""
    year = quarter.year if quarter else Quarter.containing(date.today()).year
    return f"{year}-{year + 1}"
