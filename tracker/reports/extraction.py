"""Reading an inspection report's text: ratings, score, recommendations, findings, foreword.

Pure: text in, an `Extraction` out. Built for the format rather than for particular files:
reports arrive as text converted from PDF, Word or a web page, as Markdown, as council
committee papers quoting the report, or pasted with odd spacing. Where the report does not
add up (a count of recommendations that does not match the list, a score that is not the sum
of the ratings, a rating word outside the scale) the result carries a warning: nothing is
invented and nothing is papered over.
"""

import calendar
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from tracker.reports.model import Extraction, Finding, Rating, Recommendation
from tracker.reports.ofsted import is_ofsted_report, read_ofsted_report

# The inspectorate's rating scales, best first, with the score each rating carries.
SCORED_RATINGS = {"Outstanding": 3, "Good": 2, "Requires improvement": 1, "Inadequate": 0}
THEME_RATINGS = ("Satisfactory", "Unsatisfactory")
RATING_WORDS = (*SCORED_RATINGS, *THEME_RATINGS)

MONTHS = tuple(calendar.month_name[1:])
NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        (
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        )
    )
}

# Headings that end the ratings table or a list of recommendations.
SECTION_HEADINGS = {
    "recommendations",
    "executive summary",
    "introduction",
    "background",
    "foreword",
    "contents",
    "contextual facts",
    "ratings",
    "acknowledgements",
    "acknowledgement",
}

_BULLET = "(?:[-*\u2022\u25cf\u25aa\u25e6\u2013\u2014\u00b7\uf0b7])"
# Possessive \s*+ around the number: on a line (no newline inside, stripped, as all callers
# pass) the match is the same. With \s* the two runs of spaces could be split every way, each
# split running .+ to an inner newline: cubic on "-" + many spaces + "a\nb".
_ITEM = re.compile(
    rf"^(?:{_BULLET}\s*+)?(?:\(?(?P<number>\d{{1,2}})\s*[.)]|\(?(?P<letter>[a-z])\))?"
    r"\s*+(?P<text>.+)$"
)
_MARKED = re.compile(rf"^(?:{_BULLET}\s*\S|\(?\d{{1,2}}\s*[.)]\s*[A-Za-z(]|\(?[a-z]\)\s+\S)")
# The addressee (who) is the shortest run of 3 to 151 characters before "should". Written
# as [A-Z][^:]{2,150}? it was tried ending at every space of a run of spaces, each try
# running to the run's end: 150 times the run. Here a `who` longer than 3 characters may not
# end in a space: one that does would be followed by the same spaces as the one a character
# shorter, which was tried first and failed, so the match is the same.
_ADDRESSEE = re.compile(
    rf"^(?:{_BULLET}\s*)?(?P<who>[A-Z][^:]{{2}}(?:[^:]{{0,147}}?[^:\s])??)"
    r"\s+should(?P<sure>\s+make\s+sure(?:\s+that)?)?\s*:\s*(?P<rest>.*)$"
)
# "we have made five recommendations", "There are 14 recommendations", "had offered 18
# recommendations", "four recommendations that were made". The count must follow a verb or
# be followed by "that were made": "the 8 recommendations have been discussed" or "7
# operational recommendations" announce nothing. Possessive \s++: a run of spaces is taken
# once, from the word before it, and never split.
_COUNT_WORDS = r"\d{1,2}|" + "|".join(NUMBER_WORDS)
_ANNOUNCED = re.compile(
    r"\b(?:(?:made|makes?|making|contains?|contained|includes?|included|offer(?:s|ed|ing)?"
    r"|gives?|gave|ha(?:ve|s|d)|are|were|sets?\s++out|lists?|listed)\s++"
    rf"(?:a\s++total\s++of\s++)?(?P<count>{_COUNT_WORDS})\s++recommendations?\b"
    rf"|(?P<count_before>{_COUNT_WORDS})\s++recommendations?\s++(?:that|which)\s++"
    r"(?:(?:were|was|have\s++been|had\s++been|are|is)\s++)?made\b)",
    re.IGNORECASE,
)
# Where recommendations written as sentences are read: under a heading such as
# "Recommendations", "5. Our recommendations", "Recommendations for HMPPS:" or "We recommend
# that:". Anchored at both ends; the name after "for" is bounded and follows a possessive run.
_RECOMMENDATIONS_OPENER = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})?\.?\s++)?(?:(?:our|key|summary\s++of|the)\s++)?"
    r"recommendations(?:\s++(?:for|to)\s++[^:.]{1,60})?:?$"
    r"|^we\s++(?:also\s++)?recommend(?:\s++that)?:?$",
    re.IGNORECASE,
)
# "Recommendation 3" or "Recommendation 3:" before (or on the line above) the sentence.
_RECOMMENDATION_LABEL = re.compile(r"^recommendation\s++(?P<number>\d{1,2})\b\s*+[:.)-]?\s*+", re.I)
# A deadline before the addressee: "Not later than 31 March 2015, those forces ... should".
# Kept in the recommendation's text. Bounded: up to 80 characters to the comma.
_LEAD_IN = re.compile(
    r"^(?P<lead>(?:by|not\s++later\s++than|no\s++later\s++than|within|before|immediately"
    r"|as\s++a\s++matter\s++of\s++(?:urgency|priority))\b[^,]{0,80}),\s++",
    re.IGNORECASE,
)
# "We recommend that the council should ...": the addressee is what follows.
_WE_RECOMMEND = re.compile(
    r"^(?:we|hmi\s++probation|hm\s++inspectorate\s++of\s++\w++)\s++(?:also\s++)?"
    r"recommends?\s++that\s++",
    re.IGNORECASE,
)
# "should" and the start of what to do: a lowercase word, perhaps after a comma ("should, as
# a matter of urgency, review") or a colon ("should: make sure"). Searched: \b starts it only
# at a word, the runs after it are possessive, so each run of spaces is read once.
_SHOULD = re.compile(r"\bshould\s*+[,:]?\s*+(?=[a-z])")
# The parts of a framework rated on their own, by the letter that starts their standards'
# codes: HMIP's youth framework from spring 2025 rates work with children ("C1.1") and work
# with victims ("V1.1") separately. The 2018 frameworks' codes have no letter ("1.1"): their
# domains are numbered. Codes are kept as the report writes them, letter included.
FRAMEWORK_DOMAINS = {"C": "Work with children", "V": "Work with victims"}
_CODE = rf"(?:[{''.join(FRAMEWORK_DOMAINS)}])?\d\.\d{{1,2}}"
_CODE_ROW = re.compile(rf"^({_CODE})\.?\s*+(.*)$")
_CODE_START = re.compile(rf"^[{''.join(FRAMEWORK_DOMAINS)}]?\d")
_STANDARD_HEADING = re.compile(rf"^(?P<code>{_CODE})\.?\s+(?P<name>[A-Z][^\t.]{{2,80}})$")
_DOMAIN_HEADING = re.compile(
    r"^(?:Domain\s+\w+:\s*)?(?P<code>\d)\.?\s+(?P<name>[A-Z][A-Za-z ,'\u2019-]{3,60})$"
)
_PAGE_FURNITURE = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One line of the source: its cleaned text, its cells if tab-separated, and its offset."""

    text: str
    cells: tuple[str, ...]
    offset: int

    @property
    def blank(self) -> bool:
        return not self.text

    @property
    def lowered(self) -> str:
        return self.text.lower().rstrip(":").strip()


def extract_report(text: str) -> Extraction:
    """Read everything the tracker needs from an inspection report's text."""
    if is_ofsted_report(text):
        return read_ofsted_report(text)  # laid out in Ofsted's own ways (see its module)
    lines = split_lines(text)
    result = Extraction()
    ratings_at = _find_ratings_section(lines)
    ratings_end = _read_ratings(lines, ratings_at, result) if ratings_at is not None else None
    _read_front_matter(lines, result)
    _read_recommendations(lines, result)
    skip = range(ratings_at, ratings_end) if ratings_at is not None else range(0)
    _read_findings(lines, result, skip)
    _read_foreword(lines, result)
    return result


