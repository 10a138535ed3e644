"""revise: objections (or the owner's note) become actions: new queries, dropped claims, new facets."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.llm.role import live_or_embedded
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import Facet, Query, ResearchState, Revision
from sovereign_graph.steps.review.node import dossier_of
from sovereign_graph.steps.review.rubrics import off_topic_ids
from sovereign_graph.steps.revise.model import Revised, revise_llm
from sovereign_graph.steps.revise.rules import plan_revision
from sovereign_graph.steps.tribunal.node import round_reviews


def revise(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    next_round = state["round"] + 1
    owner_note = state.get("pending_owner_note")
    context = context_of(runtime)
    target = context.model_for("reviser")
    live: dict[str, Any] = {}

    def offline() -> tuple[Revision, list[Query], list[Facet]]:
        """The offline reviser: the step's engine offline, and its fallback when the live reviser keeps failing."""
        return plan_revision(
            round_number=next_round,
            paper=state["subject"],
            facets=state["facets"],
            claims=state["claims"],
            objections=[o for r in round_reviews(state) for o in r.objections],
            previous_queries=[q.text for q in state.get("queries", [])],
            owner_note=owner_note,
        )

    if target is None:
        revision, queries, facets = offline()
    else:
        droppable = off_topic_ids(dossier_of(state, context))
        result = live_or_embedded(
            lambda: revise_llm(
                target,
                target.retry,
                round_number=next_round,
                question=state["question"],
                paper=state["subject"],
                facets=state["facets"],
                claims=state["claims"],
                objections=[(r.role, o) for r in round_reviews(state) for o in r.objections],
                previous_queries=[q.text for q in state.get("queries", [])],
                owner_note=owner_note,
                droppable=droppable,
            ),
            lambda: Revised(*offline()),
        )
        (revision, queries, facets), live = result.value, result.bookkeeping("reviser", next_round)
    return {
        **live,
        "round": next_round,
        "revisions": [revision],
        "queries": queries,
        "round_queries": [q.text for q in queries],
        "facets": facets,
        "dropped_passages": [*state.get("dropped_passages", []), *revision.dropped_passages],
        "pending_owner_note": None,
        "owner_decision": None,
    }
