"""The embedded reader against the lexical engines, side by side in one run, on parts nothing was tuned on.

    python3 evals/reader_bench.py --out evals/results/reader_bench.txt [--sets relevance,relevance_more]

For each labelled set's TEST half (`evals/data/relevance/`: the issue-13 questions; `evals/data/relevance_more/`:
issue 28's), and each relevance engine (`lexical`: the shipped lexical model; `neural`: the shipped model that
stacks the reader's score on the same features):
- candidates: AUC of each engine's probability over the judged candidates, and of the reader's score alone;
  recall of gold "answers" candidates at the engine's threshold; candidate-level claim precision;
- full runs to the owner's pause (embedded default otherwise; the neural relevance runs with the neural verifier
  when its model is shipped): claim precision over judged claims, subject-paper claims when the subject's
  abstract answers, unanswerable questions with zero claims and REJECT.
Nothing is trained or written here: the models are the shipped ones.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance_bench import judged_pool
from sovereign_graph import Context, build_graph
from sovereign_graph.app.checkpoints import state_serializer
from sovereign_graph.evaluation.questions import LabelledQuestion, load_judgements, load_questions
from sovereign_graph.ml.reader.runtime import WEIGHTS_FILE, load_reader
from sovereign_graph.steps.extract.relevance.features import FEATURES
from sovereign_graph.steps.extract.relevance.model import load_relevance_model, model_path
from sovereign_graph.steps.verify.model import MODEL_FILES
from sovereign_graph.training.relevance import claims_at

HERE = Path(__file__).resolve().parent
ENGINES = ("lexical", "neural")


def verifier_for(engine: str) -> str:
    shipped = (HERE.parent / "src" / "sovereign_graph" / "steps" / "verify" / MODEL_FILES["neural"]).exists()
    return "neural" if engine == "neural" and shipped else "trained"


def run_to_pause(question: LabelledQuestion, engine: str) -> dict[str, Any]:
    from langgraph.checkpoint.memory import InMemorySaver

    graph = build_graph(checkpointer=InMemorySaver(serde=state_serializer()))
    config: Any = {"configurable": {"thread_id": question.id}}
    context = Context(relevance=engine, verifier=verifier_for(engine))
    graph.invoke({"paper": question.paper, "question": question.question}, config, context=context)
    return dict(graph.get_state(config).values)


def auc(labels: list[bool], scores: list[float]) -> str:
    return f"{roc_auc_score(labels, scores):.3f}" if 0 < sum(labels) < len(labels) else "—"


def measure(name: str, console: Console) -> Table:
    folder = HERE / "data" / name
    questions = [q for q in load_questions(folder / "questions.jsonl") if q.split == "test"]
    judgements = load_judgements(folder / "judgements.jsonl")
    table = Table("figure", *ENGINES, "target", title=f"{name}: test half ({len(questions)} questions)")
    rows: dict[str, list[str]] = {}
    started = time.perf_counter()
    all_gold = 0  # judged answers among the lexical candidate cut: the reader reads a subset of it
    for engine in ENGINES:
        model = load_relevance_model(engine)
        pool = judged_pool(questions, judgements, engine)  # type: ignore[arg-type]
        probabilities = model.probabilities([r.features for r in pool.rows])
        labels = [r.relevant for r in pool.rows]
        gold = [i for i, r in enumerate(pool.rows) if r.relevant]
        cleared = [i for i in gold if probabilities[i] >= model.threshold]
        all_gold = all_gold or len(gold)
        kept = claims_at(pool.rows, probabilities, model.threshold, subject_threshold=model.subject_threshold)
        rows.setdefault("judged candidates (answers)", []).append(f"{len(pool.rows)} ({len(gold)})")
        rows.setdefault("AUC of the engine's probability (its own candidates)", []).append(auc(labels, probabilities))
        if engine == "neural":
            neural = [r.features[len(FEATURES)] for r in pool.rows]
            rows.setdefault("AUC of the reader's score alone (the neural candidates)", []).extend(
                ["—", auc(labels, neural)]
            )
        rows.setdefault("threshold (subject paper's best)", []).append(
            f"{model.threshold:g} ({model.subject_threshold:g})"
        )
        rows.setdefault("recall of gold answers at the threshold", []).append(
            f"{len(cleared) / all_gold if all_gold else 0:.3f} ({len(cleared)}/{all_gold})"
        )
        precision = sum(pool.rows[i].relevant for i in kept) / len(kept) if kept else 1.0
        rows.setdefault("candidate-level claim precision", []).append(f"{precision:.3f} ({len(kept)} claims)")
        judged = answers = unjudged = subject_ok = subject_total = unanswerable_ok = unanswerable_total = 0
        for q in questions:
            state = run_to_pause(q, engine)
            claims = state.get("claims", [])
            found = [judgements.get((q.id, c.passage_id)) for c in claims]
            judged += sum(j is not None for j in found)
            answers += sum(j is not None and j.label == "answers" for j in found)
            unjudged += sum(j is None for j in found)
            if q.subject_answers:
                subject_total += 1
                subject_ok += any(c.from_subject for c in claims)
            if not q.answerable:
                unanswerable_total += 1
                unanswerable_ok += not claims and state.get("recommendation") == "REJECT"
        rows.setdefault("full runs: claim precision (answers / judged claims)", []).append(
            f"{answers / judged if judged else 1.0:.3f} ({answers}/{judged}; {unjudged} unjudged)"
        )
        rows.setdefault("full runs: claims per question", []).append(f"{(judged + unjudged) / len(questions):.2f}")
        rows.setdefault("full runs: subject-paper claim when its abstract answers", []).append(
            f"{subject_ok}/{subject_total}"
        )
        rows.setdefault("full runs: unanswerable with zero claims and REJECT", []).append(
            f"{unanswerable_ok}/{unanswerable_total}"
        )
    targets = {
        "full runs: claim precision (answers / judged claims)": ">= 0.90",
        "recall of gold answers at the threshold": ">= 0.45",
        "full runs: subject-paper claim when its abstract answers": ">= 12/13 (issue-13 set)",
        "full runs: unanswerable with zero claims and REJECT": "all",
    }
    for figure, values in rows.items():
        table.add_row(figure, *values, targets.get(figure, ""))
    console.print(f"{name}: measured in {time.perf_counter() - started:.0f} s")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="relevance,relevance_more")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=150)
    reader = load_reader()
    console.print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}; reader: "
        f"{reader.manifest.base_model}, weights sha256 {reader.manifest.files[WEIGHTS_FILE][:12]}; relevance "
        f"models: {model_path('lexical').name}, {model_path('neural').name}; verifier with neural relevance: "
        f"{verifier_for('neural')}"
    )
    for name in args.sets.split(","):
        console.print(measure(name.strip(), console))
    if args.out:
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
