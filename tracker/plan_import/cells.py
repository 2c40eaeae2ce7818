"""What a cell of a board's plan says, read the way people write it: a recommendation's
number before its text, several champions in one cell with their roles, "TBC" for nobody,
a status as a word, a letter or only the cell's colour, a target date. Pure: no Flask, no
database."""

import colorsys
import re
from datetime import date, datetime, timedelta

from tracker.rag import DEFAULT_KEY

# "1.", "1)", "R1", "Rec 3", "Recommendation 4:" before the text. Three digits at most, so
# that a year ("2022 review") is not taken for a number.
NUMBER = re.compile(
    r"(?:recommendation|rec|r)?\s?\.?\s?(\d{1,3})(?:\s*[.):\-\u2013\u2014](?!\d)\s*|\s+|$)", re.I
)
NOBODY = {"", "tbc", "tba", "tbd", "n/a", "na", "-", "\u2013", "none", "nobody", "vacant"}
CONNECTING_WORDS = {"and", "or", "&"}
# Words of a job title or an organisation, not of a person's name.
ROLE_WORD = re.compile(
    r"\b(?:head|director|manager|chair|chief|officer|lead|leader|commissioner|inspector"
    r"|superintendent|co-?ordinator|practitioner|deputy|assistant|principal|senior|team"
    r"|services?|councillor|portfolio|member|board|police|nhs|education|health|probation"
    r"|council|partnership|yjs|yos|yot|icb)\b",
    re.I,
)
CHAMPION_SEPARATOR = re.compile(r" ?(?:,|;|/| & | and ) ?", re.I)
BULLET = re.compile(r"^[\u2022\u25aa\u25e6\u00b7*\-\u2013]\s*")

STATUS_WORDS = {
    **{status.key: status.key for status in DEFAULT_KEY},
    **{status.key[0]: status.key for status in DEFAULT_KEY},
    **{status.meaning.lower(): status.key for status in DEFAULT_KEY},
    "completed": "blue",
    "done": "blue",
    "achieved": "blue",
    "on track": "green",
    "at risk": "amber",
    "behind": "amber",
    "off track": "red",
    "not started": "red",
    "closed": "blue",
    "delayed": "amber",
    "overdue": "red",
}
# Hues (degrees) of the colours boards shade status cells with. A colour further than
# FURTHEST_HUE from all of them, or too grey or dark to be a colour, is no status.
STATUS_HUES = {"red": 0, "amber": 35, "green": 120, "blue": 215}
FURTHEST_HUE = 45
# How target dates are written; a month alone means its last day.
DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d-%m-%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y")
MONTH_FORMATS = ("%B %Y", "%b %Y", "%m/%Y")
LONGEST_DATE = 40


def split_number(text: str) -> tuple[int | None, str]:
    """The recommendation's number and the rest of its text: "1. Develop" -> (1, "Develop")."""
    match = NUMBER.match(text)
    if not match:
        return None, text
    return int(match.group(1)), text[match.end() :].strip()


def split_lines(text: str) -> list[str]:
    """One entry per line, bullets taken off."""
    lines = (BULLET.sub("", line.strip(), count=1) for line in text.splitlines())
    return [line for line in lines if line]


def split_champions(text: str) -> list[str]:
    """The people named in a champion cell (see read_champions), without their roles."""
    return [name for name, _role in read_champions(text)]


def read_champions(text: str) -> list[tuple[str, str]]:
    """The people named in a champion cell, each as (name, job title or ""): one a line, or
    separated by commas, ";", "and", "&" or "/"; "TBC" and the like name nobody. A title
    before the name stays ("Supt Paul French"); a role after it is the job title: "Jo
    Lawson (Head of YJS)", "Jo Lawson - Head of YJS", "Jo Lawson, Head of YJS"."""
    people: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line.lower() in NOBODY:
            continue
        for piece in _outside_brackets(CHAMPION_SEPARATOR, line):
            name, role = _name_and_role(piece.strip())
            # "--" or "and and" left by the separators names nobody.
            if not any(character.isalpha() for character in name):
                continue
            if set(name.lower().split()) <= CONNECTING_WORDS or name.lower() in NOBODY:
                continue
            if not role and ROLE_WORD.search(name) and people and _is_name(people[-1]):
                people[-1] = (people[-1][0], name)  # "Jo Lawson, Head of YJS"
            elif name not in {known for known, _role in people}:
                people.append((name, role))
    return people


def _outside_brackets(separator: re.Pattern, line: str) -> list[str]:
    """`line` split by `separator`, except inside brackets: "Jo (Head, YJS)" is one piece."""
    pieces, start, depth, counted_to = [], 0, 0, 0
    for match in separator.finditer(line):
        depth += line.count("(", counted_to, match.start()) - line.count(
            ")", counted_to, match.start()
        )
        counted_to = match.start()
        if depth <= 0:
            pieces.append(line[start : match.start()])
            start = match.end()
    pieces.append(line[start:])
    return pieces


def _name_and_role(piece: str) -> tuple[str, str]:
    if piece.endswith(")") and "(" in piece:
        opening = piece.index("(")
        return piece[:opening].strip(), piece[opening + 1 : -1].strip()
    for dash in (" - ", " \u2013 ", " \u2014 "):
        name, found, role = piece.partition(dash)
        if found and ROLE_WORD.search(role):
            return name.strip(), role.strip()
    return piece, ""


def _is_name(person: tuple[str, str]) -> bool:
    """Whether a champion is a person named without a role yet, rather than a role."""
    name, role = person
    return not role and not ROLE_WORD.search(name) and len(name.split()) <= 5


def read_target_date(text: str) -> date | None:
    """The date a target date cell gives ("31/03/2023", "31 March 2023", "March 2023" for
    the month's last day, or an Excel date); None for anything else ("Ongoing", "Q3")."""
    text = " ".join(text.replace(",", " ").split())
    if not text or len(text) > LONGEST_DATE:
        return None
    text = re.sub(r"\bsept\b", "Sep", text, flags=re.I)  # strptime knows only "Sep"
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    for pattern in MONTH_FORMATS:
        try:
            first = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return None


def status_of_words(text: str) -> str | None:
    """The status key a board's words mean: "Amber", "A", "On track", "Complete"; None when
    they are not a status."""
    words = " ".join(re.sub(r"[^a-z]", " ", text.lower()).split())
    if words in STATUS_WORDS:
        return STATUS_WORDS[words]
    # "Green - on track", but not "Amber/Green".
    colours = [word for word in words.split(" ") if word in STATUS_HUES]
    if len(set(colours)) == 1 and words.startswith(colours[0]):
        return colours[0]
    return None


def status_of_fill(fill: str | None) -> str | None:
    """The status a cell's shading ("#FFC000") shows, by the nearest of red, amber, green and
    blue; None for no shading or a grey, dark or other colour."""
    if not fill or not re.fullmatch(r"#?[0-9a-fA-F]{6}", fill):
        return None
    red, green, blue = (int(fill.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    hue, saturation, value = colorsys.rgb_to_hsv(red, green, blue)
    if saturation < 0.25 or value < 0.3:
        return None
    degrees = hue * 360

    def distance(key: str) -> float:
        gap = abs(degrees - STATUS_HUES[key])
        return min(gap, 360 - gap)

    nearest = min(STATUS_HUES, key=distance)
    return nearest if distance(nearest) <= FURTHEST_HUE else None
