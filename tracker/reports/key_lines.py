"""Suggest each recommendation's key lines of enquiry: the report's areas for improvement that
the recommendation answers, ranked, with the shared words that made each match.

The method is deliberately simple enough to explain beside each suggestion:

1. Normalise each text into terms: lower-case words without a small stopword list, stemmed by a
   few suffix rules ("escalation" and "escalate" both become "escalat"), with a handful of
   domain terms fixed by hand ("YJS" and "YOT" are the YOS; "carers" are not "care").
2. Collapse near-duplicate findings. An executive summary repeats the body's bullets almost word
   for word; one suggestion stands for each such group and names the others as `duplicates`.
3. Score each recommendation against each finding: TF-IDF cosine, the IDF taken over the groups
   (a word few findings use says more than "children"), blended with a little of rapidfuzz's
   token-set ratio on the terms, which breaks ties in favour of a finding whose terms the
   recommendation mostly contains.
4. Keep the reasonable matches, best first: at least one shared term that is not in every
   finding, and a score of at least MIN_SCORE. One finding may serve several recommendations.
5. List every improvement finding that no recommendation's suggestions include, so nothing is
   dropped silently.

Pure: no Flask, no database.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from tracker.reports.model import Finding, Recommendation

# Function words, and the verbs every area for improvement is phrased with ("needs to be").
_STOPWORDS = """
    a about all also an and any are as at be been being both but by can could did do does each
    either for from had has have how i in into is it its may more most must need needed needs no
    not of on or other our out own should so some such than that the their them then there these
    they this those through to up us very was we were what when where whether which while who
    will with within would
"""
STOPWORDS = frozenset(_STOPWORDS.split())
# Words that say what to do or who does it, not what about, dropped in all their forms: the
# verbs recommendations open with ("develop", "continue to") and the service itself, the
# subject of most findings ("The service needs to").
GENERIC_WORDS = ("continue", "develop", "enable", "ensure", "improve", "service", "yos")

# Words whose stem would mislead, or that mean the same thing here, mapped straight to a term.
TERMS = {
    "analysis": "analys",
    "carer": "carer",  # parents or carers, not social care
    "carers": "carer",
    "career": "career",
    "careers": "career",
    "children": "child",
    "out-of-court": "outofcourt",  # the opposite of a court disposal, not a kind of one
    "safety": "safe",
    "scrutiny": "scrutinis",
    "yjs": "yos",  # YOS, YJS, YOT: the youth justice service, whatever the report calls it
    "yos": "yos",
    "yot": "yos",
}
WORD = re.compile(r"out[- ]of[- ]court|[a-z]{2,}(?='s\b)|[a-z]{2,}")  # "children's" is "children"

# One inflection is stripped, then derivational suffixes until none applies, while at least
# MIN_STEM letters remain.
INFLECTIONS = (("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("s", ""))
DERIVATIONS = (("ational", "at"), ("ation", "at"), ("ment", ""), ("ship", ""), ("ity", ""))
DERIVATIONS += (("ness", ""), ("ally", "al"), ("ly", ""), ("al", ""), ("er", ""), ("ive", ""))
MIN_STEM = 3

DUPLICATE_RATIO = 85  # rapidfuzz similarity at which two findings are the same point
FUZZY_WEIGHT = 0.1  # share of the score from the token-set ratio; the rest is the cosine
MIN_SCORE = 0.1  # below this, a match rests on one common word and is not worth showing


@dataclass(frozen=True)
class Suggestion:
    finding: Finding
    score: float  # 0..1, higher is better
    # What made the match, for the user to see: the finding's words, or "recommendation's
    # words ~ finding's words" where they are spelled differently ("escalate ~ escalation").
    evidence: tuple[str, ...]
    duplicates: tuple[Finding, ...] = ()  # the same point elsewhere in the report


@dataclass
class KeyLineSuggestions:
    by_recommendation: dict[int, list[Suggestion]]  # number -> suggestions, best first
    unmatched: list[Finding]  # improvement findings in no recommendation's suggestions


def stem(word: str) -> str:
    """Porter's idea in a few lines: "operationally", "operational" and "operations" share a
    stem. Consistency matters more than linguistics, as both sides go through the same rules."""
    if word in TERMS:
        return TERMS[word]
    for suffix, replacement in INFLECTIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and len(word) > MIN_STEM and word[-1] == word[-2]:
                word = word[:-1]  # "planning" -> "plann" -> "plan"
            break
    changed = True
    while changed:  # "operationally" -> "operational" -> "operat"
        changed = False
        for suffix, replacement in DERIVATIONS:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word, changed = word[: -len(suffix)] + replacement, True
                break
    if word.endswith("e") and len(word) > MIN_STEM:
        word = word[:-1]  # "escalate" meets "escalat(ion)"
    return word


GENERIC_TERMS = frozenset(stem(word) for word in GENERIC_WORDS)


@dataclass(frozen=True)
class Token:
    term: str
    start: int  # where the word is in the text, to show it as written
    end: int


def tokens(text: str) -> list[Token]:
    """The content words of `text`, in order, with their terms."""
    found = []
    for match in WORD.finditer(text.lower().replace("\u2019", "'")):
        word = match[0].replace(" ", "-")
        if word not in STOPWORDS and (term := stem(word)) not in GENERIC_TERMS:
            found.append(Token(term, match.start(), match.end()))
    return found


class _Document:
    """A text's tokens, term counts and TF-IDF vector."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = tokens(text)
        self.counts = Counter(token.term for token in self.tokens)
        self.terms = " ".join(sorted(self.counts))  # for the token-set ratio
        self.vector: dict[str, float] = {}

    def weigh(self, idf: dict[str, float], unseen_idf: float) -> None:
        vector = {t: n * idf.get(t, unseen_idf) for t, n in self.counts.items()}
        norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
        self.vector = {term: value / norm for term, value in vector.items()}

    def words(self, term: str) -> str:
        """The first spelling of `term` in the text."""
        token = next(t for t in self.tokens if t.term == term)
        return self.text[token.start : token.end]


