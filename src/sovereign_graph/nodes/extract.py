"""extract: claims that bear on the question, each with its verbatim quote and source paper."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.engines.extractor import extract_claims, uncovered_facets
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
    gap = [f.text for f in uncovered_facets(state["facets"], claims)]
    return {
        "claims": claims,
        "evidence_gap": gap or None,
        "method": {
            "extract": f"offline sentence-level claim mining: result-bearing sentences ranked by relevance, "
            f"facet coverage and finding strength; at most {context.max_claims} claims, "
            f"{context.max_claims_per_paper} per paper",
        },
    }
