"""A document's body as the graph's passages: one per sentence of a paragraph or caption, one per run of
table rows, each with its block's anchor and place, so extraction and the relevance model read body text as
they read an abstract (sentence by sentence) and a claim's source says where in the paper it stands."""

from __future__ import annotations

from sovereign_graph.sources.fulltext.document import Block, Document
from sovereign_graph.state import Passage
from sovereign_graph.text.prose import sentences

# A sentence shorter than this is a heading, a label or a math fragment, not a finding.
MIN_WORDS = 4
# A table is quoted a few rows at a time: a whole results table is unreadable as a claim's quote.
TABLE_CHARS = 400


def _pieces(row: str) -> list[str]:
    """A row as pieces of at most `TABLE_CHARS`, cut between words (a PDF's table comes as one long line)."""
    pieces: list[str] = []
    current = ""
    for word in row.split(" "):
        if current and len(current) + 1 + len(word) > TABLE_CHARS:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*pieces, current] if current else pieces


def _table_chunks(text: str) -> list[str]:
    rows = [piece for row in text.splitlines() if row.strip() for piece in _pieces(row.strip())]
    chunks: list[str] = []
    current = ""
    for row in rows:
        if current and len(current) + 1 + len(row) > TABLE_CHARS:
            chunks.append(current)
            current = row
        else:
            current = f"{current}\n{row}" if current else row
    if current:
        chunks.append(current)
    return chunks


def block_texts(block: Block) -> list[str]:
    """The passages' texts of one block, each verbatim in it."""
    if block.kind == "table":
        return _table_chunks(block.text)
    return [s for s in sentences(block.text) if len(s.split()) >= MIN_WORDS]


def body_passages(document: Document, name: str | None = None) -> list[Passage]:
    """Every body passage of the document, in reading order; ids `<paper id>#<anchor>.s<k>`; each place names the
    document as `name` (default: its versioned arXiv id)."""
    name = name or document.versioned_id
    passages: list[Passage] = []
    for block in document.blocks:
        place = block.place(name)
        for k, text in enumerate(block_texts(block)):
            passages.append(
                Passage(
                    id=f"{document.paper_id}#{block.anchor}.s{k}",
                    paper_id=document.paper_id,
                    text=text,
                    kind=block.kind,
                    anchor=block.anchor,
                    place=place,
                )
            )
    return passages
