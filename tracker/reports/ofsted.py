"""Reading an Ofsted inspection of a local authority's children's services: its judgements,
what needs to improve, and the front matter. Pure: text in, an `Extraction` out.

Children's services improvement boards turn these reports into plans as youth justice
boards do with HM Inspectorate of Probation's, but Ofsted has written them in three
layouts since 2013, none of them the "X should:" list the probation reader looks for:

- ILACS (2018 on): a judgements table on the first page ("Judgement Grade", "Overall
  effectiveness ..."), and "What needs to improve?" as bullets that name no addressee,
  often ending with a National Framework reference.
- The single inspection framework (2014 to 2018): "Children's services in X are good" and
  numbered judgements; numbered "Recommendations" (or "What does the local authority need
  to improve?", with "Priority and immediate action" and theme subheadings), numbered with
  the report's paragraph numbers; the Local Safeguarding Children Board's own
  recommendations later, in its review.
- Looked-after children inspections (2013): "Areas for improvement", "the local authority
  should take the following action", bullets under "Immediately:", "Within three months:"
  and "Within six months:".

The reader works on the raw lines, not the cleaned ones of tracker.reports.extraction,
because bullets (which the cleaning drops as symbols) are what separate the items. Every
pattern here is anchored at the start of a line and free of nested repetition, so it runs
in time linear in the line.
"""

import calendar
import re
from dataclasses import dataclass

from tracker.reports.model import Extraction, Finding, Rating, Recommendation

INSPECTORATE = "Ofsted"
IMPLIED_ADDRESSEE = "The local authority"
LSCB = "The Local Safeguarding Children Board"

# Ofsted's grades, longest first so that "Requires improvement to be good" wins.
GRADES = (
    "Requires improvement to be good",
    "Requires improvement",
    "Outstanding",
    "Inadequate",
    "Adequate",
    "Good",
)
_GRADE_AT_END = re.compile(r"(?:^|\s)(" + "|".join(GRADES) + r")\.?$", re.IGNORECASE)
_OVERALL_SENTENCE = re.compile(
    r"^(?:Children[\u2019']s services in .{1,80}|The overall effectiveness of .{1,160})"
    r" (?:(?:are|is) (" + "|".join(GRADES) + r")"
    r"|(requires? improvement(?: to be good)?))\.?$",
    re.IGNORECASE,
)

# The first lines of each kind of report and letter, whichever body is inspected.
_TITLES = re.compile(
    r"^(?:Inspection of [^.]{1,80}?\bchildren[\u2019']s\s+(?:social care\s+)?services"
    r"|Inspection of services for children in need of help and protection"
    r"|Inspection of (?:local authority arrangements for the protection of children"
    r"|safeguarding and looked after children services|looked after children services)"
    r"|(?:Focused|Monitoring) visit to [^.]{1,80}?\bchildren"
    r"|Joint targeted area inspection of )",
    re.IGNORECASE | re.MULTILINE,
)
# A letter from a joint inspection is to the partners, not to one body.
_JOINT = re.compile(r"^Joint targeted area inspection", re.IGNORECASE | re.MULTILINE)
JOINT_ADDRESSEE = "The safeguarding partners"
# Where the title starts, in the front matter: it may run over several lines.
_TITLE_START = re.compile(
    r"^(?:inspection of|(?:focused|monitoring) visit to|joint targeted area inspection)\b", re.I
)

# Characters that open a list item: bullets of the several kinds Ofsted has used, and the
# private-use bullets of Symbol and Wingdings fonts that PDF conversion leaves behind.
BULLETS = "•◼■▪●◦▫□▸►➢✓-\u2013*\uf0b7\uf0a7\uf076\uf0d8\uf0fc"
SUB_BULLETS = "\u2212o"  # a minus sign or "o" under an item: part of the item
_NUMBERED = re.compile(r"^\(?(\d{1,3})[.)]\s+(\S.*)$")
_FOOTNOTE = re.compile(r"^\d{1,2}\s+[A-Z]")
_TIMESCALE = re.compile(
    r"^(immediately|within (?:one|two|three|four|six|nine|twelve|\d{1,2}) months?)\s*:?$",
    re.IGNORECASE,
)
_SHOULD = re.compile(
    r"\b((?:the )?(?:local authority|council|lscb|board|partnership)[^.]{0,60}?) should\b", re.I
)
# A numbered paragraph that introduces the items rather than being one.
_INTRO = re.compile(
    r"should take the following action|the following (?:action|recommendation)", re.I
)

