"""A paper's PDF as a `Document`: anchored paragraphs in sections, through pypdfium2 (pdfium's text layer).

Method, measured on the fixtures (`evals/fulltext_bench.py`):
- Lines: pdfium's text in content-stream order (pdfTeX writes two-column pages column by column), split at
  the line breaks pdfium generates and at its hyphen marker (U+0002, U+FFFE through `get_text_range`); pieces
  on one baseline (split at superscripts) are merged back. Each line keeps its geometry and the effective
  font size and weight of five sampled letters, so the per-character cost stays small.
- Dropped: text inside Form XObjects (figures included as PDFs), vertical text, the arXiv side stamp (which
  gives `arxiv_id`), bare page numbers and running headers/footers in the page's outer bands.
- Paragraphs: a new block starts at a font-size change, a vertical gap larger than the line pitch, a first-line
  indent, a short line ending a sentence, a caption or a bullet; a paragraph continues across columns of one
  page, also past footnotes or a caption between the two halves. Blocks never span pages (anchor `p{page}.b{k}`);
  a word split across two pages moves whole into the first block. Tables: the non-prose blocks next to a
  "Table N" caption become one "table" block.
- Sections: the PDF outline when present, each entry placed at its heading line (matched by text on its page);
  else a font rule: bold or larger-than-body lines that look like headings ("3.2 Results"). Everything after a
  "References" heading, until the next section, is left out.
- Words broken at line ends are joined when the joined word occurs elsewhere in the paper or in the English
  word list; a compound of two words keeps its hyphen.

Modules, in the order `parse_pdf` uses them: `reading` (pdfium: pages, lines, outline, metadata; the only
module that touches pdfium), `layout` (stamp, figure text, page furniture; font and column measures),
`headings` (outline or font rule -> sections), `front` (title, authors, abstract), `paragraphs` (lines ->
blocks, captions, tables), `words` (broken words; `broken_word_share`); `text` holds the shared normalisation.
"""

from __future__ import annotations

import threading

from sovereign_graph.sources.fulltext.document import Document, UnreadableDocument
from sovereign_graph.sources.fulltext.pdf.front import _authors, _front_matter, _title
from sovereign_graph.sources.fulltext.pdf.headings import _find_headings
from sovereign_graph.sources.fulltext.pdf.layout import (
    _measure_layout,
    _remove_figure_text,
    _remove_page_furniture,
    _remove_stamps,
)
from sovereign_graph.sources.fulltext.pdf.paragraphs import (
    _blocks,
    _is_running_title,
    _label_captions,
    _mark_tables,
    _paragraphs,
    _split_groups,
)
from sovereign_graph.sources.fulltext.pdf.reading import _OutlineEntry, _Page, _read
from sovereign_graph.sources.fulltext.pdf.words import (
    _heal_breaks_between,
    _join_lines,
    _word_counts,
    broken_word_share,
)

__all__ = ["broken_word_share", "parse_pdf"]

# pdfium is not thread-safe, and the graph's branches share one reader: one document is read at a time.
_PDFIUM = threading.Lock()


def parse_pdf(data: bytes, paper_id: str | None = None, name: str = "", max_characters: int | None = None) -> Document:
    """The paper in `data` as a `Document` (origin "pdf"), or `UnreadableDocument` with the reason a user is
    told. Owner-password-only files (empty user password) are read: pdfium opens them as any viewer does and
    their permission flags are advisory. `name` only labels messages; a text layer longer than
    `max_characters` is refused."""
    try:
        with _PDFIUM:
            pages, outline, metadata = _read(data, max_characters)
    except UnreadableDocument as error:
        if name:
            error.add_note(f"file: {name}")  # the reason stays what a user is told
        raise
    return _build_document(pages, outline, metadata, paper_id)


def _build_document(
    pages: list[_Page], outline: list[_OutlineEntry], metadata: dict[str, str], paper_id: str | None
) -> Document:
    stamp = _remove_stamps(pages)
    _remove_figure_text(pages)
    _remove_page_furniture(pages)
    layout = _measure_layout(pages)
    stream = [line for page in pages for line in page.lines]
    if not stream:
        raise UnreadableDocument("no text layer (scanned?)")  # nothing but page numbers, stamps or figure labels
    marks = _find_headings(stream, outline, layout)
    front = _front_matter(stream, marks)
    evidence = _word_counts(stream)
    title = _title(metadata, stream, front)
    heights = {page.number: page.height for page in pages}
    paragraphs = [
        para
        for para in _paragraphs(stream, marks, front.excluded, layout)
        if not _is_running_title(para, title, heights[para.page])
    ]
    for para in paragraphs:
        para.text = _join_lines(para.lines, evidence)
    _heal_breaks_between(paragraphs, evidence, layout)
    bare_id, version, arxiv_id = stamp if stamp else (None, None, None)
    if paper_id is None:
        paper_id = bare_id or ""  # as the HTML parser: the caller names a paper without an arXiv stamp
    elif paper_id != bare_id:
        version = None  # the caller's id names another record: the stamp's version is not its version
    return Document(
        paper_id=paper_id,
        version=version,
        origin="pdf",
        title=title,
        authors=_authors(metadata, stream, front, layout),
        abstract=" ".join(_join_lines(group, evidence) for group in _split_groups(front.abstract, layout)),
        arxiv_id=arxiv_id,
        pages=len(pages),
        replaced_characters=sum(page.replaced for page in pages),
        blocks=_blocks(_mark_tables(_label_captions(paragraphs, layout), layout), layout),
    )
