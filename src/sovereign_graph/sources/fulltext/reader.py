"""What the graph's `read` node asks of a source that has full text: the document of a paper, or why not.

Two sources have full text: live arXiv (`fetch.ArxivFullText`: HTML, then PDF, through the on-disk cache)
and a built corpus whose papers came from the user's PDF/HTML library (`DiskCorpus.full_text`). A paper
without one stays abstract-only, and `reason` says why in the report's method section; it never fails a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from sovereign_graph.printable import one_line
from sovereign_graph.sources.fulltext.document import Document
from sovereign_graph.state import Paper


@dataclass(frozen=True)
class FullText:
    paper_id: str
    document: Document | None
    # How it was obtained, as the method section says it: "arXiv HTML", "arXiv PDF (no HTML)", "cache (arXiv
    # HTML)", "library PDF", "library HTML".
    how: str = ""
    # Why the paper stays abstract-only (None when `document` is set): "no HTML and no PDF on arXiv (404)",
    # "PDF truncated or damaged", "arXiv unreachable (ConnectTimeout, 4 tries)".
    reason: str | None = None
    # The user's file the document was read from (a corpus built from a library): its name when the corpus was
    # built, and its sha256. None for arXiv's own copies.
    file: str | None = None
    sha256: str | None = None

    @property
    def name(self) -> str:
        """How a report names the document wherever its text is quoted: arXiv's copy by its versioned id
        ('arXiv:2501.10120v1'); the user's file as theirs, whatever arXiv id it carries."""
        if self.file is not None and self.sha256 is not None:
            return library_file_name(self.file, self.sha256)
        return self.document.versioned_id if self.document is not None else self.paper_id


def library_file_name(file: str, sha256: str) -> str:
    # A file's name is anyone's choice: on one line, its controls escaped, so it cannot break a prompt's passage
    # line or a report's.
    return f"library file “{one_line(file)}”, sha256 {sha256[:12]}…"


@runtime_checkable
class FullTextReader(Protocol):
    def full_text(self, paper: Paper) -> FullText:
        """The paper's document, or a `FullText` with `document=None` and the reason; never raises for one
        paper's failure (network, HTTP status, unreadable file)."""
        ...
