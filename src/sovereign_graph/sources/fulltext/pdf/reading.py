"""Everything the PDF parser reads through pdfium: the document opened (or the reason it cannot be, as
`UnreadableDocument`), each page's text lines with their geometry and effective font size and weight, the
Form XObject bounds that hold figures, the outline and the metadata. pdfium objects live only inside `_read`:
the document is closed before parsing starts, and every later step works on plain `_Page`/`_Line` values.

pypdfium2: written for 4.30+ and 5.x, tested with 5.15 only (so the dependency asks for 5). The outline items
differ (5.x `PdfBookmark`, 4.x `PdfOutlineItem`; both are read); everything else is `get_text_range`,
`get_charbox`, `get_toc`, `get_metadata_dict` and pdfium's C functions (`FPDFText_GetFontSize/GetFontWeight/
GetFontInfo/GetCharOrigin/GetMatrix`, `FPDFPage_GetObject`), present in both.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
from dataclasses import dataclass, replace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from sovereign_graph.sources.fulltext.document import UnreadableDocument
from sovereign_graph.sources.fulltext.pdf.text import _clean, decode_units, repair_surrogates

# pdfium marks a word broken at a line end with U+0002; `get_text_range` hands it over as U+FFFE.
_HYPHEN_MARKERS = frozenset("\x02\ufffe")
_BOLD_FONT_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi|cmbx|-bx|\.b$", re.I)


@dataclass(frozen=True, slots=True)
class _Line:
    page: int  # 1-based
    text: str
    x0: float
    x1: float
    baseline: float
    size: float  # effective font size in points (font size times the text matrix's scale)
    weight: int  # lowest font weight among the sampled characters: -1 when pdfium does not know
    bold_name: bool  # every sampled character's font name says bold
    first_bold: bool  # the first character is bold: a run-in heading ("Reward Design We conduct ...")
    hyphen_end: bool  # ends with pdfium's hyphen marker: the last word continues on the next line
    vertical: bool = False

    @property
    def top(self) -> float:
        return self.baseline + 0.75 * self.size

    @property
    def bottom(self) -> float:
        return self.baseline - 0.25 * self.size


@dataclass(slots=True)
class _Page:
    number: int
    width: float
    height: float
    lines: list[_Line]
    figure_boxes: list[tuple[float, float, float, float]]
    replaced: int = 0  # characters of the text layer that could not be decoded, now U+FFFD


class _OverBudget(Exception):
    """A page holds more characters than the document has left of its limit."""


@dataclass(frozen=True, slots=True)
class _OutlineEntry:
    level: int
    title: str
    page: int  # 1-based


def _read(data: bytes, max_characters: int | None = None) -> tuple[list[_Page], list[_OutlineEntry], dict[str, str]]:
    """Everything the parser needs from pdfium, read in one go so the document is closed before parsing.
    A text layer of more than `max_characters` stops the reading (`UnreadableDocument`) before more is spent
    on it."""
    pdf = _open(data)
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise UnreadableDocument("truncated or damaged PDF")
        pages = []
        characters = 0
        for index in range(n_pages):
            budget = None if max_characters is None else max_characters - characters
            try:
                pages.append(_read_page(pdf, index, budget))
            except _OverBudget:
                raise UnreadableDocument(f"over the limit of {max_characters:,} characters of text") from None
            characters += sum(len(line.text) for line in pages[-1].lines)
        outline = _outline(pdf, n_pages)
        metadata = _metadata(pdf)
    finally:
        pdf.close()
    if not _has_text(pages):
        raise UnreadableDocument("no text layer (scanned?)")
    return pages, outline, metadata


def _has_text(pages: list[_Page], enough: int = 20) -> bool:
    seen = 0
    for page in pages:
        for line in page.lines:
            seen += sum(ch.isalnum() for ch in line.text)
            if seen >= enough:
                return True
    return False


def _open(data: bytes) -> pdfium.PdfDocument:
    if not data or (len(data) < 1024 and not data.strip()):
        raise UnreadableDocument("empty file")
    head = data[:1024]
    if b"%PDF-" not in head:
        raise UnreadableDocument("an HTML page, not a PDF" if _looks_like_html(head) else "not a PDF")
    # pdfium rebuilds a cut file's cross-reference table and would give a half document: a complete PDF ends
    # with %%EOF (followed by at most a little padding).
    if b"%%EOF" not in data[-4096:]:
        raise UnreadableDocument("truncated or damaged PDF")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise UnreadableDocument(_load_failure(error)) from error


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(b"<") and re.search(rb"<(?:!doctype\s+html|html|head|body|title|meta)\b", start) is not None


def _load_failure(error: Exception) -> str:
    code = getattr(error, "err_code", None)
    message = str(error).lower()
    if code == pdfium_c.FPDF_ERR_PASSWORD or "password" in message:
        return "encrypted (needs a password)"
    if code == pdfium_c.FPDF_ERR_SECURITY or "security" in message:
        return "encrypted (unsupported security handler)"
    return "truncated or damaged PDF"


def _read_page(pdf: pdfium.PdfDocument, index: int, budget: int | None = None) -> _Page:
    try:
        page = pdf[index]
        try:
            width, height = page.get_size()
            figure_boxes = _figure_boxes(page, width * height)
            textpage = page.get_textpage()
            try:
                lines, replaced = _read_lines(textpage, index + 1, budget)
            finally:
                textpage.close()
        finally:
            page.close()
    except pdfium.PdfiumError as error:  # a page whose objects pdfium cannot load
        raise UnreadableDocument("truncated or damaged PDF") from error
    return _Page(index + 1, width, height, _merge_same_line(lines), figure_boxes, replaced)


def _figure_boxes(page: pdfium.PdfPage, page_area: float) -> list[tuple[float, float, float, float]]:
    """Bounds of the Form XObjects on the page: LaTeX includes PDF figures as forms, and their labels are not
    the paper's prose. A form covering most of the page wraps the page itself and is not a figure."""
    boxes = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    for i in range(pdfium_c.FPDFPage_CountObjects(page.raw)):
        obj = pdfium_c.FPDFPage_GetObject(page.raw, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_FORM:
            continue
        if pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            box = (left.value, bottom.value, right.value, top.value)
            if (box[2] - box[0]) * (box[3] - box[1]) < 0.6 * page_area:
                boxes.append(box)
    return boxes


def _page_text(textpage: pdfium.PdfTextPage, n_chars: int) -> tuple[str, int]:
    """The page's text, one entry per character index, and how many characters could not be decoded."""
    # Explicit count: pypdfium2 4.x redirects the default call to get_text_bounded, whose text does not map
    # one to one onto character indices.
    text = textpage.get_text_range(0, n_chars)
    if len(text) == n_chars:
        return str(text), 0
    # Shorter: a surrogate pair decoded into one character, or a lone half dropped. Character by character,
    # pairing the halves (`decode_units`): a lone half left in would make the document impossible to save.
    return decode_units([pdfium_c.FPDFText_GetUnicode(textpage.raw, i) for i in range(n_chars)])


def _read_lines(textpage: pdfium.PdfTextPage, page_number: int, budget: int | None = None) -> tuple[list[_Line], int]:
    n_chars = textpage.count_chars()
    if n_chars <= 0:
        return [], 0
    if budget is not None and n_chars > budget:  # before the per-character work, the costly part
        raise _OverBudget
    text, replaced = _page_text(textpage, n_chars)
    sampler = _CharSampler(textpage)
    lines = []
    start = 0
    for i, ch in enumerate(text):
        if ch in "\r\n" or ch in _HYPHEN_MARKERS:
            line = _make_line(text, start, i, ch in _HYPHEN_MARKERS, sampler, page_number)
            if line is not None:
                lines.append(line)
            start = i + 1
    line = _make_line(text, start, len(text), False, sampler, page_number)
    if line is not None:
        lines.append(line)
    return lines, replaced


class _CharSampler:
    """The few per-character facts a line needs, through pdfium's C API (one call each, buffers reused)."""

    def __init__(self, textpage: pdfium.PdfTextPage) -> None:
        self.textpage = textpage
        self.raw = textpage.raw
        self._x, self._y = ctypes.c_double(), ctypes.c_double()
        self._matrix = pdfium_c.FS_MATRIX() if hasattr(pdfium_c, "FPDFText_GetMatrix") else None
        self._name = ctypes.create_string_buffer(128)
        self._flags = ctypes.c_int()

    def origin(self, index: int) -> tuple[float, float]:
        pdfium_c.FPDFText_GetCharOrigin(self.raw, index, self._x, self._y)
        return self._x.value, self._y.value

    def box(self, index: int) -> tuple[float, float, float, float]:
        left, bottom, right, top = self.textpage.get_charbox(index)
        return float(left), float(bottom), float(right), float(top)

    def size(self, index: int) -> float:
        # Figures and some producers set a 1 pt font and scale it with the text matrix.
        size = float(pdfium_c.FPDFText_GetFontSize(self.raw, index))
        if self._matrix is not None and pdfium_c.FPDFText_GetMatrix(self.raw, index, self._matrix):
            m = self._matrix
            scale = math.sqrt(abs(m.a * m.d - m.b * m.c))
            if scale > 0:
                size *= scale
        return size

    def weight(self, index: int) -> int:
        return int(pdfium_c.FPDFText_GetFontWeight(self.raw, index))

    def bold_name(self, index: int) -> bool:
        n = pdfium_c.FPDFText_GetFontInfo(self.raw, index, self._name, len(self._name), self._flags)
        return n > 0 and _BOLD_FONT_NAME.search(self._name.value.decode("latin-1", "replace")) is not None


def _make_line(
    text: str, start: int, end: int, hyphen_end: bool, sampler: _CharSampler, page_number: int
) -> _Line | None:
    first = next((i for i in range(start, end) if not text[i].isspace()), None)
    if first is None:
        return None
    last = next(i for i in range(end - 1, first - 1, -1) if not text[i].isspace())
    clean = _clean(text[first : last + 1])
    if not clean:
        return None
    # Sizes and weights from up to five letters spread over the line: footnote marks and primes would skew them.
    letters = [i for i in range(first, last + 1) if text[i].isalpha()] or [first, last]
    samples = sorted({letters[round(k * (len(letters) - 1) / 4)] for k in range(5)})
    x_first, y_first = sampler.origin(first)
    x_last, y_last = sampler.origin(last)
    box_first = sampler.box(first)
    # A hyphen-ended line reaches to its hyphen, whose box pdfium keeps on the marker character.
    box_last = sampler.box(end if hyphen_end and end < len(text) else last)
    weights = [sampler.weight(i) for i in samples]
    first_weight = weights[0] if samples[0] == first else sampler.weight(first)
    return _Line(
        page=page_number,
        text=clean,
        x0=min(box_first[0], x_first),
        x1=max(box_last[2], box_first[2]),
        # The letters' baseline and largest size: a footnote mark or small capitals would skew either.
        baseline=statistics.median(sampler.origin(i)[1] for i in samples),
        size=max(sampler.size(i) for i in samples),
        weight=min(weights),
        bold_name=min(weights) < 600 and all(sampler.bold_name(i) for i in samples),
        first_bold=first_weight >= 600 or sampler.bold_name(first),
        hyphen_end=hyphen_end,
        vertical=last - first >= 3 and abs(y_last - y_first) > max(abs(x_last - x_first), 1.0),
    )


def _merge_same_line(lines: list[_Line]) -> list[_Line]:
    """pdfium breaks a line at superscripts and inline math; glue the pieces of one baseline back together."""
    merged: list[_Line] = []
    for line in lines:
        prev = merged[-1] if merged else None
        if prev is not None and not prev.hyphen_end and not prev.vertical and not line.vertical:
            size = max(prev.size, line.size)
            overlap = min(prev.top, line.top) - max(prev.bottom, line.bottom)
            gap = line.x0 - prev.x1
            if overlap > 0.3 * min(prev.size, line.size) and -1.0 <= gap < 1.0 * size:
                main = prev if len(prev.text) >= len(line.text) else line
                joiner = "" if gap < 0.15 * size or prev.text.endswith(("-", "–", "—", "/")) else " "
                merged[-1] = replace(
                    main,
                    text=prev.text + joiner + line.text,
                    x0=min(prev.x0, line.x0),
                    x1=max(prev.x1, line.x1),
                    hyphen_end=line.hyphen_end,
                    first_bold=prev.first_bold,
                    bold_name=prev.bold_name and line.bold_name,
                    weight=min(prev.weight, line.weight),
                )
                continue
        merged.append(line)
    return merged


def _outline(pdf: pdfium.PdfDocument, n_pages: int) -> list[_OutlineEntry]:
    try:
        items = list(pdf.get_toc())
    except pdfium.PdfiumError:
        return []
    entries = []
    for item in items:
        if hasattr(item, "get_title"):  # pypdfium2 5: PdfBookmark
            title = item.get_title()
            dest = item.get_dest()
            index = dest.get_index() if dest is not None else None
        else:  # pypdfium2 4: PdfOutlineItem
            title, index = item.title, item.page_index
        title = _clean(repair_surrogates(title or "")[0])
        if title and index is not None and 0 <= index < n_pages:
            entries.append(_OutlineEntry(int(item.level), title, index + 1))
    # Per-page bookmarks ("Page 3") or a lone entry are no table of contents.
    if len(entries) < 2 or all(re.fullmatch(r"(?:page\s*)?\d+", e.title, re.I) for e in entries):
        return []
    return entries


def _metadata(pdf: pdfium.PdfDocument) -> dict[str, str]:
    try:
        return {key: _clean(repair_surrogates(str(value))[0]) for key, value in pdf.get_metadata_dict().items()}
    except pdfium.PdfiumError:
        return {}
