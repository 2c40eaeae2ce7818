"""Which of an inspection report's recommendations and findings a board's own plan answers:
each of the plan's recommendations matched to the report's by number and wording, and each
key line of enquiry to the finding it quotes. Pure: no Flask, no database.

Boards copy the report's words into their plans, but not always all of them: a
recommendation is shortened ("Develop a formal mechanism for gathering views"), renumbered,
or joined by the board's own ("9. Board development"). So wording decides, and an agreeing
number only lowers the bar: a board's tenth recommendation is not the report's tenth unless
it says the same thing.
"""

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

# Similarity (0 to 100) at which a recommendation is the report's: the mean of rapidfuzz's
# token-set ratio (high when one text's words are among the other's, as in a shortened copy)
# and token-sort ratio (low when a short text shares only a word or two with a long one).
SAME_WORDING = 75
SAME_WORDING_AND_NUMBER = 50
# A key line quotes a finding when it is nearly the finding's words, or nearly a passage of
# them at least QUOTE_LENGTH characters long.
QUOTED = 88
QUOTE_LENGTH = 30


@dataclass(frozen=True)
class ReportLinks:
    """`recommendations[i]` is the index of the report's recommendation that the plan's i-th
    answers, or None; `key_lines[i][k]` the index of the finding its k-th key line quotes, or
    None; `missing` the report's recommendations no recommendation of the plan answers."""

    recommendations: list[int | None]
    key_lines: list[list[int | None]]
    missing: list[int]


def link_to_report(plan: list[dict], report: list[dict], findings: list[str]) -> ReportLinks:
    """Link the plan's recommendations ({"number", "text", "key_lines_of_enquiry"}) to the
    report's ({"number", "text"}) one to one, and their key lines to `findings` (texts)."""
    recommendations = _match_recommendations(plan, report)
    matched = set(recommendations)
    key_lines = _match_key_lines([r["key_lines_of_enquiry"] for r in plan], findings)
    missing = [index for index in range(len(report)) if index not in matched]
    return ReportLinks(recommendations, key_lines, missing)


def _match_recommendations(plan: list[dict], report: list[dict]) -> list[int | None]:
    theirs = [default_process(r["text"]) for r in report]
    candidates = []
    for i, found in enumerate(plan):
        text = default_process(found["text"])
        # The token-set ratio is never below the token-sort ratio, so it can sift first.
        close = process.extract(
            text,
            theirs,
            scorer=fuzz.token_set_ratio,
            limit=None,
            score_cutoff=SAME_WORDING_AND_NUMBER,
        )
        for _text, set_ratio, j in close:
            score = (set_ratio + fuzz.token_sort_ratio(text, theirs[j])) / 2
            same_number = found["number"] is not None and found["number"] == report[j]["number"]
            if score >= (SAME_WORDING_AND_NUMBER if same_number else SAME_WORDING):
                # An agreeing number counts for as much as a fair difference in wording.
                candidates.append((score + (25 if same_number else 0), i, j))
    links: list[int | None] = [None] * len(plan)
    taken: set[int] = set()
    # The best matches first; of equal ones, the plan's earlier recommendation.
    for _score, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if links[i] is None and j not in taken:
            links[i] = j
            taken.add(j)
    return links


def _match_key_lines(key_lines: list[list[str]], findings: list[str]) -> list[list[int | None]]:
    processed = [default_process(finding) for finding in findings]
    # Only a passage long enough to say something counts as a quote of part of a finding.
    long_enough = {i: text for i, text in enumerate(processed) if len(text) >= QUOTE_LENGTH}
    links = []
    for lines in key_lines:
        links.append(
            [_finding_quoted(default_process(line), processed, long_enough) for line in lines]
        )
    return links


def _finding_quoted(line: str, findings: list[str], long_enough: dict[int, str]) -> int | None:
    best = process.extractOne(line, findings, scorer=fuzz.ratio, score_cutoff=QUOTED)
    if len(line) >= QUOTE_LENGTH:
        part = process.extractOne(line, long_enough, scorer=fuzz.partial_ratio, score_cutoff=QUOTED)
        if part and (best is None or part[1] > best[1]):
            return part[2]
    return best[2] if best else None
