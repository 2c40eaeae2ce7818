"""A draft plan under review: built from a report's extraction, edited, then made into a plan.

Pure: the draft is a plain dict (kept as JSON while the review is unfinished) and every
change is a function from one draft to the next. Nothing here touches the database.
"""

import copy
import re
import secrets
from collections.abc import Mapping, Sequence

from tracker.reports.extraction import RATING_WORDS
from tracker.reports.key_lines import suggest_key_lines
from tracker.reports.model import Extraction, Finding, Recommendation
from tracker.text import clean_text, whole_number

MAX_TEXT = 5000
MAX_LINE = 300
SUGGESTIONS_SHOWN = 5
SUGGESTIONS_ACCEPTED = 3

# Words in an addressee, the words in a person's job title or organisation that fit them, and
# which kind of champion they make: a recommendation to the constabulary suggests the board's
# police member as its board champion; one to the service suggests its head of service as
# the service champion.
ADDRESSEE_MATCHES = (
    (r"police|constabulary", r"police|constabulary|superintendent|supt|inspector", "board"),
    (r"probation", r"probation", "board"),
    (r"health|nhs|icb|clinical", r"health|nhs|icb|clinical|commissioning", "board"),
    (
        r"children'?s services|children'?s social care|local authority|council|chief executive",
        r"children|social care|director|council|chief executive",
        "board",
    ),
    (r"education|school", r"education|school|virtual head", "board"),
    (r"board|chair|partnership", r"chair|board", "board"),
    (
        r"youth (offending|justice)|\byos\b|\byjs\b|\byot\b|service manager",
        r"head of service|youth (offending|justice)|\byos\b|\byjs\b|service manager",
        "service",
    ),
)


class DraftError(ValueError):
    """A change to the draft that cannot be made; the message says why, for the user."""


def new_key() -> str:
    return secrets.token_hex(4)


def build_draft(extraction: Extraction, people: Sequence[Mapping]) -> dict:
    """The first draft: everything extracted, suggested key lines accepted, champions
    suggested from each recommendation's addressee."""
    suggestions = suggest_key_lines(extraction.recommendations, extraction.findings)
    findings = [finding.__dict__ for finding in extraction.findings]
    index_of = {finding: i for i, finding in enumerate(extraction.findings)}
    recommendations = []
    for recommendation in extraction.recommendations:
        ranked = suggestions.by_recommendation.get(recommendation.number, [])
        recommendations.append(
            {
                "key": new_key(),
                "number": recommendation.number,
                "addressee": recommendation.addressee or "",
                "addressee_implied": recommendation.addressee_implied,
                "timescale": recommendation.timescale,
                "text": recommendation.text,
                "origin": "inspectorate",
                "source_position": recommendation.position,
                "suggested": [
                    {
                        "finding": index_of[s.finding],
                        "score": round(s.score, 2),
                        "evidence": list(s.evidence),
                    }
                    for s in ranked[:SUGGESTIONS_SHOWN]
                ],
                "key_lines": [
                    {"finding": index_of[s.finding], "text": s.finding.text}
                    for s in ranked[:SUGGESTIONS_ACCEPTED]
                ],
                "board_champions": suggest_champions(recommendation.addressee, people),
                "service_champions": [],
            }
        )
    return {
        "inspection": {
            "service": extraction.service or "",
            "inspectorate": extraction.inspectorate or "",
            "title": extraction.title or "",
            "published": extraction.published or "",
            "overall_rating": extraction.overall_rating or "",
            "score": extraction.score[0] if extraction.score else None,
            "max_score": extraction.score[1] if extraction.score else None,
            "foreword": extraction.foreword,
            "foreword_signatory": extraction.foreword_signatory,
            "foreword_signatory_role": extraction.foreword_signatory_role,
        },
        # Ofsted's judgements have no codes: each is known by its place in the report.
        "ratings": [
            rating.__dict__ | {"code": rating.code or str(position)}
            for position, rating in enumerate(extraction.ratings, start=1)
        ],
        "findings": findings,
        "unmatched": [index_of[finding] for finding in suggestions.unmatched],
        "recommendations": recommendations,
        "warnings": list(extraction.warnings),
    }


