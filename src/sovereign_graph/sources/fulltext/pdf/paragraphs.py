"""Body lines into anchored blocks: the paragraph rule (a new block at a font-size change, a gap larger than the
line pitch, a first-line indent, a short line ending a sentence, a caption or a bullet; a paragraph continues
across columns of one page, also past footnotes or a caption between its halves), captions labelled, a table's
cells next to its "Table N" caption made one block, and fragments, author notes and running titles dropped."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sovereign_graph.sources.fulltext.document import Block, BlockKind
from sovereign_graph.sources.fulltext.pdf.headings import _FRONT_MATTER_HEADING, _Heading, _Marks
from sovereign_graph.sources.fulltext.pdf.layout import _BAND, _CAPTION, _Layout, _reads_as_prose
from sovereign_graph.sources.fulltext.pdf.reading import _Line
from sovereign_graph.sources.fulltext.pdf.text import _SPACES, _norm

# An address is tried only where a word starts: `\S+@` from every position of a long run without spaces is
# quadratic (a page of 20,000 glued characters took a second).
_URL = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)[^\s@]+@\S+")
_BULLET = re.compile(r"^[•◦▪▫‣∙●○■□►▶➢]\s*")
_FOOTNOTE_MARK = re.compile(r"^(?:[∗†‡§¶*]|\d{1,2}(?=[A-Za-z]))")
_LIST_ITEM = re.compile(r"^(?:[•◦▪▫‣∙●○■□►▶➢–-]|\(?(?:\d{1,2}|[a-z]|[ivx]{1,4})[.)])\s")


@dataclass(slots=True)
class _Paragraph:
    page: int
    lines: list[_Line]
    section: tuple[str, str]
    kind: BlockKind = "paragraph"
    text: str = ""


def _is_running_title(para: _Paragraph, title: str, page_height: float) -> bool:
    """The paper's title (or its start) alone in a later page's top or bottom band: a running head that appears
    too seldom to be caught by repetition (a four-page paper alternating title and authors)."""
    if len(para.lines) != 1 or para.page == 1:
        return False
    line = para.lines[0]
    text, whole = _norm(line.text), _norm(title)
    in_band = line.baseline < _BAND * page_height or line.baseline > (1 - _BAND) * page_height
    return in_band and len(text) >= 12 and text in whole


def _split_groups(lines: list[_Line], layout: _Layout) -> list[list[_Line]]:
    """Consecutive lines cut into paragraphs by the paragraph rule (for the abstract)."""
    groups: list[list[_Line]] = []
    for line in lines:
        if groups and not _starts_paragraph(groups[-1][-1], line, layout):
            groups[-1].append(line)
        else:
            groups.append([line])
    return groups


def _starts_paragraph(prev: _Line, line: _Line, layout: _Layout) -> bool:
    """Whether `line` opens a new paragraph after `prev` (both body lines, in reading order)."""
    if line.page != prev.page:
        return True
    if max(prev.size, line.size) > 1.06 * min(prev.size, line.size):
        return True  # body to footnote, caption or table text
    if _BULLET.match(line.text):
        return True
    if line.size < 0.92 * layout.body_size and _FOOTNOTE_MARK.match(line.text):
        return True  # the next footnote
    step = prev.baseline - line.baseline
    pitch = layout.pitch(line.size)
    indent = line.x0 - layout.margin(line)
    prev_indent = prev.x0 - layout.margin(prev)
    ends_sentence = not prev.hyphen_end and prev.text.endswith((".", "!", "?", ":"))
    prev_full = layout.is_full(prev)
    caption = _CAPTION.match(line.text)
    if caption and (caption["sep"] != "." or ends_sentence or not prev_full or step > 1.2 * pitch):
        return True  # but "... shown in / Table 10. The session ..." mid-paragraph is a reference to it
    if step < -0.5 * line.size or step > 3 * pitch:
        # A new column, or a jump past a figure: the paragraph goes on if its last line ran to the margin
        # mid-sentence and this one is not indented.
        return not (prev_full and not ends_sentence and indent < 0.5 * line.size)
    if step > 1.35 * pitch:
        return True
    hanging = _LIST_ITEM.match(prev.text) is not None  # a list item's later lines are indented under its text
    if 0.5 * line.size <= indent <= 4 * line.size and prev_indent < 0.3 * line.size and not hanging:
        return True
    return ends_sentence and not prev_full


def _paragraphs(stream: list[_Line], marks: _Marks, excluded: set[int], layout: _Layout) -> list[_Paragraph]:
    """Body lines grouped into paragraphs, each with the section it stands in; references and keyword lists
    are left out."""
    paragraphs: list[_Paragraph] = []
    section = ("", "")
    skipping = False
    current: _Paragraph | None = None
    since_heading = 0  # paragraphs before this index belong to earlier sections

    def enter(heading: _Heading) -> None:
        nonlocal section, skipping, since_heading
        since_heading = len(paragraphs)
        if heading.kind == "section":
            section, skipping = (heading.number, heading.title), False
        elif heading.kind in ("references", "front"):
            skipping = True

    for i, line in enumerate(stream):
        if i in marks.opens_before:
            current = None
            enter(marks.opens_before[i])
        if i in marks.heading_at:
            current = None
            enter(marks.heading_at[i])
            continue
        if i in excluded or skipping:
            current = None
            continue
        if current is not None and not _starts_paragraph(current.lines[-1], line, layout):
            current.lines.append(line)
            continue
        current = _interrupted(paragraphs[since_heading:], line, layout)
        if current is not None:
            current.lines.append(line)
        else:
            current = _Paragraph(line.page, [line], section)
            paragraphs.append(current)
    return paragraphs


def _interrupted(recent: list[_Paragraph], line: _Line, layout: _Layout) -> _Paragraph | None:
    """The paragraph `line` continues after footnotes or a caption set in another size came between them (the
    bottom of one column, the top of the next): the latest paragraph in the line's size, when only other sizes
    followed it and it ended mid-sentence at its column's edge."""
    for position in range(len(recent) - 1, -1, -1):
        para = recent[position]
        last = para.lines[-1]
        if last.page != line.page:
            return None
        if abs(last.size - line.size) <= 0.03 * line.size:
            later = recent[position + 1 :]
            if later and not _starts_paragraph(last, line, layout):
                return para
            return None
    return None


