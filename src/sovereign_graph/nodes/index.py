"""index: split the retrieved papers into sentence passages and rank them against the question
through LangChain's `Embeddings` / `VectorStore` interfaces."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.engines.text import sentences
from sovereign_graph.progress import emit
from sovereign_graph.state import Passage, ResearchState


def passages_of(hits_papers: list[Any]) -> list[Passage]:
    return [
        Passage(id=f"{paper.id}#{i}", paper_id=paper.id, text=sentence)
        for paper in hits_papers
        for i, sentence in enumerate(sentences(paper.abstract))
    ]


def index(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    # Later rounds index more papers, so what a revision's queries found is not cut off by the cap.
    hits = state["hits"][: context.max_papers * (1 + state.get("round", 0))]
    passages = passages_of([h.paper for h in hits])
    embeddings = context.embedder()
    store = context.vector_store(embeddings)
    store.add_texts([p.text for p in passages], ids=[p.id for p in passages])
    ranked = store.similarity_search_with_score(state["question"], k=len(passages))
    relevance = {doc.id: score for doc, score in ranked}
    passages = [p.model_copy(update={"relevance": round(float(relevance.get(p.id, 0.0)), 4)}) for p in passages]
    emit("papers_indexed", papers=len(hits), passages=len(passages))
    return {
        "passages": passages,
        "method": {
            "index": f"{len(hits)} papers, {len(passages)} sentence passages, "
            f"{getattr(embeddings, 'display_name', type(embeddings).__name__)} in LangChain's InMemoryVectorStore",
        },
    }
