"""Where sections open in the line stream: the PDF outline mapped onto its heading lines (matched by text on
their pages), else a font rule (bold or larger-than-body lines that look like headings, "3.2 Results"); either
way "References" and front-matter headings (keywords, CCS concepts) open parts that are left out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sovereign_graph.sources.fulltext.pdf.layout import _CAPTION, _Layout
from sovereign_graph.sources.fulltext.pdf.reading import _Line, _OutlineEntry
from sovereign_graph.sources.fulltext.pdf.text import _norm, _phrases

# "4.2 Crawler", "A.1 Data", "II. Method": a printed section number, then the title.
_SECTION_NUMBER = re.compile(r"^(?P<number>(?:\d{1,2}|[A-Z]|[IVX]{1,5})(?:\.\d{1,2}){0,4})\.?\s+(?P<title>\S.*)$")
_DIGIT_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,4}$|^[A-Z]\.\d{1,2}(?:\.\d{1,2}){0,3}$")
_REFERENCES = re.compile(
    r"^(?:references|bibliography|literature cited|references and notes|works cited|cited literature)$", re.I
)
_FRONT_MATTER_HEADING = re.compile(
    r"^(?:keywords|key words|index terms|ccs concepts|acm reference format|general terms)\b", re.I
)
# Unnumbered headings the font rule accepts at body size when bold.
_KNOWN_HEADINGS = _phrases(
    "introduction, background, related work, method, methods, methodology, materials and methods, approach, "
    "model, experiments, experimental setup, evaluation, results, results and discussion, discussion, "
    "conclusion, conclusions, conclusion and outlook, conclusions and future work, future work, limitations, "
    "acknowledgments, acknowledgements, appendix, supplementary material, analysis"
)


@dataclass(frozen=True, slots=True)
class _Heading:
    number: str
    title: str
    # "section" opens a section; "references" and "front" (keywords, CCS concepts) open a part left out;
    # "abstract" marks the abstract's heading; "part" is a heading's second line.
    kind: str = "section"


@dataclass(slots=True)
class _Marks:
    """Where sections open in the stream: `heading_at[i]` makes line i a heading (not body text);
    `opens_before[i]` opens a section just before line i (a run-in heading's rest, or an outline entry whose
    heading line was not found on its page)."""

    heading_at: dict[int, _Heading] = field(default_factory=dict)
    opens_before: dict[int, _Heading] = field(default_factory=dict)


def _split_number(text: str, letters: bool = False) -> tuple[str, str]:
    """'4.2 Crawler' -> ('4.2', 'Crawler'). A lone capital or roman numeral counts only with a sub-number or a
    period ('A.1 Data', 'II. Method') unless `letters` (the title was confirmed another way), since 'A New
    Approach' is a title."""
    match = _SECTION_NUMBER.match(text)
    if not match:
        return "", text
    number, title = match["number"], match["title"]
    if letters or _DIGIT_NUMBER.match(number) or text[len(number) : len(number) + 1] == ".":
        return number, title
    return "", text


def _kind_of_title(title: str) -> str:
    if _REFERENCES.match(title):
        return "references"
    if _FRONT_MATTER_HEADING.match(title):
        return "front"
    if re.fullmatch(r"abstract|summary", title, re.I):
        return "abstract"
    return "section"


def _font_rule_heading(line: _Line, layout: _Layout) -> _Heading | None:
    """A line set as a heading: bold or larger than the body, short, not a caption, not ending a sentence."""
    text = line.text
    words = text.split()
    if not 1 <= len(words) <= 14 or len(text) > 120 or _CAPTION.match(text) or text[-1] in ".,;:":
        return None
    if not (text[0].isupper() or text[0].isdigit()) or sum(ch.isalpha() for ch in text) < 3:
        return None
    number, title = _split_number(text)
    kind = _kind_of_title(title)
    if kind != "section" and len(words) <= 3:
        return _Heading(number, title, kind)  # "References" is a heading whatever its font
    larger = line.size >= 1.12 * layout.body_size
    bold = layout.is_bold(line) and line.size >= 0.95 * layout.body_size
    if not (larger or bold) or not title[:1].isupper():
        return None
    if number or larger or title.casefold() in _KNOWN_HEADINGS or (title.isupper() and len(title) > 3):
        return _Heading(number, title, kind)
    return None


