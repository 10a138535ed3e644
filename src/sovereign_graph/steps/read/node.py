"""read: the full text of the subject paper and of the `fulltext` most relevant hits, from a source that has
it (live arXiv: HTML, else PDF, through the on-disk cache; a corpus built from the user's PDF library). A paper
whose full text cannot be had stays abstract-only, and the method section says which and why."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.printable import one_line
from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.sources.fulltext.document import Document
from sovereign_graph.sources.fulltext.reader import FullText, FullTextReader
from sovereign_graph.state import FullTextRead, Paper, ResearchState

PARALLEL_READS = 3


def papers_to_read(state: ResearchState, wanted: int) -> list[Paper]:
    """The subject paper always, then the `wanted` best-ranked other hits; none when `wanted` is 0 (off)."""
    if wanted <= 0:
        return []
    subject = state["subject"]
    others = [h.paper for h in state.get("hits", []) if h.paper.id != subject.id]
    return [subject, *others[:wanted]]


def _as_read(paper: Paper, got: FullText) -> FullTextRead:
    document = got.document
    if document is None:
        return FullTextRead(paper_id=paper.id, how=got.how, reason=got.reason or "no full text")
    return FullTextRead(
        paper_id=paper.id, how=got.how, document=got.name, blocks=len(document.blocks), file=got.file, sha256=got.sha256
    )


def _listed(read: FullTextRead) -> str:
    if read.file is not None and read.sha256 is not None:
        # The user's file by its whole sha256 here, once; a quote's place names it by the first digits.
        return f"library file “{one_line(read.file)}” ({read.how}, {read.blocks} blocks, sha256 {read.sha256})"
    return f"{read.document or read.paper_id} ({read.how}, {read.blocks} blocks)"


def _described(reads: list[FullTextRead], wanted: int) -> str:
    read = [r for r in reads if r.reason is None]
    line = f"full text of {len(read)} of {len(reads)} papers (the subject and the {wanted} best-ranked others)"
    if read:
        line += ": " + "; ".join(_listed(r) for r in read)
    missing = [r for r in reads if r.reason is not None]
    if missing:
        line += "; abstract only: " + "; ".join(f"{r.paper_id} ({r.reason})" for r in missing)
    return line


def read(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    reader = context.full_text_reader()
    if reader is None or context.fulltext <= 0:
        why = "turned off (--fulltext 0)" if context.fulltext <= 0 else "the source has none"
        return {"full_texts": [], "method": {"read": f"abstracts only: full text {why}"}}
    papers = papers_to_read(state, context.fulltext)
    reads: list[FullTextRead] = []
    # A few at once: downloads still take their turns on the rate limiter one by one, but one paper is parsed
    # while the next waits for its turn. Progress is told here, in order, where the run's stream is.
    with ThreadPoolExecutor(max_workers=PARALLEL_READS, thread_name_prefix="read") as pool:
        for paper, got in zip(papers, pool.map(reader.full_text, papers), strict=True):
            done = _as_read(paper, got)
            reads.append(done)
            emit("full_text_read", paper=paper.id, how=done.how, blocks=done.blocks, reason=done.reason)
    return {"full_texts": reads, "method": {"read": _described(reads, context.fulltext)}}


def read_documents(state: ResearchState, reader: FullTextReader | None) -> list[tuple[Document, str]]:
    """The documents the read step got, again from their reader (its cache or library: no network), each under
    the paper id the run knows it by, with the name the report gives it (`FullTextRead.document`)."""
    if reader is None:
        return []
    papers = {h.paper.id: h.paper for h in state.get("hits", [])}
    documents: list[tuple[Document, str]] = []
    for done in state.get("full_texts", []):
        paper = papers.get(done.paper_id)
        if done.reason is not None or paper is None:
            continue
        document = reader.full_text(paper).document
        if document is not None:
            documents.append((document.model_copy(update={"paper_id": paper.id}), done.document))
    return documents