def source_excerpt(text: str, position: int, before: int = 600, after: int = 1200) -> dict:
    """The source around `position`, cut at line ends: {"before", "at", "after"}, where `at`
    is the line at the position."""
    position = max(0, min(position, len(text)))
    line_end = text.find("\n", position)
    line_end = len(text) if line_end < 0 else line_end
    start = text.rfind("\n", 0, max(0, position - before)) + 1
    end = text.find("\n", min(len(text), line_end + after))
    return {
        "before": text[start:position],
        "at": text[position:line_end],
        "after": text[line_end : len(text) if end < 0 else end],
    }


# --- Lines -----------------------------------------------------------------------------------


def split_lines(text: str) -> list[Line]:
    """The source's lines, cleaned of Markdown, HTML and OCR symbols, with their offsets."""
    lines, offset = [], 0
    for raw in text.splitlines(keepends=True):
        cells = tuple(clean_text(cell) for cell in raw.rstrip("\r\n").split("\t"))
        cleaned = "\t".join(cell for cell in cells if cell) if len(cells) > 1 else cells[0]
        lines.append(Line(cleaned, tuple(cell for cell in cells if cell), offset))
        offset += len(raw)
    return lines


_TAG = re.compile(r"<[^>]++>")
# A "[" that is not a link's start is matched by the second branch, up to the next "]", and
# put back as it was (the unmatched group is empty in the replacement). Without that branch
# the search tried again from every "[" before that "]", each running to it: quadratic on
# "[[[[...". (Every "[" before the same "]" gives the same answer, so skipping them all
# changes nothing.) Possessive quantifiers: the characters excluded end the runs anyway.
_LINK = re.compile(r"\[([^\]]*+)\]\([^)]*+\)|(\[[^\]]*+)")


# Symbols, controls and the like: clean_text turns them into spaces.
_SYMBOL_CATEGORIES = ("So", "Sk", "Cs", "Co", "Cc", "Cf")
_ASCII_SYMBOLS = {c: " " for c in range(128) if unicodedata.category(chr(c)) in _SYMBOL_CATEGORIES}
# A character that one of clean_text's steps below changes, other than spaces: anything
# outside printable ASCII and the whitespace controls, markup, and the ASCII symbols
# ("^", "`") and controls that it turns into spaces.
_NOT_PLAIN = re.compile(r"[^\t-\r\x1c-~]|[<&$\\{}\[#*_^`]")