# Headings that start a list of what must improve.
_LIST_HEADINGS = re.compile(
    r"^(?:what needs to improve\b[^.]{0,80}|recommendations|areas for improvement"
    r"|areas for priority action|what does the local authority need to improve)\??\d{0,2}$",
    re.IGNORECASE,
)
# Subheadings inside a list that do not end it.
_SUBHEADINGS = re.compile(r"^(?:priority and immediate action|areas for improvement)$", re.I)
# Headings that always end a list.
_ENDINGS = re.compile(
    r"^(?:the experiences and progress|the impact of leaders|summary\b|inspection findings"
    r"|information about|outcomes for|the local safeguarding|record of main findings"
    r"|executive summary|contents\b|main findings|headline findings|strengths\b"
    r"|what is working well|yours sincerely)",
    re.IGNORECASE,
)
_DATES = re.compile(r"^Inspection dates?:?\s*(.+)$", re.IGNORECASE)
_LETTER_DATE = re.compile(r"^\d{1,2} [A-Z][a-z]+ \d{4}$")
_PUBLISHED = re.compile(r"^(?:Report )?published:?\s*(.+)$", re.IGNORECASE)
MONTH_NUMBERS = {name: number for number, name in enumerate(calendar.month_name) if name}
_MONTH_YEAR = re.compile(r"\b(" + "|".join(MONTH_NUMBERS) + r")\s+(\d{4})\b")
FRONT_LINES = 40  # the front matter is in the report's first lines
LONGEST_SECTION = 120  # longer, a line is prose rather than a heading


@dataclass(frozen=True)
class _Line:
    text: str  # spaces collapsed, bullets kept
    offset: int  # in the source text

    @property
    def blank(self) -> bool:
        return not self.text


def is_ofsted_report(text: str) -> bool:
    """Whether the text is an Ofsted inspection (or visit, or joint inspection letter) of
    children's services: known by its title, which may be the only place that says so, as
    an ILACS report names Ofsted only on its last page."""
    opening = text[:6000]
    if _TITLES.search(opening):
        return True
    return bool(
        re.search(r"\bofsted\b", text, re.IGNORECASE)
        and re.search(
            r"inspection of .{0,80}(?:children[\u2019']s services|looked after children"
            r"|services for children)",
            opening,
            re.IGNORECASE | re.DOTALL,
        )
    )


def read_ofsted_report(text: str) -> Extraction:
    """The judgements, front matter and what needs to improve of an Ofsted report."""
    lines = _lines(text)
    result = Extraction(inspectorate=INSPECTORATE)
    _read_front_matter(lines, result)
    _read_judgements(lines, result)
    # A joint inspection's letter is to the partners; any other report is to the body inspected.
    implied = JOINT_ADDRESSEE if _JOINT.search(text[:6000]) else IMPLIED_ADDRESSEE
    _read_lists(lines, result, implied)
    _read_findings(lines, result)
    if not result.recommendations and result.overall_rating != "Outstanding":
        result.warnings.append(
            "No list of what needs to improve was found: add the recommendations by hand."
        )
    return result


def _lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    bullet = None  # a bullet alone on its line, waiting for its item's text on the next
    for raw in text.splitlines(keepends=True):
        collapsed = " ".join(raw.split())
        if len(collapsed) == 1 and collapsed in BULLETS and collapsed != "-":
            bullet = _Line(collapsed, offset)
        elif bullet is not None and collapsed:
            lines.append(_Line(f"{bullet.text} {collapsed}", bullet.offset))
            bullet = None
        else:
            lines.append(_Line(collapsed, offset))
        offset += len(raw)
    return lines


# --- Front matter ----------------------------------------------------------------------------


def _read_front_matter(lines: list[_Line], result: Extraction) -> None:
    front = lines[:FRONT_LINES]
    texts = [line.text for line in front if not line.blank]
    letter_date = None
    for index, line in enumerate(front):
        text = line.text
        if result.title is None and _TITLE_START.match(text):
            result.title = _title_from(front, index)
            result.service = _service_of(result.title, [t for t in texts if t != text])
        if match := _PUBLISHED.match(text):
            result.published = _month_of(match[1]) or result.published
        elif (match := _DATES.match(text)) and result.published is None:
            result.published = _month_of(match[1])
        elif _LETTER_DATE.match(text) and letter_date is None:
            letter_date = _month_of(text)
    # A letter's date is when it was sent, which is when it was published.
    if letter_date and not any(_PUBLISHED.match(text) for text in texts):
        result.published = letter_date