def suggest_champions(addressee: str | None, people: Sequence[Mapping]) -> dict:
    """{"board_champions": [...], "service_champions": [...]}: the people whose job or
    organisation fits the body a recommendation is addressed to."""
    chosen: dict[str, list[int]] = {"board_champions": [], "service_champions": []}
    match = next(
        (m for m in ADDRESSEE_MATCHES if addressee and re.search(m[0], addressee, re.I)), None
    )
    if match:
        _, person_pattern, kind = match
        chosen[f"{kind}_champions"] = [
            person["id"]
            for person in people
            if re.search(person_pattern, f"{person['job_title']} {person['organisation']}", re.I)
        ]
    return chosen


def findings_of(draft: dict) -> list[Finding]:
    return [Finding(**finding) for finding in draft["findings"]]


def recommendations_of(draft: dict) -> list[Recommendation]:
    return [
        Recommendation(
            r["number"] or 0, r["addressee"] or None, r["text"], r["source_position"] or 0
        )
        for r in draft["recommendations"]
    ]


def _index(draft: dict, key: str) -> int:
    for index, recommendation in enumerate(draft["recommendations"]):
        if recommendation["key"] == key:
            return index
    raise DraftError("That recommendation is no longer in the draft")


def move(draft: dict, key: str, step: int) -> dict:
    """Move a recommendation up (-1) or down (+1) the plan."""
    draft = copy.deepcopy(draft)
    items = draft["recommendations"]
    index = _index(draft, key)
    target = index + step
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    return draft


def delete(draft: dict, key: str) -> dict:
    """Take a recommendation out of the draft."""
    draft = copy.deepcopy(draft)
    del draft["recommendations"][_index(draft, key)]
    return draft


def merge_with_next(draft: dict, key: str) -> dict:
    """Join a recommendation and the one after it: texts, key lines and champions."""
    draft = copy.deepcopy(draft)
    items = draft["recommendations"]
    index = _index(draft, key)
    if index + 1 >= len(items):
        raise DraftError("The last recommendation has nothing after it to merge with")
    first, second = items[index], items.pop(index + 1)
    first["text"] = f"{first['text'].rstrip()} {second['text'].lstrip()}"[:MAX_TEXT]
    first["key_lines"] += [line for line in second["key_lines"] if line not in first["key_lines"]]
    first["suggested"] += [s for s in second["suggested"] if s not in first["suggested"]]
    for kind in ("board_champions", "service_champions"):
        first[kind] += [p for p in second[kind] if p not in first[kind]]
    return draft


def split(draft: dict, key: str) -> dict:
    """Split a recommendation in two at the first blank line in its text."""
    draft = copy.deepcopy(draft)
    items = draft["recommendations"]
    index = _index(draft, key)
    parts = re.split(r"\n\s*\n", items[index]["text"].strip(), maxsplit=1)
    if len(parts) < 2:
        raise DraftError(
            "To split a recommendation, put a blank line in its text where it "
            "should be split, then choose Split"
        )
    second = copy.deepcopy(items[index])
    items[index]["text"], second["text"] = parts[0].strip(), parts[1].strip()
    second["key"] = new_key()
    second["number"] = None
    items.insert(index + 1, second)
    return draft


def add_local(draft: dict, text: str) -> dict:
    """Add the board's own recommendation at the end of the plan."""
    text = clean_text(text)
    if not text:
        raise DraftError("Enter the text of the board's recommendation")
    if len(text) > MAX_TEXT:
        raise DraftError(f"A recommendation must be {MAX_TEXT} characters or fewer")
    draft = copy.deepcopy(draft)
    numbers = [r["number"] for r in draft["recommendations"] if r["number"]]
    draft["recommendations"].append(
        {
            "key": new_key(),
            "number": max(numbers, default=0) + 1,
            "addressee": "",
            "text": text,
            "origin": "local",
            "source_position": None,
            "suggested": [],
            "key_lines": [],
            "board_champions": [],
            "service_champions": [],
        }
    )
    return draft