def clean_text(text: str) -> str:
    """One line's text without markup, symbols and extra spaces."""
    if not _NOT_PLAIN.search(text):
        # Most lines: only the spaces change (str.split's whitespace is the \s below). About
        # ten times faster than the steps below, which a 2 MB paste of short lines needs.
        return " ".join(text.split())
    # Each step runs only when its characters are there: a paste of many short lines with a
    # bullet or a symbol each would otherwise pay for every step on every line.
    if "<" in text:
        # Every tag ends at a ">", so none starts after the last one; searching there would
        # run from each "<" to the end of the line ("<<<<..." took quadratic time).
        end = text.rfind(">") + 1
        text = _TAG.sub(" ", text[:end]) + text[end:]
    if "&" in text:
        text = html.unescape(text)
    if "$" in text or "\\" in text or "{" in text or "}" in text:
        text = re.sub(r"\$[^$]{0,40}\$", " ", text)  # LaTeX arrows from PDF conversion
        text = re.sub(r"\\[A-Za-z]+|[{}$]", " ", text)  # and their pieces, split over lines
    if "[" in text:
        # Markdown links, "[text](address)": see _LINK. A link ends at a ")", so none starts
        # after the last one.
        end = text.rfind(")") + 1
        text = _LINK.sub(r"\1\2", text[:end]) + text[end:]
    if "#" in text:
        text = re.sub(r"^\s*#{1,6}\s+", "", text)
    text = text.replace("**", "").replace("__", "")
    if "\\" in text:
        text = re.sub(r"\\([\\.\-*_#()\[\]])", r"\1", text)  # Markdown escapes: "1\. develop"
    if text.isascii():  # NFC changes no ASCII; translate is the loop below, in C
        text = text.translate(_ASCII_SYMBOLS)
    else:
        text = "".join(
            " " if unicodedata.category(char) in _SYMBOL_CATEGORIES else char
            for char in unicodedata.normalize("NFC", text)
        )
    return " ".join(text.split())


def _next_text(lines: list[Line], index: int, limit: int = 4) -> tuple[int, Line] | None:
    """The next non-blank line after `index`, within `limit` lines."""
    for position in range(index + 1, min(index + 1 + limit, len(lines))):
        if not lines[position].blank:
            return position, lines[position]
    return None


def _is_heading(line: Line, names: set[str]) -> bool:
    return line.lowered in names and not _is_contents_entry(line.text)


def _is_contents_entry(text: str) -> bool:
    r"""Whether the line ends like an entry in a table of contents: a page number of one to
    three digits after a tab, two or more dots or two or more spaces ("Foreword ...... 4").

    The same test as searching for r"(?:\t|\.{2,}|\s{2,})\s*\d{1,3}\s*$", in string methods:
    that search started again at every dot or space of a long run without a number after it,
    each time running to the run's end (60,000 dots took over a minute)."""
    body = text.rstrip()  # str.isspace() is the same class as the pattern's \s
    digits = 0
    while digits < 4 and digits < len(body) and body[-1 - digits].isdecimal():  # \d
        digits += 1
    if not 1 <= digits <= 3:  # four digits: the pattern's \d{1,3} has a digit before it
        return False
    before = body[:-digits]
    words = before.rstrip()
    gap = before[len(words) :]
    return len(gap) >= 2 or "\t" in gap or words.endswith("..")


# --- Ratings ---------------------------------------------------------------------------------


# Older reports judged themes rather than rating numbered standards.
RATINGS_HEADINGS = {
    "ratings",
    "summary of ratings",
    "judgements",
    "summary of judgements",
    "overall judgements",
    "scores",
    "scoring",
}
# Between name and rating: spaces, or a colon with spaces after it. (Written as
# r"\s*[\t:]?\s+" it matched the same, but split a run of spaces between the two quantifiers
# every possible way before failing: quadratic in the run.) The name, 4 to 81 characters,
# may not end in a space unless it is 4 long, as in _ADDRESSEE and for the same reason: it
# was [A-Z][^\t:]{3,80}?, tried ending at every space of a run.
_THEME_ROW = re.compile(
    r"^(?P<name>[A-Z][^\t:]{3}(?:[^\t:]{0,76}?[^\t:\s])??)"
    r"(?:\s*+:)?\s++(?P<rating>(?:un)?satisfactory)\.?$",
    re.IGNORECASE,
)

# "Score: 21/30". Possessive \s*+: as r"\s*:?\s*", the two \s* split a run of spaces every
# possible way when no number followed (quadratic in the run).
_SCORE = re.compile(r"\bScore\b\s*+:?\s*+(\d{1,3})\s*+/\s*+(\d{1,3})")

# A framework domain's heading or rating: "Work with children", "Work with victims: Good",
# "Work with children rating<tab>Requires improvement". Possessive runs of spaces and
# letters: each is followed by something it cannot match, so nothing is given back.
_FRAMEWORK_DOMAIN = re.compile(
    r"^(?P<name>" + "|".join(map(re.escape, FRAMEWORK_DOMAINS.values())) + r")"
    r"(?:\s++rating)?\s*+:?\s*+(?P<rating>[A-Za-z]++(?: [A-Za-z]++)?+)?\.?$",
    re.IGNORECASE,
)


def _framework_domain(text: str) -> tuple[str, str | None] | None:
    """(code letter, rating or None) for a framework domain's heading or rating line."""
    match = _FRAMEWORK_DOMAIN.match(text.replace("\t", " "))
    if not match:
        return None
    letter = next(k for k, v in FRAMEWORK_DOMAINS.items() if v.lower() == match["name"].lower())
    if match["rating"] is None:
        return letter, None
    rating = _as_rating_word(match["rating"])
    return (letter, rating) if rating else None  # "Work with children and families": prose


def _add_domain_rating(result: Extraction, letter: str, rating: str) -> None:
    """Record a framework domain's own rating, once, before its standards' ratings."""
    if any(existing.code == letter for existing in result.ratings):
        return
    name = FRAMEWORK_DOMAINS[letter]
    at = next((i for i, r in enumerate(result.ratings) if r.domain == name), len(result.ratings))
    result.ratings.insert(at, Rating(letter, name, name, rating))


def _find_ratings_section(lines: list[Line]) -> int | None:
    """The line where the ratings table starts: a "Ratings" heading with standards after it."""
    for index, line in enumerate(lines):
        if _is_heading(line, RATINGS_HEADINGS) and any(
            _rating_row(lines, later) for later in range(index + 1, min(index + 40, len(lines)))
        ):
            return index
    return None


