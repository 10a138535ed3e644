"""extract: claims that bear on the question, each with its verbatim quote and source paper."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.engines.extractor import evidence_gaps, extract_claims
from sovereign_graph.llm.roles import EXTRACT_PASSAGES, extract_claims_llm
from sovereign_graph.llm.settings import RoleModel
from sovereign_graph.progress import emit
from sovereign_graph.state import ResearchState


def extract(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    target = context.model_for("extractor")
    if target is not None:
        return _extract_live(state, context, target)
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


def _extract_live(state: ResearchState, context: Context, target: RoleModel) -> dict[str, Any]:
    claims, rejected, usage = extract_claims_llm(
        target,
        target.retry,
        question=state["question"],
        facets=state["facets"],
        passages=state["passages"],
        max_claims=context.max_claims,
        max_per_paper=context.max_claims_per_paper,
        excluded=set(state.get("dropped_passages", [])),
        round_number=state.get("round", 0),
    )
    gaps = evidence_gaps(state["facets"], claims, state["passages"])
    emit("claims_extracted", claims=len(claims), gaps=len(gaps), rejected=len(rejected))
    return {
        "claims": claims,
        "evidence_gap": [g.facet for g in gaps] or None,
        "gaps": gaps,
        "rejected_claims": rejected,
        "usage": {"extractor": usage},
        "method": {
            "extract": f"claims by {target.label} (prompts/extractor.md) from the {EXTRACT_PASSAGES} most relevant "
            "passages; each quote checked verbatim against its passage and each number of a claim against its "
            f"quote (failures rejected, not shown); at most {context.max_claims} claims, "
            f"{context.max_claims_per_paper} per paper",
        },
    }