def _evidence(recommendation: _Document, finding: _Document, shared: set[str]) -> tuple[str, ...]:
    """The shared terms as the finding writes them, in its order. Neighbouring shared words that
    are neighbours in the recommendation too make one phrase ("speech and language")."""
    rec_terms = [token.term for token in recommendation.tokens]
    neighbours = set(pairwise(rec_terms))
    runs: list[list[Token]] = []
    shown: set[str] = set()
    previous = None
    for token in finding.tokens:
        if token.term not in shared or token.term in shown:
            previous = None
            continue
        if previous is not None and (previous.term, token.term) in neighbours:
            runs[-1].append(token)
        else:
            runs.append([token])
        shown.add(token.term)
        previous = token
    evidence = []
    for run in runs:
        in_finding = finding.text[run[0].start : run[-1].end]
        in_recommendation = " ".join(recommendation.words(token.term) for token in run)
        content = " ".join(finding.text[t.start : t.end] for t in run)
        same = in_recommendation.lower() == content.lower()
        evidence.append(in_finding if same else f"{in_recommendation} ~ {in_finding}")
    return tuple(evidence)


def _match(
    rec: _Document, finding: _Document, idf: dict[str, float]
) -> tuple[float, set[str]] | None:
    """(score, shared terms), or None when they share no term that tells findings apart."""
    shared = {t for t in rec.counts if t in finding.counts and idf[t] > 0}
    if not shared:
        return None
    cosine = sum(rec.vector[t] * finding.vector[t] for t in shared)
    fuzzy = fuzz.token_set_ratio(rec.terms, finding.terms) / 100
    return (1 - FUZZY_WEIGHT) * cosine + FUZZY_WEIGHT * fuzzy, shared


def _repeats(a: str, b: str) -> bool:
    """Whether two findings make the same point: near-verbatim, or one is the other with a
    clause added or dropped (the summary's "..., such as the high proportion of girls ...")."""
    if fuzz.ratio(a, b, processor=default_process) >= DUPLICATE_RATIO:
        return True
    shorter, longer = sorted((len(a.split()), len(b.split())))
    return (
        shorter >= longer / 2
        and fuzz.token_set_ratio(a, b, processor=default_process) >= DUPLICATE_RATIO
    )


def _duplicate_groups(findings: list[Finding]) -> list[list[Finding]]:
    """Findings grouped with their repeats (a repeat of any member joins), in report order."""
    groups: list[list[Finding]] = []
    for finding in sorted(findings, key=lambda f: f.position):
        for group in groups:
            if any(_repeats(member.text, finding.text) for member in group):
                group.append(finding)
                break
        else:
            groups.append([finding])
    return groups


def suggest_key_lines(
    recommendations: list[Recommendation], findings: list[Finding], per_recommendation: int = 5
) -> KeyLineSuggestions:
    """Each recommendation's likely key lines of enquiry among the improvement findings, best
    first (at most `per_recommendation`, duplicates collapsed), and the improvement findings
    suggested for none."""
    improvements = [f for f in findings if f.kind == "improvement"]
    groups = _duplicate_groups(improvements)
    docs = {id(f): _Document(f.text) for f in improvements}

    # IDF over the groups, so that a repeated bullet does not make its words look common. A
    # term in every group tells findings apart not at all, and gets weight 0.
    df = Counter(t for group in groups for t in set().union(*(docs[id(f)].counts for f in group)))
    idf = {term: math.log((len(groups) + 1) / (count + 1)) for term, count in df.items()}
    unseen_idf = math.log(len(groups) + 1)  # a recommendation's word that no finding uses
    for doc in docs.values():
        doc.weigh(idf, unseen_idf)

    by_recommendation: dict[int, list[Suggestion]] = {}
    for recommendation in recommendations:
        rec = _Document(recommendation.text)
        rec.weigh(idf, unseen_idf)
        ranked = []
        for group in groups:
            matches = [(m, f) for f in group if (m := _match(rec, docs[id(f)], idf))]
            if not matches:
                continue
            # The group's best-matching wording stands for it (the earliest, on a tie).
            (score, shared), finding = max(matches, key=lambda m: (m[0][0], -m[1].position))
            if score >= MIN_SCORE:
                suggestion = Suggestion(
                    finding=finding,
                    score=round(score, 3),
                    evidence=_evidence(rec, docs[id(finding)], shared),
                    duplicates=tuple(f for f in group if f is not finding),
                )
                ranked.append(suggestion)
        ranked.sort(key=lambda s: (-s.score, s.finding.position))
        by_recommendation[recommendation.number] = ranked[:per_recommendation]

    suggested = {
        id(f)
        for suggestions in by_recommendation.values()
        for suggestion in suggestions
        for f in (suggestion.finding, *suggestion.duplicates)
    }
    unmatched = [f for f in improvements if id(f) not in suggested]
    return KeyLineSuggestions(by_recommendation=by_recommendation, unmatched=unmatched)