def _rating_row(lines: list[Line], index: int) -> tuple[str, str, str] | None:
    """(code, standard, rating word as written) for a ratings-table row starting at `index`."""
    line = lines[index]
    match = _CODE_ROW.match(line.text.replace("\t", " "))
    if not match:
        theme = _THEME_ROW.match(line.text)
        return ("", theme["name"].strip(), theme["rating"]) if theme else None
    code, rest = match[1], match[2].strip()
    if len(line.cells) >= 3:
        name, rating = line.cells[1], line.cells[-1]
        if len(line.cells) >= 4 and _as_rating_word(line.cells[2]):
            rating = line.cells[2]
        return code, name, rating
    following = _next_text(lines, index, limit=4)
    # A row wrapped in a PDF ("... provision Requires" / "improvement") reads as one line.
    wrapped = following and not _CODE_START.match(following[1].text)
    joined = f"{rest} {following[1].text}" if wrapped else rest
    for candidate in (rest, joined):
        for word in sorted(RATING_WORDS, key=len, reverse=True):
            # PDF text can lose the gap between cells: "Partnerships and servicesGood".
            # The match ends the text, so only its last len(word) + 2 characters are searched
            # (+1 for the character before, +1 for a final newline, where $ also matches):
            # the same answer as searching all of it, without trying every position.
            tail = candidate[-len(word) - 2 :]
            if re.search(rf"(?:\s|[a-z]){re.escape(word)}$", tail, re.IGNORECASE):
                return code, candidate[: -len(word)].strip(), candidate[-len(word) :]
    if following and not _CODE_START.match(following[1].text) and len(following[1].text) < 40:
        return code, rest, following[1].text
    return None


def _as_rating_word(word: str) -> str | None:
    """The scale's word for `word`, allowing for OCR noise; None if it is no rating."""
    found = process.extractOne(word.strip(), RATING_WORDS, scorer=fuzz.ratio, score_cutoff=85)
    return found[0] if found else None


def _read_ratings(lines: list[Line], start: int, result: Extraction) -> int:
    """Read the ratings table from `start`; returns the index of the line after it."""
    domain, end, counted, service_line = "", len(lines), [], None
    for index in range(start + 1, min(start + 120, len(lines))):
        line = lines[index]
        if line.blank or _PAGE_FURNITURE.match(line.text):
            continue
        if _is_heading(line, SECTION_HEADINGS) or set(line.text) <= set("-|: \t"):
            end = index
            break
        if row := _rating_row(lines, index):
            code, standard, written = row
            code = code or f"T{len(result.ratings) + 1}"  # a theme: numbered as it comes
            rating = _as_rating_word(written)
            if rating is None:
                result.warnings.append(
                    f"Standard {code} {standard} has the rating {written!r}, which is not one "
                    f"of {', '.join(RATING_WORDS)}"
                )
                rating = written
            # "C1.1" is under work with children whatever heading came before it.
            result.ratings.append(
                Rating(code, FRAMEWORK_DOMAINS.get(code[0], domain), standard, rating)
            )
            if "resettlement" not in domain.lower():
                counted.append(SCORED_RATINGS.get(rating))
            continue
        text = line.text.replace("\t", " ")
        if framework := _framework_domain(text):
            domain = FRAMEWORK_DOMAINS[framework[0]]
            if framework[1]:
                _add_domain_rating(result, *framework)
            continue
        if score := _SCORE.search(text):
            result.score = (int(score[1]), int(score[2]))
            service_line = service_line or text[: score.start()].strip()
        if re.match(r"^Overa\w*(?:\s+\S+)?\s+rating\b", text, re.IGNORECASE):
            rest = re.sub(r"^Overa\w*(?:\s+\S+)?\s+rating\b\s*:?", "", text, flags=re.I).strip()
            if not rest and (following := _next_text(lines, index)):
                rest = following[1].text
            result.overall_rating = _as_rating_word(rest.split("\t")[0]) or rest or None
        elif domain_match := re.match(r"^(\d)\.?\s+([A-Z][A-Za-z ,'\u2019-]+)$", text):
            domain = domain_match[2].strip()
        elif service_line is None and not re.search(r"\d", text) and "rating" not in text.lower():
            service_line = text
    _check_score(result, counted)
    result.service = _service_name(lines, service_line)
    return end


def _check_score(result: Extraction, counted: list[int | None]) -> None:
    if result.score is None or not counted or None in counted:
        return
    if sum(counted) != result.score[0]:
        result.warnings.append(
            f"The report gives a score of {result.score[0]}/{result.score[1]}, but its ratings "
            f"add up to {sum(counted)}"
        )


# A youth justice service's name: up to five capitalised words before "Youth Justice
# Service". As r"(?:[A-Z][\w'\u2019-]*\s){1,5}Youth ..." searched with finditer, it tried
# every capital of a long word ("AAAA...") and ran to the word's end from each: quadratic.
# Every capital in one run of word characters reaches the same end of the run, so the first
# gives the answer for all: _TEAM_FROM tries only that one (the atomic group takes the
# first capital and does not come back for the next), and _TEAM starts only where a run
# starts (or the text does). PDF text can lose a space, "servicesNorth Tyneside Youth ...",
# so the name may start inside a run, after the letters before its first capital.
_TEAM_NAME = (
    r"(?P<name>(?:[A-Z][\w'\u2019-]*+\s){1,5}Youth (?:Offending|Justice) (?:Service|Team)s?)"
)
_TEAM_FROM = re.compile(rf"(?>[\w'\u2019-]*?(?=[A-Z])){_TEAM_NAME}")
_TEAM = re.compile(rf"(?<![\w'\u2019-]){_TEAM_FROM.pattern}")


def _teams(text: str) -> list[str]:
    """Every youth justice service named in `text`, as the finditer above would find them."""
    names, position = [], 0
    # After a name that ends inside a run ("...ServiceNorth"), the rest of that run comes
    # first, as it would for finditer: hence _TEAM_FROM at the position before searching.
    while match := _TEAM_FROM.match(text, position) or _TEAM.search(text, position):
        names.append(match["name"])
        position = match.end()
    return names