def apply_review(draft: dict, form: Mapping, people_ids: set[int]) -> tuple[dict, list]:
    """The draft with the review page's fields applied, and the errors as
    (field id, message) pairs; on any error the draft returned is unchanged."""
    updated = copy.deepcopy(draft)
    errors: list[tuple[str, str]] = []
    inspection = updated["inspection"]
    for field, limit in (("title", MAX_LINE), ("service", 200), ("overall_rating", 60)):
        value = _text(form, f"inspection-{field}")
        if len(value) > limit:
            errors.append((f"inspection-{field}", f"Must be {limit} characters or fewer"))
        inspection[field] = value
    if not inspection["title"]:
        errors.append(("inspection-title", "Enter the inspection's title"))
    for field in ("score", "max_score"):
        raw = _text(form, f"inspection-{field}")
        score = whole_number(raw)
        if raw and not (score is not None and score <= 999):
            errors.append((f"inspection-{field}", "Enter the score as a whole number"))
        inspection[field] = score if score is not None and score <= 999 else None
    for rating in updated["ratings"]:
        chosen = _text(form, f"rating-{rating['code']}") or rating["rating"]
        if chosen not in RATING_WORDS and chosen != rating["rating"]:
            errors.append((f"rating-{rating['code']}", "Choose a rating from the list"))
        rating["rating"] = chosen
    finding_count = len(updated["findings"])
    for recommendation in updated["recommendations"]:
        errors += _apply_recommendation(
            recommendation, form, people_ids, finding_count, updated["findings"]
        )
    return (draft, errors) if errors else (updated, [])


def _apply_recommendation(recommendation, form, people_ids, finding_count, findings) -> list:
    prefix = f"rec-{recommendation['key']}"
    errors = []
    text = _text(form, f"{prefix}-text")
    if not text:
        errors.append((f"{prefix}-text", "Enter the recommendation's text"))
    elif len(text) > MAX_TEXT:
        errors.append((f"{prefix}-text", f"Must be {MAX_TEXT} characters or fewer"))
    number = _text(form, f"{prefix}-number")
    given_number = whole_number(number)
    if number and not (given_number is not None and 0 < given_number < 1000):
        errors.append((f"{prefix}-number", "Enter the number as a whole number, like 3"))
    addressee = _text(form, f"{prefix}-addressee")
    if len(addressee) > 200:
        errors.append((f"{prefix}-addressee", "Must be 200 characters or fewer"))
    origin = _text(form, f"{prefix}-origin") or recommendation["origin"]
    if origin not in ("inspectorate", "local"):
        errors.append((f"{prefix}-origin", "Choose who made the recommendation"))
    chosen_findings = _ids(form, f"{prefix}-finding", range(finding_count))
    people = {kind: _ids(form, f"{prefix}-{kind}", people_ids) for kind in ("board", "service")}
    if chosen_findings is None or None in people.values():
        errors.append((f"{prefix}-text", "Choose key lines and champions from the lists"))
        return errors
    free_lines = [line.strip() for line in _text(form, f"{prefix}-free").splitlines()]
    if any(len(line) > MAX_TEXT for line in free_lines):
        errors.append((f"{prefix}-free", f"Each line must be {MAX_TEXT} characters or fewer"))
    recommendation.update(
        {
            "text": text,
            "addressee": addressee,
            # Confirmed by the reviewer once they have seen it, or changed it.
            "addressee_implied": False,
            "origin": origin,
            "number": given_number,
            "key_lines": [{"finding": i, "text": findings[i]["text"]} for i in chosen_findings]
            + [{"finding": None, "text": line} for line in free_lines if line],
            "board_champions": people["board"],
            "service_champions": people["service"],
        }
    )
    return errors


def _text(form: Mapping, name: str) -> str:
    value = form.get(name, "")
    return clean_text(value).replace("\r\n", "\n") if isinstance(value, str) else ""


def _ids(form, name: str, allowed) -> list[int] | None:
    """The whole numbers chosen in a multi-value field, or None if any is not allowed."""
    values = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
    if not all(isinstance(v, str) and whole_number(v) in allowed for v in values):
        return None
    return list(dict.fromkeys(whole_number(v) for v in values))
