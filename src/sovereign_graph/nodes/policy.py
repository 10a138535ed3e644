"""policy: the recommendation to the owner (ACCEPT / REVISE / REJECT) and whether to escalate."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.engines.policy import recommend
from sovereign_graph.state import ResearchState


def policy(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    recommendation, escalated = recommend(
        state["score"], state["claims"], context_of(runtime).revise_below, state.get("gaps", [])
    )
    return {"recommendation": recommendation, "escalated": escalated}
