"""skeptic / validator / synthesizer: three reviewer nodes that run in parallel, one rubric each."""

from __future__ import annotations

from typing import Any, Protocol

from langgraph.runtime import Runtime

from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import Fallback, ResearchState, Role
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.review.answer import build_answer, check_answer
from sovereign_graph.steps.review.guard import guard_review
from sovereign_graph.steps.review.model import review_llm
from sovereign_graph.steps.review.rubrics import RUBRICS, Dossier


class ReviewerNode(Protocol):
    def __call__(self, state: ResearchState, *, runtime: Runtime[Context]) -> dict[str, Any]: ...


def reviewer(role: Role) -> ReviewerNode:
    rubric = RUBRICS[role]

    def review(state: ResearchState, *, runtime: Runtime[Context]) -> dict[str, Any]:
        context = context_of(runtime)
        dossier = Dossier(
            question=state["question"],
            facets=state["facets"],
            claims=state["claims"],
            passages=state["passages"],
            round=state["round"],
            relevance=load_relevance_model(context.relevance).bar,
            queries=state.get("queries", []),
        )
        target = context.model_for(role.lower())  # type: ignore[arg-type]
        update: dict[str, Any] = {}
        drafts = None
        if target is None:
            verdict = rubric(dossier)
        else:
            result = review_llm(role, target, target.retry, dossier)
            (proposed, drafts), update = result.value, result.bookkeeping(role.lower(), dossier.round)
            # A verdict is never just what a model typed: out of line with the dossier, the rubric's review stands.
            verdict, rejected = guard_review(proposed, rubric(dossier), dossier, context.revise_below)
            if rejected and drafts is not None:
                # A model whose judgement of the dossier was out of line does not write its Answer either.
                drafts = None
                rejected += "; its Answer drafts set aside too (the Answer is built from the claims)"
            if rejected:
                update["fallbacks"] = [Fallback(role=role.lower(), round=dossier.round, reason=rejected)]
        if role == "SYNTHESIZER":
            # The Answer: the model's drafts when it wrote them, else built from the claims; checked either way.
            if drafts is None:
                drafts = build_answer(dossier.facets, dossier.claims, dossier.relevance)
            answer, dropped = check_answer(drafts, dossier.facets, dossier.claims, dossier.relevance)
            update |= {"answer": answer, "answer_dropped": dropped}
        emit("reviewer_scored", role=role, round=verdict.round, score=verdict.score, objections=len(verdict.objections))
        return {"reviews": [verdict], **update}

    review.__name__ = role.lower()
    return review
