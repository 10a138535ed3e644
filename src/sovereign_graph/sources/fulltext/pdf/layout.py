"""The pages' shape, before lines become paragraphs: what on a page is no body text (the arXiv side stamp, which
gives the paper's id; vertical text; figure labels; page numbers and running heads/feet in the outer bands), and
the measures the paragraph and heading rules read (body font size and weight, line pitch per size, each page's
left edges and text columns)."""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace

from sovereign_graph.sources.fulltext.pdf.reading import _Line, _Page
from sovereign_graph.sources.fulltext.pdf.text import _clean, _phrases

_ARXIV_STAMP = re.compile(
    r"arXiv:\s?(?P<id>\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})v(?P<version>\d+)\s*\[[^\]]{1,20}\]\s*"
    r"\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}"
)
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?[-–]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-–]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.I)
# A caption's label ("Table 2:", "FIG. 3."). Here, below the modules that read it: headings are never captions,
# a caption starts a paragraph, and a broken word's rest is never looked for in one.
_CAPTION = re.compile(
    r"^(?P<label>Table|TABLE|Tab\.|Figure|FIGURE|Fig\.|FIG\.)\s*(?:[A-Z]?\d+[a-z]?|[IVX]+)\s*(?P<sep>[:.|—–])"
)
_NUMBER = re.compile(r"[-–−+±]?[\d.,%]+|[-–—]")
# Words frequent in any English sentence and rare in a table's cells.
_STOPWORDS = _phrases(
    "a, an, the, of, and, or, to, in, on, at, by, for, with, from, as, is, are, was, were, be, been, it, its, "
    "this, that, these, those, we, our, which, who, can, not, has, have, had, their, than, then, into"
)
_BAND = 0.12  # outer share of the page height where page numbers and running heads live


@dataclass(frozen=True, slots=True)
class _Column:
    left: float
    right: float
    justified: bool
    lines: int


@dataclass(slots=True)
class _Layout:
    """Per-document font statistics and per-page column edges, for the paragraph and heading rules."""

    body_size: float
    body_weight: int
    pitches: dict[float, float]
    left_edges: dict[int, list[float]] = field(default_factory=dict)
    columns: dict[int, list[_Column]] = field(default_factory=dict)

    def pitch(self, size: float) -> float:
        return self.pitches.get(_size_bucket(size), 1.2 * size)

    def is_bold(self, line: _Line) -> bool:
        return line.bold_name or (line.weight >= max(500, self.body_weight + 150))

    def margin(self, line: _Line) -> float:
        # The column's left edge: the leftmost frequent left edge within four ems left of the line.
        near = [x for x in self.left_edges.get(line.page, []) if line.x0 - 4 * line.size <= x <= line.x0 + 1.5]
        return min(near) if near else line.x0

    def column(self, line: _Line) -> _Column | None:
        # The fullest column that starts left of the line and spans its middle: a table's rows, which share their
        # own edges, are measured against the text column around them. A line wider than every such column (a
        # full-width table or caption) is measured against the page's widest column.
        columns = self.columns.get(line.page, [])
        middle = (line.x0 + line.x1) / 2
        spanning = [c for c in columns if c.left <= line.x0 + 1 and middle <= c.right]
        if spanning:
            return max(spanning, key=lambda c: (c.lines, c.right))
        return max(columns, key=lambda c: c.right) if columns else None

    def is_full(self, line: _Line) -> bool:
        """Whether the line runs to its column's right edge, as all but the last line of a justified paragraph
        do; in ragged-right text, whether it comes near it."""
        column = self.column(line)
        if column is None:
            return True
        slack = 0.3 * line.size if column.justified else 0.15 * (column.right - column.left)
        return line.x1 >= column.right - slack


def _remove_stamps(pages: list[_Page]) -> tuple[str, int, str] | None:
    """Drop arXiv's side stamp ("arXiv:2501.10120v1 [cs.IR] 17 Jan 2025") and vertical text; the first stamp
    gives the paper's versioned id."""
    found: tuple[str, int, str] | None = None
    for page in pages:
        kept = []
        for line in page.lines:
            match = _ARXIV_STAMP.search(line.text)
            if match:
                if found is None:
                    found = (match["id"], int(match["version"]), f"{match['id']}v{match['version']}")
                rest = _clean(_ARXIV_STAMP.sub(" ", line.text))
                if not rest or line.vertical:
                    continue
                line = replace(line, text=rest)
            if not line.vertical:
                kept.append(line)
        page.lines = kept
    return found


