"""The demo: the North East Lincolnshire plan exactly as the board published it, with demo
accounts for each role and clearly marked sample progress updates."""

import json
from pathlib import Path

import click
from flask import Blueprint
from sqlite_utils import Database

from tracker import audit
from tracker.auth import accounts
from tracker.auth.accounts import now, timestamp
from tracker.db import get_db, write_transaction
from tracker.quarters import Quarter
from tracker.updates.workflow import ensure_quarter

bp = Blueprint("demo", __name__, cli_group=None)

HERE = Path(__file__).parent
PLAN_FILE = HERE / "north_east_lincolnshire.json"
SAMPLE_UPDATES_FILE = HERE / "sample_updates.json"

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for everyone; demo data only
DEMO_ACCOUNTS = (
    # email, name, role, person in the plan
    ("head.of.service@demo.example.org", "Paul Caswell", "administrator", "Paul Caswell"),
    ("board.champion@demo.example.org", "Spencer Hunt", "champion", "Spencer Hunt"),
    ("scrutiny.member@demo.example.org", "Alex Morgan", "scrutiny", None),
)
# Runs the demo installation: creates boards and invites their administrators, and reads no plan.
DEMO_OPERATOR = ("operator@demo.example.org", "Olu Operator")


class DemoAlreadyLoaded(Exception):
    """The demo board is already in the database."""


def database_is_empty(db: Database) -> bool:
    """Whether the database holds no board yet."""
    return db.execute("SELECT count(*) FROM boards").fetchone()[0] == 0


def load_demo(db: Database) -> int:
    """Load the demo plan, its inspection, people, accounts and sample updates in one
    transaction; returns the plan's id. Raises DemoAlreadyLoaded if its board exists."""
    data = json.loads(PLAN_FILE.read_text())
    source = (HERE / data["inspection"]["source_name"]).read_text()
    with write_transaction(db):
        if db.execute("SELECT 1 FROM boards WHERE name = ?", [data["board"]["name"]]).fetchone():
            raise DemoAlreadyLoaded
        board_id = _insert(db, audit.SYSTEM, "boards", data["board"])
        # Everything else is the board's: its audit log starts with how the demo was set up.
        actor = audit.Actor(user_id=None, board_id=board_id)
        service_id = _insert(db, actor, "services", {"board_id": board_id, "name": data["service"]})
        # Frameworks and their standards belong to no board.
        framework_id, standard_ids = _load_framework(db, audit.SYSTEM, data["framework"])
        inspection_id = _load_inspection(
            db, actor, data["inspection"], service_id, framework_id, standard_ids, source
        )
        finding_ids = _load_findings(
            db, actor, data["inspection"]["findings"], inspection_id, source
        )
        people = _load_people(db, actor, board_id, data)
        plan_id = _load_plan(
            db, actor, data["plan"], board_id, inspection_id, finding_ids, people, source
        )
        _load_sample_updates(db, actor, plan_id)
        for email, name, role, person in DEMO_ACCOUNTS:
            accounts.create_user(
                db,
                email=email,
                password=DEMO_PASSWORD,
                name=name,
                board_id=board_id,
                role=role,
                person_id=people.get(person),
                actor=actor,
            )
        # After the board's accounts, so their ids stay 1, 2 and 3.
        accounts.create_account(
            db,
            email=DEMO_OPERATOR[0],
            password=DEMO_PASSWORD,
            name=DEMO_OPERATOR[1],
            is_operator=True,
        )
    return plan_id


def _insert(db: Database, actor: audit.Actor, table: str, row: dict) -> int:
    return audit.insert(db, table, row, actor)


def _load_framework(db, actor, framework) -> tuple[int, dict[str, int]]:
    scale = framework["scale"]
    scale_id = _insert(db, actor, "rating_scales", {"name": scale["name"]})
    for position, (label, score) in enumerate(scale["levels"], start=1):
        _insert(
            db,
            actor,
            "rating_levels",
            {"scale_id": scale_id, "label": label, "score": score, "position": position},
        )
    framework_id = _insert(
        db,
        actor,
        "frameworks",
        {
            "name": framework["name"],
            "inspectorate": framework["inspectorate"],
            "scale_id": scale_id,
        },
    )
    standard_ids = {
        standard["code"]: _insert(
            db,
            actor,
            "standards",
            {
                **standard,
                "framework_id": framework_id,
                "position": position,
                "counts_towards_score": int(standard["counts_towards_score"]),
            },
        )
        for position, standard in enumerate(framework["standards"], start=1)
    }
    return framework_id, standard_ids


def _load_inspection(db, actor, inspection, service_id, framework_id, standard_ids, source) -> int:
    fields = {key: value for key, value in inspection.items() if key not in ("ratings", "findings")}
    inspection_id = _insert(
        db,
        actor,
        "inspections",
        {
            **fields,
            "service_id": service_id,
            "framework_id": framework_id,
            "source_text": source,
        },
    )
    for code, rating in inspection["ratings"].items():
        _insert(
            db,
            actor,
            "ratings",
            {
                "inspection_id": inspection_id,
                "standard_id": standard_ids[code],
                "rating": rating,
            },
        )
    return inspection_id