def _service_name(lines: list[Line], written: str | None) -> str | None:
    """The service's name, corrected against the rest of the report where OCR garbled it."""
    names = Counter(name for line in lines if "Youth " in line.text for name in _teams(line.text))
    for name in list(names):
        if name.startswith(("The ", "the ")):
            names[name[4:]] += names.pop(name)
    if written and names:
        best = process.extractOne(written, list(names), scorer=fuzz.ratio, score_cutoff=85)
        if best:
            return best[0]
    return written or (names.most_common(1)[0][0] if names else None)


# --- Title, inspectorate, publication ---------------------------------------------------------


# Inspectorates under every name they go by, each to the one name the tracker gives it. The
# royal prefix is written "HM", "Her Majesty's" or "His Majesty's", apostrophe straight or
# curly. Runs of spaces are possessive and followed by a word they cannot match.
_MAJESTY = r"\b(?:HM|H\.M\.|Her\s++Majesty['\u2019\u2018]s|His\s++Majesty['\u2019\u2018]s)\s++"
INSPECTORATES = {
    "HM Inspectorate of Probation": (
        rf"{_MAJESTY}Inspectorate\s++of\s++Probation\b|\bHMI\s*+Probation\b|\bHMIP\b"
    ),
    "HM Inspectorate of Constabulary and Fire & Rescue Services": (
        rf"{_MAJESTY}Inspectorate\s++of\s++Constabulary\b|\bHMICFRS\b"
    ),
    "Ofsted": r"\b(?i:Ofsted)\b|\bOffice\s++for\s++Standards\s++in\s++Education\b",
    "Care Quality Commission": r"\bCare\s++Quality\s++Commission\b|\bCQC\b",
    "Care Inspectorate Wales": (
        r"\bCare\s++Inspectorate\s++Wales\b|\bArolygiaeth\s++Gofal\s++Cymru\b|\bCIW\b"
    ),
    "Estyn": r"\bEstyn\b",
}
_INSPECTORATE_NAMES = [(name, re.compile(pattern)) for name, pattern in INSPECTORATES.items()]
_OTHER_HM_INSPECTORATE = re.compile(rf"{_MAJESTY}Inspectorate\s++of\s++(\w+)")  # "... Prisons"
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b")
# "Published: 12 June 2025", "Date of publication", "Inspection dates: 3 to 7 March 2025".
_DATE_LABEL = re.compile(
    r"^(?:(?P<published>published(?:\s++on)?|publication\s++date|date\s++of\s++publication)"
    r"|inspection\s++dates?|dates?\s++of\s++inspection|inspected)\b",
    re.IGNORECASE,
)
# "Overall, Wakefield YJS was rated as 'Good'." The subject, 1 to 150 characters without a
# full stop, may not end in a space (as in _ADDRESSEE), so the spaces before "was" are not
# split between it and \s++.
_PROSE_OVERALL = re.compile(
    r"\bOverall\b,?\s*+(?P<who>[^.\s](?:[^.]{0,148}?[^.\s])??)\s++"
    r"(?:was|is|has\s++been)\s++rated\b(?:\s++as)?\s*+:?\s*+['\"\u2018\u2019\u201c\u201d]?"
    r"(?P<rating>[A-Za-z]++(?: improvement)?)",
    re.IGNORECASE,
)


def _inspectorates(text: str) -> list[str]:
    """The inspectorates `text` names, each under its one name."""
    found = [name for name, pattern in _INSPECTORATE_NAMES if pattern.search(text)]
    if not found and (other := _OTHER_HM_INSPECTORATE.search(text)):
        found.append(f"HM Inspectorate of {other[1]}")
    return found


def _read_front_matter(lines: list[Line], result: Extraction) -> None:
    named: Counter[str] = Counter()  # by lines naming it; the first named wins a tie
    labelled: dict[str, str] = {}
    for index, line in enumerate(lines[:400]):
        if result.title is None and re.match(r"^An? (?:joint )?inspection of ", line.text, re.I):
            title = line.text
            if re.search(r"\b(?:in|of|for):?$", title) and (following := _next_text(lines, index)):
                title = f"{title} {following[1].text}"
            result.title = title
            continue
        inspectorates = _inspectorates(line.text)
        named.update(inspectorates)
        date = _MONTH_YEAR.search(line.text)
        if date and result.published is None and result.title and inspectorates:
            result.published = f"{date[2]}-{MONTHS.index(date[1]) + 1:02d}"
        elif date and (label := _DATE_LABEL.match(line.text)):
            kind = "published" if label["published"] else "inspected"
            labelled.setdefault(kind, f"{date[2]}-{MONTHS.index(date[1]) + 1:02d}")
    if named and result.inspectorate is None:
        result.inspectorate = max(named, key=named.get)  # Counter keeps first-named order
    if result.published is None:
        result.published = labelled.get("published") or labelled.get("inspected")
    if result.overall_rating is None:
        result.overall_rating = _prose_overall_rating(lines)
    _read_framework_ratings(lines, result)
    if result.service is None and result.title:
        result.service = _service_from_title(lines, result.title)


def _prose_overall_rating(lines: list[Line]) -> str | None:
    """The overall rating stated in a sentence: "Overall, Wakefield YJS was rated as 'Good'"."""
    for line in lines:
        match = "verall" in line.text and _PROSE_OVERALL.search(line.text)
        if match and (rating := _as_rating_word(match["rating"])):
            return rating
    return None


def _read_framework_ratings(lines: list[Line], result: Extraction) -> None:
    """Work with children and with victims rated outside a table: "Work with victims: Good"."""
    for line in lines:
        framework = line.text[:1] in ("W", "w") and _framework_domain(line.text)
        if framework and framework[1]:
            _add_domain_rating(result, *framework)


