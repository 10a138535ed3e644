"""answer: after the tribunal, the Answer: a bottom line, then each facet, every sentence citing its claims and
checked against their quotes. Written by the writer's model in live mode (one call), else built offline."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.llm.role import live_or_embedded
from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import Fallback, ResearchState
from sovereign_graph.steps.answer.checks import BOTTOM_LINE, check_answer
from sovereign_graph.steps.answer.model import write_llm
from sovereign_graph.steps.answer.rules import offline_answer
from sovereign_graph.steps.answer.support import SupportCheck
from sovereign_graph.steps.review.node import dossier_of
from sovereign_graph.steps.verify.model import load_model

CHECKS = (
    "every sentence checked before it is shown: the claims it cites exist and bear on the question, its numbers "
    "(digits or words) are in their quotes, it gives no orders, and its finding follows from the cited quotes (no "
    "added negation, direction, effect size, name or stronger wording; steps/extract/faithful.py) and is not read "
    "as contradicted by them by the trained verifier; a failing sentence is dropped and counted"
)


def answer(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    dossier = dossier_of(state, context)
    bar, round_number = dossier.relevance, dossier.round
    usable = {c.id: c for c in dossier.claims if bar.clears(c)}
    support = SupportCheck(
        claims=usable,
        titles={h.paper.id: h.paper.title for h in state.get("hits", [])},
        verifier=load_model(engine="neural" if context.verifier == "neural" else "trained"),
        vocabulary=context.verifier_vocabulary(),
    )
    offline = offline_answer(dossier.facets, dossier.claims, bar)
    target = context.model_for("writer")
    update: dict[str, Any] = {}
    draft, method = offline, f"offline, built from the claims that bear on the question; {CHECKS}"
    if target is not None and usable:  # with no claim to cite, the Answer is that the literature is silent
        reviews = [r for r in state.get("reviews", []) if r.round == round_number]
        result = live_or_embedded(lambda: write_llm(target, dossier, reviews), lambda: offline)
        draft, update = result.value, result.bookkeeping("writer", round_number)
        method = (
            f"written by {target.label} (steps/answer/writer.md) from the dossier and the tribunal's reviews; "
            f"{CHECKS}; where every sentence it wrote for a facet or the bottom line failed, the offline Answer's "
            "sentences stand there"
        )
    checked = check_answer(draft, offline, dossier.facets, usable, support)
    if checked.filled:
        where = ", ".join("the bottom line" if f == BOTTOM_LINE else f for f in checked.filled)
        update["fallbacks"] = [
            *update.get("fallbacks", []),
            Fallback(
                role="writer",
                round=round_number,
                reason=f"it wrote no sentence that passed the checks for {where}; the offline Answer's sentences "
                "stand there",
            ),
        ]
    sentences = len(checked.bottom_line) + sum(len(a.sentences) for a in checked.facets)
    emit("answer_written", sentences=sentences, dropped=len(checked.dropped))
    return {
        **update,
        "bottom_line": checked.bottom_line,
        "answer": checked.facets,
        "answer_dropped": checked.dropped,
        "method": {"answer": method},
    }
