"""skeptic / validator / synthesizer: three reviewer nodes that run in parallel, one rubric each."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.runtime import Runtime

from sovereign_graph.llm.role import live_or_embedded
from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import Fallback, ResearchState, Role
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.review.guard import guard_review
from sovereign_graph.steps.review.model import paper_label, review_llm
from sovereign_graph.steps.review.rubrics import RUBRICS, Dossier


class ReviewerNode(Protocol):
    def __call__(self, state: ResearchState, *, runtime: Runtime[Context]) -> dict[str, Any]: ...


def dossier_of(state: ResearchState, context: Context) -> Dossier:
    """What the reviewers (and the Answer's writer) read of the run's state."""
    return Dossier(
        question=state["question"],
        facets=state["facets"],
        claims=state["claims"],
        passages=state["passages"],
        round=state["round"],
        relevance=load_relevance_model(context.relevance).bar,
        queries=state.get("queries", []),
        papers={h.paper.id: paper_label(h.paper) for h in state.get("hits", [])},
    )


def reviewer(role: Role) -> ReviewerNode:
    rubric = RUBRICS[role]

    def review(state: ResearchState, *, runtime: Runtime[Context]) -> dict[str, Any]:
        context = context_of(runtime)
        dossier = dossier_of(state, context)
        target = context.model_for(role.lower())  # type: ignore[arg-type]
        update: dict[str, Any] = {}
        if target is None:
            verdict = rubric(dossier)
        else:
            result = live_or_embedded(
                lambda: review_llm(role, target, target.retry, dossier, rubric(dossier)),
                lambda: rubric(dossier),
            )
            proposed, update = result.value, result.bookkeeping(role.lower(), dossier.round)
            if result.fallback is None:
                # A verdict is never just what a model typed: above the band its score is clamped; out of line with
                # the dossier in any other way, the rubric's review stands.
                guarded = guard_review(proposed, rubric(dossier), dossier, context.revise_below)
                verdict, rejected = guarded.review, guarded.reason
                if rejected:
                    update["fallbacks"] = [Fallback(role=role.lower(), round=dossier.round, reason=rejected)]
            else:
                verdict = proposed  # the model kept failing: the rubric reviewed, and the fallback line says why
        emit("reviewer_scored", role=role, round=verdict.round, score=verdict.score, objections=len(verdict.objections))
        return {"reviews": [verdict], **update}

    review.__name__ = role.lower()
    return review