_SERVICE_WORDS = {"and", "of", "for", "&"}
_SERVICE_ENDS = {"Service", "Services", "Team", "Partnership", "PDU"}


def _service_from_title(lines: list[Line], title: str) -> str | None:
    """The service a report without a ratings table inspects, from the place its title names
    ("... in: Sheffield PDU", "... in the North West region", "... in Wakefield"): the youth
    justice service or other service the report calls by that place's name, or the place."""
    place = ""
    for marker in (" in: ", " in ", " for: ", " for ", " of: "):
        if (at := title.rfind(marker)) >= 0:
            place = title[at + len(marker) :].strip(" :")
            break
    place = re.sub(r"^the\s+", "", place, flags=re.IGNORECASE)
    if len(place) < 2:
        return None
    teams = Counter(
        name.removeprefix("The ").removeprefix("the ")
        for line in lines
        if "Youth " in line.text
        for name in _teams(line.text)
        if place in name
    )
    if teams:
        return teams.most_common(1)[0][0]
    named = Counter(name for line in lines for name in _named_after(line.text, place))
    return named.most_common(1)[0][0] if named else place


def _named_after(text: str, place: str) -> list[str]:
    """Services named with `place` first: "Hammersmith Young People's Engagement and Justice
    Service". Capitalised words (and "and", "of", "for", "&") after the place, up to the last
    that ends a service's name; each occurrence looks at most 120 characters on."""
    names, start = [], text.find(place)
    while start >= 0:
        end = start + len(place)
        if (start == 0 or not text[start - 1].isalnum()) and text[end : end + 1] == " ":
            taken: list[str] = []
            for word in text[end : end + 120].split()[:10]:
                bare = word.rstrip(",.;:)")
                if not bare or not (bare[0].isupper() or bare in _SERVICE_WORDS):
                    break
                taken.append(bare)
                if bare != word:
                    break
            ends = [i for i, word in enumerate(taken) if word in _SERVICE_ENDS]
            if ends:
                names.append(" ".join([place, *taken[: ends[-1] + 1]]))
        start = text.find(place, end)
    return names


# --- Recommendations -------------------------------------------------------------------------


def _read_recommendations(lines: list[Line], result: Extraction) -> None:
    """Every recommendation listed under an addressee ("The Probation Service should:"),
    anywhere in the report; and, inside a recommendations section only, every one written as
    a sentence ("The council, its partners and the police should work together to ...": see
    _read_sentences). Both in the order of the source, numbered as written or in turn."""
    read: list[tuple] = []  # (number or None, addressee, text, offset, timescale)
    taken: set[int] = set()  # the lines of the lists read here, for _read_sentences to skip
    index = 0
    while index < len(lines):
        match = _ADDRESSEE.match(lines[index].text)
        if not match or not _looks_like_addressee(match["who"]):
            index += 1
            continue
        # "HMIP recommended that the YOS should:" is addressed to the YOS.
        addressee = re.split(r"\bthat\s+", match["who"])[-1].strip()
        start = index
        items, index = _read_items(lines, index, match["rest"])
        taken.update(range(start, index))
        read.extend((number, addressee, text, offset, None) for number, text, offset in items)
    read.extend(_read_sentences(lines, taken))
    read.sort(key=lambda item: item[3])  # stable: each pass reads in the source's order
    found: list[Recommendation] = []
    seen: set[str] = set()
    for number, addressee, text, offset, timescale in read:
        key = _normalised(text)
        if key in seen:
            continue
        seen.add(key)
        previous = found[-1].number if found else 0
        found.append(
            Recommendation(number or previous + 1, addressee, text, offset, timescale=timescale)
        )
    result.recommendations = found
    _check_recommendations(lines, result)


def _looks_like_addressee(who: str) -> bool:
    """A body's name, not the end of a sentence that happens to say "should:"."""
    words = who.split()
    return 1 <= len(words) <= 14 and not who.endswith((",", ";")) and "." not in who[-3:]


# Words that start a sentence saying "should" without naming a body: "It should be noted",
# "These recommendations should be read with ...", "That the committee should ...".
_NOT_A_BODY = {
    "it", "this", "that", "these", "there", "we", "they", "he", "she", "you", "i", "which",
    "what", "where", "when", "if", "how", "why", "such", "our", "its", "their",
}  # fmt: skip
# A council paper's own recommendations to its members ("Members should note the report"):
# not the inspectorate's.
_PAPER_VERBS = {"note", "notes", "approve", "endorse", "receive", "comment"}
_PAPER_BODIES = ("members", "cabinet", "committee", "councillors", "scrutiny", "panel")


def _sentence(text: str) -> tuple[str, str, str | None] | None:
    """(addressee, text, timescale) of a recommendation written as a sentence: an addressee,
    "should" and what to do, perhaps after a deadline ("By June 2024, ") or "We recommend
    that". The text is what to do ("ensure that ..."), or the whole sentence when a deadline
    comes first, so that the deadline stays in it. None if `text` is no such sentence."""
    lead = _LEAD_IN.match(text)
    body = text[lead.end() :] if lead else text
    if we := _WE_RECOMMEND.match(body):
        body = body[we.end() :]
    elif not lead and not body[:1].isupper():
        return None  # a sentence starts with a capital: this is the middle of one
    should = _SHOULD.search(body)
    if not should or not should.start() or not body[should.start() - 1].isspace():
        return None
    who, rest = body[: should.start()].strip(), body[should.end() :]
    words = who.lower().split()
    if (
        not who[:1].isalpha()
        or not _looks_like_addressee(who)
        or any(mark in who for mark in (":", ";", ". ", "?", "!"))
        or words[0] in _NOT_A_BODY
        or (words[1] if words[0] == "the" and len(words) > 1 else words[0]) in _PAPER_BODIES
        or rest.split(None, 1)[0].strip(",.") in _PAPER_VERBS
        or rest.startswith("be ")  # "Arrangements should be reviewed": no body is named
    ):
        return None
    if lead:
        return who, text, lead["lead"].strip()
    return who, rest, None


