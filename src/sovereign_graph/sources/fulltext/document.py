"""The document model: a paper's full text as anchored blocks (paragraphs, tables, captions) in sections.

Every block says where it stands in the paper, so a claim quoting it can be found again by a reader:
`arXiv:2501.10120v1 §4.2 Crawler, p. 6` (see `Block.place`). Parsers (`html.py`, `pdf/`) produce a
`Document`; the cache stores it as JSON; `passages.py` turns its blocks into the graph's passages.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

BlockKind = Literal["paragraph", "table", "table_caption", "figure_caption"]
DocumentOrigin = Literal["arxiv_html", "pdf"]
# Bumped when a parser changes what it produces, so cached documents from an older parser are parsed anew.
PARSER_VERSION = 1


class UnreadableDocument(ValueError):
    """A file or response that is not a readable paper: `reason` is what a user is told, e.g. "encrypted
    (needs a password)", "truncated or damaged PDF", "an HTML page, not a PDF", "no text layer (scanned?)"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Block(BaseModel):
    """One passage of the body: a paragraph, a table's text, or a table's or figure's caption."""

    kind: BlockKind = "paragraph"
    text: str = Field(description="the block's text, whitespace-normalised; math as its LaTeX alttext")
    section: str = Field(default="", description="section number as printed: '4.2', 'A.1'; '' when unnumbered")
    section_title: str = Field(default="", description="the section's title without its number")
    page: int | None = Field(default=None, description="1-based page (PDF only)")
    paragraph: int = Field(default=0, description="0-based index of the block within its section")
    anchor: str = Field(description="stable within the document: LaTeXML id 'S3.SS1.p2' (HTML), 'p6.b3' (PDF)")

    def place(self, versioned_id: str) -> str:
        """Where the block stands, as a reader looks it up: 'arXiv:2501.10120v1 §4.2 Crawler, p. 6'."""
        parts = [versioned_id]
        heading = " ".join(x for x in (f"§{self.section}" if self.section else "", self.section_title) if x)
        if heading:
            parts.append(heading)
        where = " ".join(parts)
        if self.page is not None:
            where += f", p. {self.page}"
        return where


class Document(BaseModel):
    paper_id: str = Field(description="bare arXiv id (no version), or a local library id")
    version: int | None = Field(default=None, description="arXiv version, when known")
    origin: DocumentOrigin
    parser_version: int = PARSER_VERSION
    title: str = ""
    authors: list[str] = Field(default_factory=list)
    abstract: str = ""
    arxiv_id: str | None = Field(
        default=None, description="versioned arXiv id the document itself carries (stamp, base href), if any"
    )
    pages: int | None = Field(default=None, description="page count (PDF)")
    replaced_characters: int = Field(
        default=0,
        description="characters of the text layer that could not be decoded (UTF-16 surrogate halves that pair "
        "with nothing), each now U+FFFD (PDF)",
    )
    blocks: list[Block] = Field(default_factory=list, description="the body in reading order, abstract excluded")

    @property
    def versioned_id(self) -> str:
        """How the report names the document: 'arXiv:2501.10120v1', or the local id when it is not on arXiv."""
        if self.arxiv_id:
            return f"arXiv:{self.arxiv_id}"
        if self.version is not None:
            return f"arXiv:{self.paper_id}v{self.version}"
        return self.paper_id
