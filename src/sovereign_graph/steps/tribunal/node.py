"""tribunal: aggregate the round's three reviews; below the threshold, with a round left, revise."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.scoring import aggregate
from sovereign_graph.state import ResearchState, Review


def round_reviews(state: ResearchState) -> list[Review]:
    return [r for r in state.get("reviews", []) if r.round == state["round"]]


def tribunal(state: ResearchState) -> dict[str, Any]:
    return {"score": aggregate(round_reviews(state))}


def after_tribunal(state: ResearchState, runtime: Runtime[Context]) -> Literal["revise", "answer"]:
    """Automatic revisions are capped by `max_revisions`; after an owner-requested round none run,
    so the owner sees the round they asked for. Either way the loop cannot run forever."""
    revisions = state.get("revisions", [])
    automatic = sum(r.trigger == "tribunal" for r in revisions)
    owner_asked = any(r.trigger == "owner" for r in revisions)
    if state["score"] < context_of(runtime).revise_below and automatic < state["max_revisions"] and not owner_asked:
        return "revise"
    return "answer"