def _as_sentence(lines: list[Line], index: int) -> tuple[int | None, str] | None:
    """(number, text) of the line at `index` with its list marker or "Recommendation 3" label
    taken off; the number is the marker's or the label's, if any."""
    text, number = lines[index].text.replace("\t", " "), None
    if _MARKED.match(text):
        item = _ITEM.match(text.strip())
        number = int(item["number"]) if item["number"] else None
        text = item["text"].strip()
    if label := _RECOMMENDATION_LABEL.match(text):
        number, text = int(label["number"]), text[label.end() :]
    return number, text


def _read_sentences(lines: list[Line], taken: set[int]) -> list[tuple]:
    """Recommendations written as sentences, inside each recommendations section (see
    _RECOMMENDATIONS_OPENER): (number or None, addressee, text, offset, timescale) each.
    Nothing is read outside such a section: prose elsewhere says "should" too."""
    found: list[tuple] = []
    index = 0
    while index < len(lines):
        if _opens_recommendations(lines[index]):
            index = _read_section(lines, index + 1, taken, found)
        else:
            index += 1
    return found


def _opens_recommendations(line: Line) -> bool:
    return (
        "ecommend" in line.text
        and bool(_RECOMMENDATIONS_OPENER.match(line.text.replace("\t", " ")))
        and not _is_contents_entry(line.text)
    )


def _read_section(lines: list[Line], start: int, taken: set[int], found: list) -> int:
    """Read the sentences of one recommendations section from `start` into `found`; returns
    the index of the line after the section. The section ends at the next section heading,
    or at text that is no recommendation once some have been read and no other follows it
    within a few lines (an explanation between two recommendations is passed over). Before
    the first, up to 15 lines of introduction are passed over."""
    items: list[list] = []  # [number, addressee, [lines of text], offset, timescale]
    label: int | None = None  # from a "Recommendation 3" line above the sentence
    read_any, intro, gap, index = False, 0, False, start
    while index < len(lines):
        line = lines[index]
        if line.blank or _PAGE_FURNITURE.match(line.text):
            gap = gap or line.blank
            index += 1
            continue
        if _opens_recommendations(line) or _is_heading(line, SECTION_HEADINGS):
            break
        if index in taken:  # a list under "X should:", read already
            read_any, gap, index = True, False, index + 1
            items.append(None)
            continue
        number, text = _as_sentence(lines, index)
        if not text:  # "Recommendation 3" alone on its line
            label, gap, index = number, False, index + 1
            continue
        sentence, used, offset = _sentence(text), 1, line.offset
        following = lines[index + 1] if index + 1 < len(lines) else None
        if (
            not sentence
            and following
            and not following.blank
            and not _PAGE_FURNITURE.match(following.text)
            and (index + 1) not in taken
            and not text.endswith(".")
        ):
            # The addressee wrapped: "The council, its partners and the" / "police should".
            joined = f"{text} {following.text}"
            sentence, used = _sentence(joined), 2
            if sentence and len(joined) - len(sentence[1]) > len(text):
                offset = following.offset  # what to do starts on the second line
        if sentence:
            who, what, timescale = sentence
            items.append([number or label, who, [what], offset, timescale])
            label, read_any, gap, index = None, True, False, index + used
            continue
        last = items[-1] if items else None
        marked = text != lines[index].text.replace("\t", " ")  # a marker or label was taken off
        if last and not gap and not marked and _carries_on(last[2][-1], text):
            last[2].append(text)  # a wrapped sentence
        elif read_any and not _sentence_follows(lines, index, taken):
            break
        elif not read_any:
            intro += 1
            if intro > 15:
                break
        else:
            items.append(None)  # prose between two recommendations: nothing to add to
        gap = False
        index += 1
    found.extend(
        (number, who, _tidy_item(" ".join(parts)), offset, timescale)
        for number, who, parts, offset, timescale in filter(None, items)
    )
    return index


def _sentence_follows(lines: list[Line], index: int, taken: set[int]) -> bool:
    """Whether a recommendation comes within the four lines after `index`."""
    following = _next_text(lines, index)
    if following is None:
        return False
    position, _ = following
    if position in taken:
        return True
    text = _as_sentence(lines, position)[1]
    if not text and (after := _next_text(lines, position)):  # a label, then its sentence
        text = _as_sentence(lines, after[0])[1]
    return bool(text) and _sentence(text) is not None


def _read_items(lines: list[Line], start: int, first: str) -> tuple[list, int]:
    """The numbered or bulleted items after an addressee line: (number, text, offset) each,
    and the index of the line after the list."""
    items: list[list] = []
    if first.strip():
        items.append(_item(first, lines[start].offset))
    index, gap = start + 1, False
    while index < len(lines):
        line = lines[index]
        if line.blank or _PAGE_FURNITURE.match(line.text):
            gap = gap or line.blank
            index += 1
            continue
        if _ADDRESSEE.match(line.text) or _is_heading(line, SECTION_HEADINGS):
            break
        if _MARKED.match(line.text):
            items.append(_item(line.text, line.offset))
        elif items and not gap and _carries_on(items[-1][1][-1], line.text):
            # A wrapped line. Its lines are joined once, at the end: adding each to the
            # item's text copied the text so far every line (quadratic on a long item).
            # The test looks at the item's last line alone: lines are stripped, so the
            # joined text ends as its last line does.
            items[-1][1].append(line.text)
        else:
            break
        gap = False
        index += 1
    return [(n, _tidy_item(" ".join(parts)), offset) for n, parts, offset in items], index


