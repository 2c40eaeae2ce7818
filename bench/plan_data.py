"""Benchmark: building a plan as data (the plan page, JSON URL and `show-plan`).

Measures `plan_as_data` on the demo plan and on a generated plan of 60 recommendations with
8 quarters of updates, and prints each as a ratio to a baseline measured in the same run:
reading the same rows with plain SELECTs and no assembly. Run with `make bench`.
"""

import tempfile
from pathlib import Path

from timing import median_time  # bench/timing.py, beside this script

from tracker.db import open_database
from tracker.demo import load_demo
from tracker.plans.queries import plan_as_data
from tracker.quarters import Quarter

TABLES = ("recommendations", "key_lines", "champions", "people", "progress_updates", "quarters")


def read_rows(db) -> None:
    """The baseline: every row the plan needs, read with no joins or assembly."""
    for table in TABLES:
        db.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608 - fixed table names


def add_large_plan(
    db, board_id: int, update_fields=None, *, recommendations: int = 60, title: str = "Large plan"
) -> int:
    """A plan of 60 recommendations (or `recommendations`), each with 3 key lines, 2 champions
    of each kind and an approved update in each of 8 quarters. `update_fields(number,
    quarter_index)`, when given, gives each update's status and text instead of a short green
    narrative. The plan is a draft, as a new plan is."""
    plan_id = (
        db["plans"]
        .insert({"board_id": board_id, "title": title, "current_quarter": "2024/25 Q4"})
        .last_pk
    )
    quarter, quarter_ids = Quarter.parse("2023/24 Q1"), []
    for _ in range(8):
        quarter_ids.append(
            db["quarters"]
            .insert(
                {
                    "plan_id": plan_id,
                    "label": quarter.label,
                    "starts_on": str(quarter.starts_on),
                    "ends_on": str(quarter.ends_on),
                }
            )
            .last_pk
        )
        quarter = quarter.next()
    people = [
        db["people"].insert({"board_id": board_id, "name": f"Person {n}"}).last_pk
        for n in range(20)
    ]
    for number in range(1, recommendations + 1):
        recommendation_id = (
            db["recommendations"]
            .insert(
                {
                    "plan_id": plan_id,
                    "number": number,
                    "text": f"Recommendation {number} " * 8,
                    "origin": "inspectorate",
                    "position": number,
                }
            )
            .last_pk
        )
        db["key_lines"].insert_all(
            {"recommendation_id": recommendation_id, "position": p, "text": f"Key line {p} " * 12}
            for p in range(3)
        )
        db["champions"].insert_all(
            {
                "recommendation_id": recommendation_id,
                "person_id": people[(number + p) % 20],
                "kind": kind,
                "position": p,
            }
            for p in range(2)
            for kind in ("board", "service")
        )
        db["progress_updates"].insert_all(
            {
                "recommendation_id": recommendation_id,
                "quarter_id": quarter_id,
                "revision": 1,
                "state": "approved",
                **(
                    update_fields(number, index)
                    if update_fields
                    else {"status": "green", "narrative": "Progress made. " * 20}
                ),
            }
            for index, quarter_id in enumerate(quarter_ids)
        )
    return plan_id


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "bench.db")
        demo_plan = load_demo(db)
        large_plan = add_large_plan(db, board_id=1)
        baseline = median_time(lambda: read_rows(db))
        print(f"baseline (plain SELECT of every row): {baseline * 1000:.2f} ms")
        for name, plan_id in (
            ("demo plan", demo_plan),
            ("60 recommendations x 8 quarters", large_plan),
        ):
            taken = median_time(
                lambda plan_id=plan_id: plan_as_data(db, plan_id, approved_only=False)
            )
            print(f"{name}: {taken * 1000:.2f} ms, {taken / baseline:.1f}x the baseline")
        db.close()


if __name__ == "__main__":
    main()