def _remove_figure_text(pages: list[_Page]) -> None:
    for page in pages:
        if page.figure_boxes:
            page.lines = [line for line in page.lines if not _inside_any(line, page.figure_boxes)]


def _inside_any(line: _Line, boxes: list[tuple[float, float, float, float]]) -> bool:
    x = (line.x0 + line.x1) / 2
    y = line.baseline + 0.3 * line.size
    return any(left - 1 <= x <= right + 1 and bottom - 1 <= y <= top + 1 for left, bottom, right, top in boxes)


def _remove_page_furniture(pages: list[_Page]) -> None:
    """Drop page numbers and running heads/feet: bare numbers in a page's outer bands, and band lines whose text
    (digits aside) repeats on several pages."""

    def in_band(line: _Line, page: _Page) -> bool:
        return line.baseline < _BAND * page.height or line.baseline > (1 - _BAND) * page.height

    def shape(text: str) -> str:
        return re.sub(r"\d+", "#", text.casefold())

    repeats: Counter[str] = Counter()
    for page in pages:
        repeats.update({shape(line.text) for line in page.lines if in_band(line, page)})
    threshold = max(2, math.ceil(0.3 * len(pages)))
    for page in pages:
        page.lines = [
            line
            for line in page.lines
            if not (
                in_band(line, page)
                and (_PAGE_NUMBER.fullmatch(line.text) or (len(pages) >= 3 and repeats[shape(line.text)] >= threshold))
            )
        ]


def _size_bucket(size: float) -> float:
    return round(size * 2) / 2


def _column(left: float, ends: list[float]) -> _Column:
    """A column from the right ends of the lines that start at (or are indented from) `left`: justified lines
    end within a few points of one another, so the densest 3 pt window of ends is the column's right edge;
    without one (ragged-right text) the upper quartile stands in."""
    best_count, best_right = 0, ends[-1]
    start = 0
    for stop, end in enumerate(ends):
        while end - ends[start] > 3:
            start += 1
        if stop - start + 1 >= best_count:
            best_count, best_right = stop - start + 1, end
    if best_count >= 3 and best_count >= 0.4 * len(ends):
        return _Column(left, best_right, True, len(ends))
    return _Column(left, ends[(3 * len(ends)) // 4], False, len(ends))


def _measure_layout(pages: list[_Page]) -> _Layout:
    chars_by_size: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            chars_by_size[round(line.size, 1)] += len(line.text)
    body_size = chars_by_size.most_common(1)[0][0] if chars_by_size else 10.0
    body_weights = [line.weight for page in pages for line in page.lines if abs(line.size - body_size) < 0.3]
    body_weight = int(statistics.median(body_weights)) if body_weights else 400
    steps: dict[float, list[float]] = {}
    for page in pages:
        for prev, line in itertools.pairwise(page.lines):
            if _size_bucket(prev.size) == _size_bucket(line.size):
                step = prev.baseline - line.baseline
                if 0.8 * line.size < step < 3 * line.size:
                    steps.setdefault(_size_bucket(line.size), []).append(step)
    pitches = {bucket: statistics.median(values) for bucket, values in steps.items() if len(values) >= 3}
    layout = _Layout(body_size, body_weight, pitches)
    for page in pages:
        lefts = Counter(round(line.x0) for line in page.lines)
        layout.left_edges[page.number] = sorted(x for x, n in lefts.items() if n >= 2)
        # Text columns from lines that read as sentences, so a table's rows (aligned edges, few words) make none.
        prose = [line for line in page.lines if _reads_as_prose(line.text.split())]
        columns = []
        for left in (x for x, n in Counter(round(line.x0) for line in prose).items() if n >= 3):
            # Lines starting at this edge or indented from it
            members = [line for line in prose if left - 1 <= line.x0 <= left + 4 * line.size]
            columns.append(_column(float(left), sorted(line.x1 for line in members)))
        layout.columns[page.number] = columns
    return layout


def _reads_as_prose(tokens: list[str]) -> bool:
    """Sentences have function words and few bare numbers; a table's cells have neither."""
    if len(tokens) < 4:
        return False
    function_words = sum(token.casefold().strip(",.;:()") in _STOPWORDS for token in tokens)
    numbers = sum(_NUMBER.fullmatch(token) is not None for token in tokens)
    return function_words >= 0.1 * len(tokens) and numbers <= 0.3 * len(tokens)