def _carries_on(item: str, line: str) -> bool:
    """Whether `line` continues a wrapped item rather than starting the text after the list."""
    return not item.rstrip().endswith(".") or line[:1].islower()


def _item(text: str, offset: int) -> list:
    """[number or None, [the item's text], offset]: a list, for _read_items to add to."""
    match = _ITEM.match(text.strip())
    number = int(match["number"]) if match["number"] else None
    return [number, [match["text"].strip()], offset]


def _tidy_item(text: str) -> str:
    """An item's text as written, less the list's joining words ("; and")."""
    return re.sub(r"\s*(?:;\s*and|;|,\s*and|,)\s*$", "", re.sub(r"\s+", " ", text)).strip()


def _check_recommendations(lines: list[Line], result: Extraction) -> None:
    found = result.recommendations
    announced = _announced_count(lines)
    if not found:
        result.warnings.append(
            "No recommendations were found"
            + (f", though the report says it makes {announced}" if announced else "")
        )
        return
    if announced is not None and announced != len(found):
        result.warnings.append(
            f"The report says it makes {announced} recommendations, but {len(found)} were found: "
            "check the list against the report"
        )
    numbers = [recommendation.number for recommendation in found]
    expected = list(range(numbers[0], numbers[0] + len(numbers)))
    if numbers != expected:
        result.warnings.append(
            "The recommendations are not numbered one after another ("
            + ", ".join(str(n) for n in numbers)
            + "): one may be missing"
        )


def _announced_count(lines: list[Line]) -> int | None:
    """How many recommendations the report says it makes, from its own words."""
    for line in lines:
        if match := _ANNOUNCED.search(line.text):
            count = (match["count"] or match["count_before"]).lower()
            return int(count) if count.isdigit() else NUMBER_WORDS[count]
    return None


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# --- Findings --------------------------------------------------------------------------------

_STRENGTHS = re.compile(
    r"^(?:strengths|(?:our )?key findings about .+ (?:are|were) as follows)"
    r"\.?:?$",
    re.IGNORECASE,
)
_IMPROVEMENTS = re.compile(r"^(?:areas? for improvement|but)\s*:?$", re.IGNORECASE)


def _read_findings(lines: list[Line], result: Extraction, skip: range) -> None:
    """The strengths and areas for improvement, each with the standard or domain it is under."""
    domains = {rating.domain.lower(): rating.code.split(".")[0] for rating in result.ratings}
    section, kind, gap = "", None, False
    seen: set[tuple[str, str]] = set()
    # Each finding's text, a line at a time, joined at the end: adding each wrapped line to
    # the text copied the text so far every line (quadratic on a long finding).
    first, lines_of = len(result.findings), []
    for index, line in enumerate(lines):
        if index in skip or line.blank:
            gap = gap or line.blank
            continue
        text = line.text.replace("\t", " ")
        if heading := _section_code(text, domains):
            section, kind = heading, None
        elif _STRENGTHS.match(text):
            kind = "strength"
            if about := re.match(r"^(?:our )?key findings about (.+?) (?:are|were)", text, re.I):
                section = domains.get(about[1].lower(), section or about[1].capitalize())
        elif _IMPROVEMENTS.match(text):
            kind = "improvement"
        elif kind and _MARKED.match(text) and not _ADDRESSEE.match(text):
            finding_text = _ITEM.match(text)["text"].strip()
            if (kind, _normalised(finding_text)) not in seen:
                seen.add((kind, _normalised(finding_text)))
                result.findings.append(Finding(section, kind, finding_text, line.offset))
                lines_of.append([finding_text])
        elif kind and not gap and lines_of and result.findings[-1].kind == kind:
            lines_of[-1].append(text)  # a wrapped bullet carries on
        else:
            kind = None
        gap = False
    result.findings[first:] = [
        replace(finding, text=" ".join(parts))
        for finding, parts in zip(result.findings[first:], lines_of, strict=True)
    ]


def _section_code(text: str, domains: dict[str, str]) -> str | None:
    """The code of the standard or domain a heading introduces, if it is such a heading."""
    if _is_contents_entry(text):
        return None
    if match := _STANDARD_HEADING.match(text):
        return match["code"]
    if match := _DOMAIN_HEADING.match(text):
        return match["code"]
    return domains.get(text.lower().rstrip(":"))


# --- Foreword --------------------------------------------------------------------------------

_SIGNATORY_ROLE = re.compile(
    r"^(?:HM |His Majesty's |Her Majesty's )?(?:Chief Inspector|Director|"
    r"Deputy Chief Inspector|Inspector)\b.{0,40}$"
)


def _read_foreword(lines: list[Line], result: Extraction) -> None:
    """The foreword (or introduction) and who signed it."""
    for heading in ("foreword", "introduction"):
        starts = (i for i, line in enumerate(lines) if _is_heading(line, {heading}))
        if any(_read_signed_text(lines, start, result) for start in starts):
            return


def _read_signed_text(lines: list[Line], start: int, result: Extraction) -> bool:
    paragraphs: list[str] = []
    for index in range(start + 1, min(start + 80, len(lines))):
        line = lines[index]
        if line.blank:
            continue
        if _is_heading(line, SECTION_HEADINGS):
            return False
        if len(line.text) < 60 and _SIGNATORY_ROLE.match(line.text) and paragraphs:
            name = paragraphs.pop() if len(paragraphs[-1]) < 50 else ""
            result.foreword = "\n\n".join(paragraphs)
            result.foreword_signatory = name
            result.foreword_signatory_role = line.text
            return True
        paragraphs.append(line.text)
    return False
