"""policy: the recommendation to the owner (ACCEPT / REVISE / REJECT) and whether to escalate."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import ResearchState
from sovereign_graph.steps.policy.rules import recommend


def policy(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    recommendation, escalated = recommend(
        state["score"], state["claims"], context_of(runtime).revise_below, state.get("gaps", [])
    )
    return {"recommendation": recommendation, "escalated": escalated}