def _label_captions(paragraphs: list[_Paragraph], layout: _Layout) -> list[_Paragraph]:
    """ "Table 2: ..." / "Figure 3: ..." open captions; with a period ("Table 4. On average, ...") only when set
    smaller than the body or in capitals ("TABLE I.", "FIG. 2."), as a sentence may start with the reference."""
    for para in paragraphs:
        caption = _CAPTION.match(para.text)
        if caption is None or para.kind != "paragraph":
            continue
        label = caption["label"]
        if caption["sep"] != "." or label.isupper() or para.lines[0].size < 0.97 * layout.body_size:
            para.kind = "table_caption" if label.casefold().startswith("tab") else "figure_caption"
    return paragraphs


def _mark_tables(paragraphs: list[_Paragraph], layout: _Layout) -> list[_Paragraph]:
    """A table's cells come out as short, ragged lines next to its caption: the run of such non-prose blocks
    just before a "Table N" caption (or just after, for captions set above) becomes one "table" block."""
    taken: set[int] = set()
    tables: dict[int, _Paragraph] = {}
    for i, para in enumerate(paragraphs):
        if para.kind != "table_caption":
            continue
        for direction in (-1, 1):
            run = []
            j = i + direction
            while 0 <= j < len(paragraphs) and j not in taken:
                other = paragraphs[j]
                if other.page != para.page or other.kind != "paragraph" or other.section != para.section:
                    break
                if _is_prose(other, layout):
                    break
                run.append(j)
                j += direction
            if run:
                run.sort()
                taken.update(run)
                lines = [line for j in run for line in paragraphs[j].lines]
                text = " ".join(paragraphs[j].text for j in run)
                tables[run[0]] = _Paragraph(para.page, lines, paragraphs[run[0]].section, "table", text)
                break
    result = []
    for i, para in enumerate(paragraphs):
        if i in tables:
            result.append(tables[i])
        elif i not in taken:
            result.append(para)
    return result


def _is_prose(para: _Paragraph, layout: _Layout) -> bool:
    """Running text, as opposed to a table's cells: justified lines (all but the last run to the column's
    edge) and sentences (function words, few numbers)."""
    if not _reads_as_prose((para.text or " ".join(line.text for line in para.lines)).split()):
        return False
    lines = para.lines
    if len(lines) >= 2:
        return sum(layout.is_full(line) for line in lines[:-1]) >= 0.6 * (len(lines) - 1)
    return layout.is_full(lines[0])


def _is_fragment(text: str) -> bool:
    """Too few words to be prose: a display equation's pieces, a stray label, a list of URLs. Scripts without
    spaces (CJK) count by letters."""
    text = _URL.sub(" ", text)
    if len({word.casefold() for word in re.findall(r"[A-Za-z]{3,}", text)}) >= 4:
        return False
    return sum(ch.isalpha() and ord(ch) > 0x2FF and not 0x370 <= ord(ch) <= 0x3FF for ch in text) < 10


def _is_author_note(para: _Paragraph, text: str, layout: _Layout) -> bool:
    # "∗Equal contribution. †Corresponding author.": a footnote mark and a small font
    return text[:1] in "∗†‡§¶*" and para.lines[0].size < 0.92 * layout.body_size


def _blocks(paragraphs: list[_Paragraph], layout: _Layout) -> list[Block]:
    """Paragraphs as anchored blocks: captions get their kind; fragments (equation pieces, stray labels,
    "∗Equal contribution.") are dropped; `paragraph` counts within the section, `anchor` within the page."""
    blocks: list[Block] = []
    on_page: Counter[int] = Counter()
    in_section = 0
    last_section: tuple[str, str] | None = None
    for para in paragraphs:
        text = _SPACES.sub(" ", para.text).strip()
        kind: BlockKind = para.kind
        if kind == "paragraph" and (
            _is_fragment(text) or _is_author_note(para, text, layout) or _FRONT_MATTER_HEADING.match(text)
        ):
            continue
        if para.section != last_section:
            in_section, last_section = 0, para.section
        blocks.append(
            Block(
                kind=kind,
                text=text,
                section=para.section[0],
                section_title=para.section[1],
                page=para.page,
                paragraph=in_section,
                anchor=f"p{para.page}.b{on_page[para.page]}",
            )
        )
        on_page[para.page] += 1
        in_section += 1
    return blocks
