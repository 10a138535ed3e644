"""skeptic / validator / synthesizer: three reviewer nodes that run in parallel, one rubric each."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.engines.rubrics import RUBRICS, Dossier
from sovereign_graph.progress import emit
from sovereign_graph.state import ResearchState, Role


class ReviewerNode(Protocol):
    def __call__(self, state: ResearchState, *, runtime: Runtime[Context]) -> dict[str, Any]: ...


def reviewer(role: Role) -> ReviewerNode:
    rubric = RUBRICS[role]

    def review(state: ResearchState, *, runtime: Runtime[Context]) -> dict[str, Any]:
        dossier = Dossier(
            question=state["question"],
            facets=state["facets"],
            claims=state["claims"],
            passages=state["passages"],
            round=state["round"],
            verify_threshold=context_of(runtime).grounding_threshold(),
            queries=state.get("queries", []),
        )
        review = rubric(dossier)
        emit("reviewer_scored", role=role, round=review.round, score=review.score, objections=len(review.objections))
        return {"reviews": [review]}

    review.__name__ = role.lower()
    return review