def _title_from(lines: list[_Line], index: int) -> str:
    """The title on the line at `index`, with the lines it runs on to: until a blank line,
    the dates, the council's name or an "and" that joins a second title."""
    parts = [lines[index].text]
    for line in lines[index + 1 : index + 4]:
        text = line.text
        if line.blank or _DATES.match(text) or _PUBLISHED.match(text) or _is_council(text):
            break
        if text.lower() == "and" or text.endswith(".") or len(text) > 100:
            break
        parts.append(text)
    return " ".join(parts)


def _is_council(text: str) -> bool:
    return (
        bool(re.search(r"\b(?:council|borough|county)\b", text, re.IGNORECASE)) and len(text) < 80
    )


def _service_of(title: str, others: list[str]) -> str | None:
    """The body or area inspected: "Bury local authority children's services" from an ILACS
    title or a visit's, "Anytown" from a joint inspection's ("... in Anytown"), else the
    council named on its own line ("Kent County Council")."""
    if match := re.match(
        r"^(?:inspection of|(?:focused|monitoring) visit to) (?!services for)"
        r"(.+? children[\u2019']s (?:social care )?services)",
        title,
        re.I,
    ):
        return match[1]
    if _JOINT.match(title) and (match := re.search(r"\bin ([A-Z][^,.]{1,60})$", title)):
        return match[1]
    council = next((text for text in others if _is_council(text)), None)
    return council


def _month_of(text: str) -> str | None:
    """ "2025-06" from "9 to 20 June 2025" (the last month named) or "13 June 2017"."""
    found = _MONTH_YEAR.findall(text)
    if not found:
        return None
    month, year = found[-1]
    return f"{year}-{MONTH_NUMBERS[month]:02d}"


# --- Judgements -------------------------------------------------------------------------------


def _read_judgements(lines: list[_Line], result: Extraction) -> None:
    """The judgements on the first pages (or in the record of main findings): each a name
    over one or more lines ending with its grade. "Overall effectiveness" is the overall
    rating; so is "Children's services in Kent are good"."""
    start = next(
        (
            index
            for index, line in enumerate(lines[:400])
            if line.text.lower() in ("judgement grade", "judgement", "record of main findings")
            or _OVERALL_SENTENCE.match(line.text)
            or re.match(r"^1\.\s+\S.*\s(?:" + "|".join(GRADES) + r")$", line.text, re.I)
        ),
        None,
    )
    if start is None:
        start = next(
            (i for i, line in enumerate(lines) if line.text.lower() == "record of main findings"),
            None,
        )
    if start is None:
        return
    name: list[str] = []
    seen = 0
    for line in lines[start : start + 40]:
        if overall := _OVERALL_SENTENCE.match(line.text):
            result.overall_rating = _grade(
                overall[1] or overall[2].replace("require ", "requires ")
            )
            continue
        if line.blank:
            continue
        if line.text.lower() in ("judgement grade", "judgement", "record of main findings"):
            continue
        # A cell never ends with a full stop: "Services in X are good." is prose.
        grade = None if line.text.endswith(".") else _GRADE_AT_END.search(line.text)
        if grade is None:
            if len(line.text) > 90 or line.text.endswith("."):
                if seen:
                    break  # prose: the table has ended
                name = []
                continue
            name.append(line.text)
            continue
        before = line.text[: grade.start()].strip()
        if before[:1].isupper():
            name = []  # the lines above were the table's caption
        if before:
            name.append(before)
        judgement = " ".join(name)
        name = []
        code, standard = _code_and_name(judgement)
        if not standard:
            continue
        seen += 1
        if "overall effectiveness" in standard.lower():
            result.overall_rating = _grade(grade[1])
            continue
        result.ratings.append(Rating(code, "", standard, _grade(grade[1])))


def _code_and_name(judgement: str) -> tuple[str, str]:
    if match := re.match(r"^(\d(?:\.\d)?)\.?\s+(.+)$", judgement):
        return match[1], match[2]
    return "", judgement


def _grade(word: str) -> str:
    return next(grade for grade in GRADES if grade.lower() == word.lower())


# --- What needs to improve ---------------------------------------------------------------------


def _read_lists(lines: list[_Line], result: Extraction, implied: str) -> None:
    index = 0
    while index < len(lines):
        line = lines[index]
        if _LIST_HEADINGS.match(line.text) and not _is_contents_entry(lines, index):
            index = _read_list(lines, index, result, implied)
        else:
            index += 1


def _is_contents_entry(lines: list[_Line], index: int) -> bool:
    """A heading in the contents ("Recommendations 8" is one, and so is a heading followed
    by other headings with page numbers)."""
    following = next((line for line in lines[index + 1 : index + 3] if not line.blank), None)
    return bool(following and re.search(r"\s\d{1,3}$", following.text) and len(following.text) < 90)


