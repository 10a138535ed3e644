"""Does the tribunal bite? Its score on three dossiers per labelled test question.

    python evals/tribunal_bench.py --out evals/results/tribunal_bench.txt [--split test]

For each question of the split with at least one sentence judged "answers" (`evals/data/relevance/`):
- good: the judged "answers" sentences of its own candidate pool (at most 8, 3 per paper) as claims;
- off-topic: the judged "answers" sentences of the next such question on another subject paper, put in this
  question's dossier (their relevance and facet coverage recomputed against this question, as extraction
  would compute them);
- empty: no claims.
Each dossier is verified by the trained verifier and scored by the three offline rubrics; the aggregate is
their mean. Targets (issue 13): every off-topic and empty dossier below 4.0 (REJECT), and good > off-topic >
empty for at least 95% of the questions.
"""

from __future__ import annotations

import argparse
import platform
import statistics
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from rich.console import Console
from rich.table import Table

from sovereign_graph.evaluation.questions import LabelledQuestion, indexed_state, load_judgements, load_questions
from sovereign_graph.runtime.context import Context
from sovereign_graph.scoring import aggregate
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Claim, Passage
from sovereign_graph.steps.extract.relevance.features import QuestionView, feature_rows, paper_texts
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.index.node import paper_relevance
from sovereign_graph.steps.plan.facets.coverage import claim_coverage
from sovereign_graph.steps.review.rubrics import RUBRICS, Dossier
from sovereign_graph.steps.verify.node import verify

DATA = Path(__file__).resolve().parent / "data" / "relevance"
RUNTIME: Any = SimpleNamespace(context=Context())


def as_claims(passages: list[Passage]) -> list[Claim]:
    per_paper: dict[str, int] = {}
    claims: list[Claim] = []
    for p in passages:
        if len(claims) == 8 or per_paper.get(p.paper_id, 0) == 3:
            continue
        per_paper[p.paper_id] = per_paper.get(p.paper_id, 0) + 1
        claims.append(Claim(id=f"C{len(claims) + 1}", text=p.text, quote=p.text, paper_id=p.paper_id, passage_id=p.id))
    return claims


def dossier_score(state: dict[str, Any], claims: list[Claim], extra: list[Passage]) -> tuple[float, int, int]:
    """(aggregate, on-topic claims, verified claims) of `claims` put in this question's dossier."""
    dossier = scored_dossier(state, claims, extra)
    reviews = [rubric(dossier) for rubric in RUBRICS.values()]
    on_topic = sum(dossier.on_topic(c) for c in dossier.claims)
    return aggregate(reviews), on_topic, sum(c.verified for c in dossier.claims)


def scored_dossier(state: dict[str, Any], claims: list[Claim], extra: list[Passage]) -> Dossier:
    """`claims` put in this question's dossier: related to it, verified, as a run would hand them to the tribunal."""
    model = load_relevance_model()
    embeddings = Context().embedder()
    question, facets, subject = state["question"], state["facets"], state["subject"]
    snapshot = bundled_snapshot()
    # Sentences brought from another question's pool are related to *this* question afresh.
    known = {p.id for p in state["passages"]}
    foreign = [p for p in extra if p.id not in known]
    if foreign:
        sentences = embeddings.embed_documents([p.text for p in foreign])
        query = embeddings.embed_query(question)
        papers = paper_relevance(embeddings, question, [snapshot.get(p.paper_id) for p in foreign])  # type: ignore[misc]
        foreign = [
            p.model_copy(
                update={
                    "relevance": round(sum(a * b for a, b in zip(v, query, strict=True)), 4),
                    "paper_relevance": papers[p.paper_id],
                }
            )
            for p, v in zip(foreign, sentences, strict=True)
        ]
    passages = state["passages"] + foreign
    by_id = {p.id: p for p in passages}
    view = QuestionView.of(question, facets, subject.id)
    titles = {h.paper.id: h.paper.title for h in state["hits"]}
    titles |= {p.paper_id: getattr(snapshot.get(p.paper_id), "title", "") for p in foreign}
    rows = feature_rows([by_id[c.passage_id] for c in claims], view, paper_texts(passages), titles)
    scored = []
    for claim, probability in zip(claims, model.probabilities(rows), strict=True):
        coverage = claim_coverage(facets, claim.quote)
        scored.append(
            claim.model_copy(
                update={
                    "relevance": round(probability, 4),
                    "coverage": coverage,
                    "facets": sorted(coverage, key=lambda fid: int(fid[1:])),
                    "from_subject": claim.paper_id == subject.id,
                }
            )
        )
    verified = verify({**state, "claims": scored, "passages": passages}, RUNTIME)["claims"] if scored else []  # type: ignore[typeddict-item]
    return Dossier(question, facets, verified, passages, 0, model.bar)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="test", choices=("tune", "test"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=140)
    judgements = load_judgements(DATA / "judgements.jsonl")
    questions = [q for q in load_questions(DATA / "questions.jsonl") if q.split == args.split]
    states = {q.id: indexed_state(q.paper, q.question) for q in questions}

    def gold_passages(q: LabelledQuestion) -> list[Passage]:
        return [p for p in states[q.id]["passages"] if (j := judgements.get((q.id, p.id))) and j.label == "answers"]

    usable = [q for q in questions if gold_passages(q)]
    console.print(
        f"machine: {platform.platform()}, python {platform.python_version()}; split {args.split}: "
        f"{len(usable)} of {len(questions)} questions have judged 'answers' sentences; threshold "
        f"{load_relevance_model().threshold:g}"
    )
    table = Table(title=f"Tribunal aggregate per dossier ({args.split} half)")
    for column in ("question", "good (on-topic/verified)", "off-topic (donor)", "empty", "ordered"):
        table.add_column(column)
    scores: dict[str, list[float]] = {"good": [], "off-topic": [], "empty": []}
    ordered = 0
    for i, q in enumerate(usable):
        donor = next(d for d in usable[i + 1 :] + usable[:i] if d.paper != q.paper)
        good, good_on, good_verified = dossier_score(states[q.id], as_claims(gold_passages(q)), [])
        off_passages = gold_passages(donor)
        off, off_on, _ = dossier_score(states[q.id], as_claims(off_passages), off_passages)
        empty, _, _ = dossier_score(states[q.id], [], [])
        scores["good"].append(good)
        scores["off-topic"].append(off)
        scores["empty"].append(empty)
        ordered += good > off > empty
        table.add_row(
            q.id,
            f"{good:.1f} ({good_on}/{good_verified})",
            f"{off:.1f} ({donor.id}, {off_on} on topic)",
            f"{empty:.1f}",
            "yes" if good > off > empty else "NO",
        )
    console.print(table)
    summary = Table(title="Score distribution per dossier kind")
    for column in ("kind", "n", "min", "median", "max", "below 4.0"):
        summary.add_column(column)
    for kind, values in scores.items():
        summary.add_row(
            kind,
            str(len(values)),
            f"{min(values):.1f}",
            f"{statistics.median(values):.1f}",
            f"{max(values):.1f}",
            f"{sum(v < 4.0 for v in values)}/{len(values)}",
        )
    console.print(summary)
    console.print(
        f"ordering good > off-topic > empty: {ordered}/{len(usable)} = {ordered / len(usable):.0%} (target >= 95%); "
        f"off-topic and empty below 4.0: {sum(v < 4 for v in scores['off-topic'] + scores['empty'])}/"
        f"{2 * len(usable)} (target all)"
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))


if __name__ == "__main__":
    main()