def _load_findings(db, actor, findings, inspection_id, source) -> dict[str, int]:
    return {
        finding["key"]: _insert(
            db,
            actor,
            "findings",
            {
                "inspection_id": inspection_id,
                "section": finding["section"],
                "kind": finding["kind"],
                "text": finding["text"],
                "position": _position(source, finding["text"]),
            },
        )
        for finding in findings
    }


def _load_people(db, actor, board_id, data) -> dict[str, int]:
    """Everyone named as a champion, with the details the plan prints for them."""
    details = {person["name"]: person for person in data["people"]}
    names = dict.fromkeys(
        name
        for recommendation in data["plan"]["recommendations"]
        for kind in ("board_champions", "service_champions")
        for name in recommendation[kind]
    )
    return {
        name: _insert(
            db,
            actor,
            "people",
            {
                "board_id": board_id,
                "name": name,
                "job_title": details.get(name, {}).get("job_title", ""),
                "organisation": details.get(name, {}).get("organisation", ""),
            },
        )
        for name in names
    }


def _load_plan(db, actor, plan, board_id, inspection_id, finding_ids, people, source) -> int:
    current = Quarter.parse(plan["current_quarter"])
    plan_id = _insert(
        db,
        actor,
        "plans",
        {
            "board_id": board_id,
            "inspection_id": inspection_id,
            "title": plan["title"],
            "period": plan["period"],
            "current_quarter": current.label,
            "state": "live",
            "went_live_at": timestamp(now()),
        },
    )
    for quarter in (current.previous(), current):
        ensure_quarter(db, plan_id, quarter, actor)
    for position, recommendation in enumerate(plan["recommendations"], start=1):
        is_inspectorates = recommendation["origin"] == "inspectorate"
        recommendation_id = _insert(
            db,
            actor,
            "recommendations",
            {
                "plan_id": plan_id,
                "number": recommendation["number"],
                "text": recommendation["text"],
                "addressee": recommendation["addressee"],
                "origin": recommendation["origin"],
                "position": position,
                "source_position": _position(
                    source, f"{recommendation['number']}. {recommendation['text'][:60]}"
                )
                if is_inspectorates
                else None,
            },
        )
        for line_position, line in enumerate(recommendation["key_lines"], start=1):
            _insert(
                db,
                actor,
                "key_lines",
                {
                    "recommendation_id": recommendation_id,
                    "text": line["text"],
                    "finding_id": finding_ids.get(line.get("finding")),
                    "position": line_position,
                },
            )
        for kind in ("board", "service"):
            for champion_position, name in enumerate(recommendation[f"{kind}_champions"], 1):
                _insert(
                    db,
                    actor,
                    "champions",
                    {
                        "recommendation_id": recommendation_id,
                        "person_id": people[name],
                        "kind": kind,
                        "position": champion_position,
                    },
                )
    return plan_id


def _load_sample_updates(db, actor, plan_id) -> None:
    samples = json.loads(SAMPLE_UPDATES_FILE.read_text())
    quarter_id = db.execute(
        "SELECT id FROM quarters WHERE plan_id = ? AND label = ?", [plan_id, samples["quarter"]]
    ).fetchone()[0]
    for number, update in samples["updates"].items():
        recommendation_id = db.execute(
            "SELECT id FROM recommendations WHERE plan_id = ? AND number = ?", [plan_id, number]
        ).fetchone()[0]
        _insert(
            db,
            actor,
            "progress_updates",
            {
                **update,
                "recommendation_id": recommendation_id,
                "quarter_id": quarter_id,
                "revision": 1,
                "state": "approved",
                "is_sample": 1,
            },
        )
    # The samples' quarter is the one before the current quarter: its board has met, so it
    # is closed, as the quarterly cycle closes it.
    audit.update(db, "quarters", quarter_id, {"locked_at": timestamp(now())}, actor)


def _position(source: str, text: str) -> int | None:
    """Where `text` first appears in the source, ignoring case, or None."""
    found = source.lower().find(text.lower())
    return found if found >= 0 else None


@bp.cli.command("load-demo")
def load_demo_command():
    """Load the North East Lincolnshire demo plan and the demo accounts."""
    try:
        plan_id = load_demo(get_db())
    except DemoAlreadyLoaded:
        raise click.ClickException("The demo is already loaded; nothing was changed.") from None
    click.echo(f"Loaded the demo plan (id {plan_id}).")
    print_demo_sign_ins()


@bp.cli.command("load-demo-if-empty", hidden=True)
def load_demo_if_empty_command():
    """Load the demo when the database holds no board yet (used by `make run`)."""
    db = get_db()
    if database_is_empty(db):
        load_demo(db)
        click.echo("Loaded the demo plan into the empty database.")
    demo_email = DEMO_ACCOUNTS[0][0]
    if db.execute("SELECT 1 FROM users WHERE email = ?", [demo_email]).fetchone():
        print_demo_sign_ins()


def print_demo_sign_ins() -> None:
    """Print the demo accounts and their password."""
    click.echo(f"Demo sign-ins (password for each: {DEMO_PASSWORD}):")
    for email, _name, role, _person in DEMO_ACCOUNTS:
        click.echo(f"  {role:<14} {email}")
    click.echo(f"  {'operator':<14} {DEMO_OPERATOR[0]}  (creates boards, reads no plan)")