def _read_list(lines: list[_Line], heading: int, result: Extraction, implied_to: str) -> int:
    """Read the list under the heading at `heading`; the index of the line after it."""
    addressee, implied = _addressee_before(lines, heading, implied_to)
    items: list[list] = []  # [lines of its text, offset, timescale]
    timescale = None
    numbered = None  # whether the list's items are numbered, once the first is seen
    index = heading + 1
    after_blank = False
    while index < len(lines):
        line = lines[index]
        text = line.text
        if line.blank:
            after_blank = True
            index += 1
            continue
        if _ENDINGS.match(text) or (_LIST_HEADINGS.match(text) and items):
            break
        if _is_page_furniture(text, result.title):
            index += 1  # a page's footer between two lines of an item
            continue
        if _TIMESCALE.match(text):
            timescale = _TIMESCALE.match(text)[1].capitalize()
            after_blank = False
            index += 1
            continue
        if not items and (should := _SHOULD.search(text)):
            addressee, implied = should[1][0].upper() + should[1][1:], False
        if number := _NUMBERED.match(text):
            opening = " ".join(line.text for line in lines[index : index + 4])
            if not items and _INTRO.search(opening):
                if should := _SHOULD.search(opening):
                    addressee, implied = should[1][0].upper() + should[1][1:], False
                index = _skip_intro(lines, index)
                continue
        bullet = text[:1] in BULLETS and (len(text) > 1 and (text[1] == " " or text[0] > "\uf000"))
        if bullet and numbered is not True:
            numbered = False
            items.append([[text[1:].strip()], line.offset, timescale])
        elif number and numbered is not False:
            numbered = True
            items.append([[number[2]], line.offset, timescale])
        elif _FOOTNOTE.match(text) and numbered is False:
            index = _skip_paragraph(lines, index)
            continue
        elif items and _continues(items[-1][0][-1], text, after_blank, numbered):
            piece = text[1:].strip() if text[:1] in SUB_BULLETS and text[1:2] == " " else text
            items[-1][0].append(piece)  # joined once at the end: a long item stays linear
        elif items and (_SUBHEADINGS.match(text) or _is_theme(lines, index, numbered)):
            pass  # "Priority and immediate action", "Care leavers": the list goes on under it
        elif items:
            break
        after_blank = False
        index += 1
    for parts, offset, timescale in items:
        result.recommendations.append(
            Recommendation(
                number=len(result.recommendations) + 1,
                addressee=addressee,
                text=_sentence_case(" ".join(parts).strip()),
                position=offset,
                addressee_implied=implied,
                timescale=timescale,
            )
        )
    return index


def _sentence_case(text: str) -> str:
    """ "Ensure that ..." from a bullet that carries on an introduction ("ensure that ...")."""
    return text[:1].upper() + text[1:]


def _continues(item: str, text: str, after_blank: bool, numbered: bool | None) -> bool:
    """Whether a line carries on the item before it: not after a blank line, unless it
    starts in lower case (an item broken over a page); a sub-bullet belongs to its item."""
    if text[:1] in SUB_BULLETS and text[1:2] == " ":
        return True
    if text[:1].islower():
        return True
    if after_blank:
        return False
    if numbered:
        # A numbered item runs on until the next number, unless a heading comes first: a
        # short line with no full stop after an item that has ended.
        return not (item.endswith(".") and len(text) < 100 and not text.endswith("."))
    return not item.endswith((".", ")"))


def _is_theme(lines: list[_Line], index: int, numbered: bool | None) -> bool:
    """A theme's subheading in a numbered list: a short line, not a sentence, followed by
    the list's next numbered item."""
    text = lines[index].text
    if not numbered or len(text) > 80 or not text[:1].isupper() or text.endswith("."):
        return False
    following = next((line for line in lines[index + 1 : index + 3] if not line.blank), None)
    return bool(following and _NUMBERED.match(following.text))


def _is_page_furniture(text: str, title: str | None) -> bool:
    """A page's running title, its inspection dates or its number."""
    return (
        (title is not None and text == title)
        or bool(re.match(r"^\d{1,3}$", text))
        or bool(
            re.match(
                r"^\d{1,2}(?: [A-Z][a-z]+)?(?: \d{4})? (?:to|-|\u2013) \d{1,2} [A-Z][a-z]+ \d{4}$",
                text,
            )
        )
    )


def _skip_intro(lines: list[_Line], index: int) -> int:
    """The index of the first line after an introduction: a blank line, a timescale or an
    item."""
    index += 1
    while index < len(lines) and not lines[index].blank:
        text = lines[index].text
        if _TIMESCALE.match(text) or text[:1] in BULLETS:
            break
        index += 1
    return index


