"""Relevance of claims to the question, on the labelled questions (`evals/data/relevance/`).

    python evals/relevance_bench.py --out evals/results/relevance_bench.txt [--no-write]

1. Features of every judged candidate (the pipeline's own plan -> search -> index -> candidate cut, round 0).
2. The relevance model is trained on the TUNING half only; its threshold is chosen there by grouped 5-fold
   cross-validation (`training/relevance.py`); the model is written to the package
   (`steps/extract/relevance/relevance_model.json`, unless --no-write) with the figures below in its `info`.
3. Figures on the TEST half, which nothing was tuned on:
   - candidates: how many gold "answers" sentences the candidate cut kept, and how many of them clear the
     threshold (recall);
   - full runs to the owner's pause (embedded default, one automatic revision round): claim precision (share
     of claims judged "answers"; claims on sentences never judged are counted apart), questions whose subject
     abstract answers them that get a subject-paper claim, unanswerable questions with zero claims and REJECT;
   - facet F1 against the gold facets (typed: kinds must agree; untyped: phrases only), and how often the
     parser fell back to untyped key phrases.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from rich.console import Console
from rich.table import Table

from sovereign_graph import Context, build_graph
from sovereign_graph.app.checkpoints import state_serializer
from sovereign_graph.evaluation.questions import (
    LabelledQuestion,
    SentenceJudgement,
    facet_scores,
    indexed_state,
    load_judgements,
    load_questions,
)
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.steps.extract.relevance.features import (
    QuestionView,
    feature_rows,
    neural_cut,
    neural_rows,
    paper_texts,
    select_candidates,
)
from sovereign_graph.steps.extract.relevance.model import (
    MODEL_FILES,
    RelevanceEngine,
    RelevanceModel,
    load_relevance_model,
    model_path,
)
from sovereign_graph.steps.plan.facets.coverage import addresses_outcome, addresses_subject, claim_coverage
from sovereign_graph.steps.plan.facets.grammar import split_facets
from sovereign_graph.steps.plan.rules import method_name
from sovereign_graph.training.relevance import JudgedCandidate, claims_at, out_of_fold, train

DATA = Path(__file__).resolve().parent / "data" / "relevance"


@dataclass
class Pool:
    rows: list[JudgedCandidate]
    unjudged: int
    gold_in_pool: int


def judged_pool(
    questions: list[LabelledQuestion],
    judgements: dict[tuple[str, str], SentenceJudgement],
    engine: RelevanceEngine = "lexical",
) -> Pool:
    rows: list[JudgedCandidate] = []
    unjudged = 0
    for q in questions:
        state = indexed_state(q.paper, q.question)
        view = QuestionView.of(state["question"], state["facets"], state["subject"].id)
        candidates = select_candidates(state["passages"], view)
        titles = {h.paper.id: h.paper.title for h in state["hits"]}
        texts = paper_texts(state["passages"])
        features = feature_rows(candidates, view, texts, titles)
        if engine == "neural":  # as extraction reads them: the reader's cut of the lexical model's first
            kept = neural_cut(load_relevance_model("lexical").probabilities(features))
            candidates, features = [candidates[i] for i in kept], [features[i] for i in kept]
            features = [a + b for a, b in zip(features, neural_rows(candidates, view, titles)[0], strict=True)]
        for passage, row in zip(candidates, features, strict=True):
            judged = judgements.get((q.id, passage.id))
            if judged is None:
                unjudged += 1
                continue
            paper = f"{titles.get(passage.paper_id, '')} {texts.get(passage.paper_id, '')}"
            eligible = addresses_outcome(state["facets"], claim_coverage(state["facets"], passage.text)) and (
                passage.paper_id == state["subject"].id or addresses_subject(state["facets"], paper)
            )
            subject = passage.paper_id == state["subject"].id
            rows.append(
                JudgedCandidate(q.id, passage.id, passage.paper_id, row, judged.label == "answers", eligible, subject)
            )
    gold = sum(j.label == "answers" for (qid, _), j in judgements.items() if qid in {q.id for q in questions})
    return Pool(rows, unjudged, gold)


def run_to_pause(question: LabelledQuestion, engine: RelevanceEngine = "lexical") -> dict[str, Any]:
    graph = build_graph(checkpointer=InMemorySaver(serde=state_serializer()))
    config: Any = {"configurable": {"thread_id": question.id}}
    graph.invoke({"paper": question.paper, "question": question.question}, config, context=Context(relevance=engine))
    return dict(graph.get_state(config).values)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--judgements", type=Path, default=DATA / "judgements.jsonl")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-write", action="store_true", help="do not write the shipped model")
    parser.add_argument(
        "--engine",
        choices=tuple(MODEL_FILES),
        default="lexical",
        help="lexical: the lexical features; neural: the embedded reader's score stacked on them",
    )
    parser.add_argument(
        "--shipped",
        action="store_true",
        help="measure the shipped model on these questions' test half, as it is: no training, nothing written "
        "(e.g. on evals/data/relevance_more/, which it never saw)",
    )
    args = parser.parse_args()
    console = Console(record=True, width=150)
    questions = load_questions(args.questions)
    judgements = load_judgements(args.judgements)
    tune = [q for q in questions if q.split == "tune"]
    test = [q for q in questions if q.split == "test"]
    console.print(
        f"machine: {platform.platform()}, python {platform.python_version()}; {len(questions)} questions "
        f"({len(tune)} tune / {len(test)} test), {len(judgements)} judged sentences; questions sha "
        f"{sha256(args.questions)}, judgements sha {sha256(args.judgements)}"
    )

    info: dict[str, Any] = {}
    if args.shipped:
        model = load_relevance_model(args.engine)
        console.print(
            f"the shipped model, as it is ({model.info.get('trained_on', '?')}); threshold {model.threshold:g}, "
            f"subject paper's best {model.subject_threshold:g}"
        )
    else:
        started = time.perf_counter()
        tune_pool = judged_pool(tune, judgements, args.engine)
        oof = out_of_fold(tune_pool.rows)
        info.update(
            trained_on=f"{len(tune)} tuning questions, {len(tune_pool.rows)} judged candidates ({args.engine})",
            questions_sha=sha256(args.questions),
            judgements_sha=sha256(args.judgements),
        )
        model = train(tune_pool.rows, info)
        kept = claims_at(tune_pool.rows, oof, model.threshold, subject_threshold=model.subject_threshold)
        cv_precision = sum(tune_pool.rows[i].relevant for i in kept) / len(kept) if kept else 1.0
        info["cv"] = {"claim_precision": round(cv_precision, 4), "claims": len(kept)}
        console.print(
            f"tune: {len(tune_pool.rows)} judged candidates ({sum(r.relevant for r in tune_pool.rows)} answer), "
            f"{tune_pool.unjudged} unjudged; threshold {model.threshold:g}, subject paper's best "
            f"{model.subject_threshold:g} (CV claim precision {cv_precision:.3f} on "
            f"{len(kept)} claims); trained in {time.perf_counter() - started:.1f} s"
        )

    test_pool = judged_pool(test, judgements, args.engine)
    probabilities = model.probabilities([r.features for r in test_pool.rows])
    gold = [i for i, r in enumerate(test_pool.rows) if r.relevant]
    cleared = [i for i in gold if probabilities[i] >= model.threshold]
    test_claims = claims_at(test_pool.rows, probabilities, model.threshold, subject_threshold=model.subject_threshold)
    test_claim_precision = sum(test_pool.rows[i].relevant for i in test_claims) / len(test_claims) if test_claims else 1
    info["test"] = {"candidate_claim_precision": round(test_claim_precision, 4)}
    if not args.no_write and not args.shipped:
        model = RelevanceModel(model.linear, model.threshold, model.subject_threshold, info)
        model_path(args.engine).write_text(model.to_json(), encoding="utf-8")
        load_relevance_model.cache_clear()

    runs = Table(title="Test half: full runs to the owner's pause (embedded default, max revisions 1)")
    for column in ("question", "kind", "claims", "judged answers", "unjudged", "subject claim", "recommendation"):
        runs.add_column(column)
    judged_claims = answer_claims = unjudged_claims = 0
    subject_ok = subject_total = unanswerable_ok = unanswerable_total = judged_subject_ok = judged_subject_total = 0
    for q in test:
        state = run_to_pause(q, args.engine)
        claims = state.get("claims", [])
        labels = [judgements.get((q.id, c.passage_id)) for c in claims]
        answers = sum(j is not None and j.label == "answers" for j in labels)
        missing = sum(j is None for j in labels)
        judged_claims += len(claims) - missing
        answer_claims += answers
        unjudged_claims += missing
        has_subject = any(c.from_subject for c in claims)
        if q.subject_answers:
            subject_total += 1
            subject_ok += has_subject
        # The same, by the judgements: a sentence of the subject paper was judged to answer the question.
        if any(
            j.question == q.id and j.label == "answers" and j.passage_id.split("#")[0] == q.paper
            for j in judgements.values()
        ):
            judged_subject_total += 1
            judged_subject_ok += has_subject
        if not q.answerable:
            unanswerable_total += 1
            unanswerable_ok += not claims and state.get("recommendation") == "REJECT"
        kind = "unanswerable" if not q.answerable else "subject answers" if q.subject_answers else "others answer"
        runs.add_row(
            q.id,
            kind,
            str(len(claims)),
            str(answers),
            str(missing),
            "yes" if has_subject else "no",
            str(state.get("recommendation")),
        )
    console.print(runs)

    facet = {True: [0, 0, 0], False: [0, 0, 0]}
    fallbacks = 0
    snapshot = bundled_snapshot()
    for q in test:
        subject = snapshot.get(q.paper)
        facets = split_facets(q.question, subject_names=(method_name(subject),) if subject else ())
        fallbacks += all(f.kind == "topic" for f in facets)
        for typed in (True, False):
            for i, n in enumerate(facet_scores(facets, q.gold_facets, typed)):
                facet[typed][i] += n

    def f1(matched: int, predicted: int, gold_count: int) -> str:
        p, r = matched / predicted if predicted else 0.0, matched / gold_count if gold_count else 0.0
        return f"{2 * p * r / (p + r) if p + r else 0.0:.3f} (P {p:.3f} / R {r:.3f})"

    precision = answer_claims / judged_claims if judged_claims else 1.0
    info["test"] |= {
        "claim_precision": round(precision, 4),
        "judged_claims": judged_claims,
        "subject_claim": f"{subject_ok}/{subject_total}",
        "unanswerable_rejected": f"{unanswerable_ok}/{unanswerable_total}",
    }
    if not args.no_write and not args.shipped:  # the same weights, now with the full-run figures in their info
        final = RelevanceModel(model.linear, model.threshold, model.subject_threshold, info)
        model_path(args.engine).write_text(final.to_json(), encoding="utf-8")
    figures = Table(title="Test half: figures (targets from issue 13)")
    for column in ("figure", "value", "target"):
        figures.add_column(column)
    figures.add_row(
        "claim precision (judged 'answers' / judged claims)",
        f"{precision:.3f} ({answer_claims}/{judged_claims}; {unjudged_claims} claims on unjudged sentences)",
        ">= 0.90",
    )
    figures.add_row(
        "candidate-level claim precision (round 0, top 8 per question above threshold)",
        f"{test_claim_precision:.3f} ({len(test_claims)} claims)",
        "",
    )
    figures.add_row(
        "gold 'answers' sentences kept by the candidate cut",
        f"{len(gold)} of {test_pool.gold_in_pool} judged (of those judged in the pool)",
        "",
    )
    figures.add_row(
        "recall of gold 'answers' candidates above the threshold",
        f"{len(cleared) / len(gold) if gold else 0.0:.3f} ({len(cleared)}/{len(gold)})",
        "",
    )
    figures.add_row("subject-paper claim when its abstract answers", f"{subject_ok}/{subject_total}", ">= 90%")
    figures.add_row(
        "subject-paper claim when a subject sentence was judged to answer",
        f"{judged_subject_ok}/{judged_subject_total}",
        "",
    )
    figures.add_row("unanswerable: zero claims and REJECT", f"{unanswerable_ok}/{unanswerable_total}", "100%")
    figures.add_row("facet F1, typed", f1(*facet[True]), "")
    figures.add_row("facet F1, untyped (phrases only)", f1(*facet[False]), "")
    figures.add_row("questions parsed only into key phrases (fallback)", f"{fallbacks}/{len(test)}", "rare")
    console.print(figures)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        console.save_text(str(args.out))


if __name__ == "__main__":
    main()
