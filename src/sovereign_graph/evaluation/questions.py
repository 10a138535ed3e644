"""The labelled research questions (`evals/data/relevance/`): loading them, and running the pipeline's
first steps (plan -> search -> index) on one, node by node, to reach the sentences extraction reads."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from pydantic import BaseModel, Field

from sovereign_graph.runtime.context import Context
from sovereign_graph.state import Facet, FacetKind, merge_hits
from sovereign_graph.steps.index.node import index
from sovereign_graph.steps.plan.node import plan
from sovereign_graph.steps.search.node import fan_out_search, search
from sovereign_graph.text.prose import stems

Judgement = Literal["answers", "background", "off_topic"]


class GoldFacet(BaseModel):
    kind: FacetKind
    text: str


class LabelledQuestion(BaseModel):
    id: str
    question: str
    paper: str
    type: str
    names_benchmark: bool = False
    answerable: bool
    subject_answers: bool
    gold_facets: list[GoldFacet]
    evidence_papers: list[str] = Field(default_factory=list)
    split: Literal["tune", "test"] = "tune"
    note: str = ""


class SentenceJudgement(BaseModel):
    question: str = Field(description="the question's id")
    passage_id: str
    label: Judgement
    facets: list[int] = Field(default_factory=list, description="1-based indices of the gold facets it addresses")


def load_questions(path: Path) -> list[LabelledQuestion]:
    return [LabelledQuestion.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]


def load_judgements(path: Path) -> dict[tuple[str, str], SentenceJudgement]:
    rows = [SentenceJudgement.model_validate(json.loads(line)) for line in path.read_text().splitlines() if line]
    return {(j.question, j.passage_id): j for j in rows}


def indexed_state(paper: str, question: str, context: Context | None = None) -> dict[str, Any]:
    """The state after plan, the parallel searches and index: what the extract node receives."""
    runtime: Any = SimpleNamespace(context=context or Context())
    state: dict[str, Any] = {"paper": paper, "question": question}
    state.update(plan(state, runtime))  # type: ignore[arg-type]
    hits = state["hits"]
    for send in fan_out_search(state):  # type: ignore[arg-type]
        hits = merge_hits(hits, search(send.arg, runtime)["hits"])
    state["hits"] = hits
    state.update(index(state, runtime))  # type: ignore[arg-type]
    return state


def facet_match(predicted: str, gold: str) -> float:
    """Word overlap (Jaccard of content stems) of a predicted facet's phrase with a gold one."""
    a, b = stems(predicted), stems(gold)
    return len(a & b) / len(a | b) if a | b else 0.0


FACET_MATCH = 0.5


def facet_scores(predicted: list[Facet], gold: list[GoldFacet], typed: bool = True) -> tuple[int, int, int]:
    """(matched, predicted, gold): facets paired one to one, best overlap first; a pair counts when its phrases
    overlap by at least `FACET_MATCH` and, if `typed`, its kinds agree (an untyped 'topic' never does)."""
    pairs = sorted(
        (
            (facet_match(p.text, g.text), i, j)
            for i, p in enumerate(predicted)
            for j, g in enumerate(gold)
            if not typed or p.kind == g.kind
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    for overlap, i, j in pairs:
        if overlap < FACET_MATCH:
            break
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    return len(used_p), len(predicted), len(gold)