def _skip_paragraph(lines: list[_Line], index: int) -> int:
    while index < len(lines) and not lines[index].blank:
        index += 1
    return index


def _addressee_before(lines: list[_Line], heading: int, implied_to: str) -> tuple[str, bool]:
    """Who a list is for: the Local Safeguarding Children Board when its review's heading
    is the last before the list, else `implied_to`, the body the report inspects."""
    for line in reversed(lines[max(0, heading - 150) : heading]):
        text = line.text
        if re.search(r"\s\d{1,3}$", text):
            continue  # an entry of the contents
        if (
            re.match(r"^(?:the )?local safeguarding children board\b", text, re.I)
            and len(text) < 60
        ):
            return LSCB, False
        if re.match(
            r"^(?:the experiences and progress|leadership, management|the impact of)", text, re.I
        ):
            break
    return implied_to, True


# --- Findings ---------------------------------------------------------------------------------

# Words that mark a paragraph as saying what is not yet good enough.
_SHORTCOMING = re.compile(
    r"\b(?:not|however|although|inconsisten\w*|insufficient\w*|lack\w*|weak\w*|poor\w*"
    r"|delay\w*|drift|needs?|should|too)\b",
    re.IGNORECASE,
)
# The judgements numbered paragraphs fall under, and the headings of the report's other parts
# (which leave the judgement as it was, or end it).
_JUDGEMENT_HEADING = re.compile(
    r"^(?:The experiences and progress of|The impact of leaders|Leadership, management"
    r"|The Local Safeguarding Children Board|Overall effectiveness|Outcomes for"
    r"|Quality of provision|Capacity to improve)",
    re.IGNORECASE,
)
_OTHER_HEADING = re.compile(
    r"^(?:Summary\b|Inspection findings|Record of main findings|Information about"
    r"|About this inspection|The inspection judgements|Service information"
    r"|Areas for improvement$|Recommendations$|What needs to improve|What does the local"
    r"|Executive summary|Contents$)",
    re.IGNORECASE,
)
# Parts whose numbered paragraphs describe the inspection, not the service.
_NOT_FINDINGS = ("about this inspection", "the inspection judgements", "service information")


def _read_findings(lines: list[_Line], result: Extraction) -> None:
    """The numbered paragraphs of the report, each under the judgement before it: what key
    lines of enquiry quote. A paragraph that says something is not yet good enough is an
    area for improvement; the others are strengths."""
    listed = {recommendation.position for recommendation in result.recommendations}
    section = ""
    paragraph: list[str] = []
    start = 0

    def finish() -> None:
        text = " ".join(paragraph)
        judgement = len(text) < 150 and _GRADE_AT_END.search(text)
        if paragraph and section and start not in listed and not judgement:
            kind = "improvement" if _SHORTCOMING.search(text) else "strength"
            result.findings.append(Finding(section, kind, text, start))
        paragraph.clear()

    after_blank = False
    for index, line in enumerate(lines):
        text = line.text
        if line.blank or _is_page_furniture(text, result.title):
            after_blank = after_blank or line.blank
            continue
        heading = len(text) <= LONGEST_SECTION and text[:1].isupper() and not text.endswith(".")
        if heading and _JUDGEMENT_HEADING.match(text):
            finish()
            section = _section_name(lines, index)
        elif heading and _OTHER_HEADING.match(text):
            finish()
            lowered = text.lower()
            if lowered.startswith(_NOT_FINDINGS):
                section = ""
            elif "\u2013" in text or " - " in text:  # "Inspection findings - the LSCB"
                section = re.split(r" [-\u2013] ", text, maxsplit=1)[1].strip()
                section = section[:1].upper() + section[1:]
        elif number := _NUMBERED.match(text):
            finish()
            paragraph.append(number[2])
            start = line.offset
        elif paragraph and not (after_blank and (text[:1].isupper() or _FOOTNOTE.match(text))):
            paragraph.append(text)  # after a page break, only a sentence running on
        else:
            finish()
        after_blank = False
    finish()


def _section_name(lines: list[_Line], index: int) -> str:
    """A judgement's heading, with the lines it runs on to in lower case, without its grade
    ("...: requires improvement to be good", or a grade on a line of its own)."""
    parts = [lines[index].text]
    for line in lines[index + 1 : index + 4]:
        if not line.text[:1].islower():
            break
        parts.append(line.text)
    name = " ".join(parts).split(":")[0].strip()
    if grade := _GRADE_AT_END.search(name):
        name = name[: grade.start()].strip()
    return name[:LONGEST_SECTION]
