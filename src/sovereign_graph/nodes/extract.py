"""extract: claims that bear on the question, each with its verbatim quote and source paper."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.engines.extractor import evidence_gaps, extract_claims
from sovereign_graph.progress import emit
from sovereign_graph.state import ResearchState


def extract(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    claims = extract_claims(
        state["passages"],
        state["facets"],
        max_claims=context.max_claims,
        max_per_paper=context.max_claims_per_paper,
        excluded=set(state.get("dropped_passages", [])),
    )
    gaps = evidence_gaps(state["facets"], claims, state["passages"])
    emit("claims_extracted", claims=len(claims), gaps=len(gaps))
    return {
        "claims": claims,
        "evidence_gap": [g.facet for g in gaps] or None,
        "gaps": gaps,
        "method": {
            "extract": "offline sentence-level claim mining: result-bearing sentences that address an outcome "
            "facet of the question, ranked by relevance, facet coverage and finding strength; "
            f"at most {context.max_claims} claims, {context.max_claims_per_paper} per paper, no near-duplicates",
        },
    }
