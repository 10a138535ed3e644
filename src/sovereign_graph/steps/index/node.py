"""index: split the retrieved papers into sentence passages (their abstracts, and the body of every paper the
read step got the full text of) and rank them against the question through LangChain's `Embeddings` /
`VectorStore` interfaces."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import VectorStore
from langgraph.runtime import Runtime

from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.sources.fulltext.passages import body_passages
from sovereign_graph.state import Paper, Passage, ResearchState
from sovereign_graph.steps.read.node import read_documents
from sovereign_graph.text.prose import sentences


def passages_of(hits_papers: list[Any]) -> list[Passage]:
    return [
        Passage(id=f"{paper.id}#{i}", paper_id=paper.id, text=sentence)
        for paper in hits_papers
        for i, sentence in enumerate(sentences(paper.abstract))
    ]


def paper_relevance(embeddings: Embeddings, question: str, papers: list[Paper]) -> dict[str, float]:
    """Cosine of each paper (title and abstract) to the question, through the same `Embeddings`."""
    if not papers:
        return {}
    vectors = np.asarray(embeddings.embed_documents([f"{p.title}. {p.abstract}" for p in papers]), dtype=float)
    query = np.asarray(embeddings.embed_query(question), dtype=float)
    norms = np.linalg.norm(vectors, axis=1) * (np.linalg.norm(query) or 1.0)
    cosines = vectors @ query / np.where(norms > 0, norms, 1.0)
    return {p.id: round(float(c), 4) for p, c in zip(papers, cosines, strict=True)}


def similarities(store: VectorStore, text: str, k: int) -> dict[str, float]:
    """Each passage's similarity to `text`; none when the embedder knows none of its words (a zero vector has
    no direction: the store refuses it), as for a question from outside the corpus's field."""
    try:
        found = store.similarity_search_with_score(text, k=k)
    except ValueError:
        return {}
    return {doc.id: round(float(score), 4) for doc, score in found if doc.id is not None}


def index(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    # Later rounds index more papers, so what a revision's queries found is not cut off by the cap.
    hits = state["hits"][: context.max_papers * (1 + state.get("round", 0))]
    passages = passages_of([h.paper for h in hits])
    indexed = {h.paper.id for h in hits}
    documents = [(d, name) for d, name in read_documents(state, context.full_text_reader()) if d.paper_id in indexed]
    for document, name in documents:
        passages += body_passages(document, name)
    embeddings = context.embedder()
    store = context.vector_store(embeddings)
    store.add_texts([p.text for p in passages], ids=[p.id for p in passages])
    relevance = similarities(store, state["question"], len(passages))
    # Each facet's phrase against every passage too (one query each): the relevance model reads the outcome and
    # the subject apart, so a passage near the question's words but not its outcome is told apart.
    by_facet = {f.id: similarities(store, f.text, len(passages)) for f in state["facets"]}
    papers = paper_relevance(embeddings, state["question"], [h.paper for h in hits])
    # Position in the abstract is what the relevance model reads ("the last sentence states the result").
    counts = Counter(p.paper_id for p in passages if p.kind == "abstract")
    passages = [
        p.model_copy(
            update={
                "relevance": round(float(relevance.get(p.id, 0.0)), 4),
                "paper_relevance": papers.get(p.paper_id, 0.0),
                "sentences_in_paper": counts.get(p.paper_id, 0),
                "facet_relevance": {fid: scores.get(p.id, 0.0) for fid, scores in by_facet.items()},
            }
        )
        for p in passages
    ]
    emit("papers_indexed", papers=len(hits), passages=len(passages))
    body = sum(p.kind != "abstract" for p in passages)
    return {
        "passages": passages,
        "method": {
            "index": f"{len(hits)} papers, {len(passages)} sentence passages"
            + (f" ({body} from the body of {len(documents)})" if documents else "")
            + ", "
            f"{getattr(embeddings, 'display_name', type(embeddings).__name__)} in LangChain's InMemoryVectorStore",
        },
    }