def _find_headings(stream: list[_Line], outline: list[_OutlineEntry], layout: _Layout) -> _Marks:
    """Sections from the outline when there is one (plus unlisted "References" and unnumbered sections set like
    its top-level headings), else from the font rule."""
    candidates = {i: h for i, line in enumerate(stream) if (h := _font_rule_heading(line, layout)) is not None}
    if not outline:
        return _Marks(heading_at=candidates)
    marks, top_styles = _place_outline(stream, outline, layout)
    for i, heading in candidates.items():
        if i in marks.heading_at or i in marks.opens_before:
            continue
        style = (round(stream[i].size, 1), layout.is_bold(stream[i]))
        if heading.kind != "section" or (not heading.number and style in top_styles):
            marks.heading_at[i] = heading
    return marks


def _place_outline(
    stream: list[_Line], outline: list[_OutlineEntry], layout: _Layout
) -> tuple[_Marks, set[tuple[float, bool]]]:
    """Put each outline entry at its heading line: on its page (or the next or previous, for destinations set a
    little off), after the previous entry; an entry whose line is not found opens at the top of its page."""
    marks = _Marks()
    top_styles: set[tuple[float, bool]] = set()
    page_start: dict[int, int] = {}
    page_end: dict[int, int] = {}
    for i, line in enumerate(stream):
        page_start.setdefault(line.page, i)
        page_end[line.page] = i + 1
    last = -1
    for entry in outline:
        number, title = _split_number(entry.title)
        kind = _kind_of_title(title)
        target = _norm(title)
        if not target:
            continue
        placed = None
        for page in (entry.page, entry.page + 1, entry.page - 1):
            if page not in page_start:
                continue
            for i in range(max(page_start[page], last + 1), page_end[page]):
                match = _match_heading(stream, i, target)
                if match is not None:
                    placed = (i, match)
                    break
            if placed:
                break
        if placed is None:
            following = [p for p in page_start if p >= entry.page]
            if following:
                start = page_start[min(following)]
                marks.opens_before[max(start, last + 1)] = _Heading(number, title, kind)
            continue
        i, (printed_number, n_lines, rest) = placed
        heading = _Heading(number or printed_number, title, kind)
        if rest:
            marks.opens_before[i] = heading
            stream[i] = replace(stream[i], text=rest)
            last = i - 1
        else:
            marks.heading_at[i] = heading
            for extra in range(1, n_lines):
                marks.heading_at[i + extra] = _Heading("", "", "part")
            last = i + n_lines - 1
            if entry.level == 0:
                top_styles.add((round(stream[i].size, 1), layout.is_bold(stream[i])))
    return marks, top_styles


def _match_heading(stream: list[_Line], i: int, target: str) -> tuple[str, int, str] | None:
    """(printed number, lines the heading takes, rest of a run-in heading's line) when line i is the heading
    whose normalised title is `target`."""
    line = stream[i]
    for number, text in (_split_number(line.text, letters=True), ("", line.text)):
        here = _norm(text)
        if here == target:
            return number, 1, ""
        if len(target) >= 4 and here.startswith(target) and line.first_bold:
            return number, 1, _after_alnum(text, len(target))
        if (
            len(here) >= 3
            and target.startswith(here)
            and i + 1 < len(stream)
            and stream[i + 1].page == line.page
            and here + _norm(stream[i + 1].text) == target
        ):
            return number, 2, ""
    return None


def _after_alnum(text: str, count: int) -> str:
    """The text after its first `count` letters and digits, without the heading's closing punctuation."""
    seen = 0
    for position, ch in enumerate(text):
        if ch.isalnum():
            seen += 1
            if seen == count:
                return text[position + 1 :].lstrip(" .:—–-")
    return ""
