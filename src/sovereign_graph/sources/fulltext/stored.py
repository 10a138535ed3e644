"""A library document as a built corpus keeps it (gzip'd JSON, with the file's name and sha256), and as the read
step gets it back: named as the user's file, and refused when it carries the arXiv id of a record whose title it
does not have."""

from __future__ import annotations

import gzip
import zlib

from sovereign_graph.sources.fulltext.document import Document
from sovereign_graph.sources.fulltext.library import not_titled
from sovereign_graph.sources.fulltext.reader import FullText, library_file_name
from sovereign_graph.state import Paper


def pack_document(document: Document) -> bytes:
    return gzip.compress(document.model_dump_json().encode("utf-8"), compresslevel=6)


def unpack_document(blob: bytes) -> Document:
    return Document.model_validate_json(gzip.decompress(blob))


def stored_full_text(corpus: str, paper: Paper, origin: str, file: str, sha256: str, blob: bytes) -> FullText:
    """The paper's full text from the corpus's copy of the user's file, or why not; never raises for a paper."""
    try:
        document = unpack_document(blob)
    except (OSError, EOFError, zlib.error, ValueError):  # damaged, or a document this version cannot read
        return FullText(paper.id, None, reason=f"its full text in {corpus} is unreadable (rebuild the corpus)")
    if not_titled(paper.title, document):
        # A corpus built before the build refused such files still holds them: refused here too.
        return FullText(
            paper.id,
            None,
            reason=f"{library_file_name(file, sha256)} carries arXiv:{document.arxiv_id} but not this paper's "
            f"title (it reads “{document.title[:80]}”): not used as its full text",
        )
    how = "library HTML" if origin == "arxiv_html" else "library PDF"
    return FullText(paper.id, document, how=how, file=file, sha256=sha256)
