"""Stance on data nobody here tuned on, through the user-facing command (`sovereign eval stance --pairs FILE`).

    python evals/stance_bench.py [--shared ../shared/data/training] --out evals/results/stance_bench.txt

Each set is written as a pairs file (claim, evidence, label SUPPORT / CONTRADICT / NOT_ENOUGH_INFO) in a temporary
directory and measured with each engine:
- ours: the test half of `evals/data/stance/` (NEITHER read as NOT_ENOUGH_INFO), less the pairs whose claim also
  stands in the tuning half (a finding can stand under two questions, one in each half; the reader trained on the
  tuning half);
- ours, constructed: for each finding of that test half, a faithful paraphrase (SUPPORT) and a reversal
  (CONTRADICT) written by reading (`evals/data/stance_reversals/`), each as the claim against the finding as the
  evidence: how often an engine takes a reversed restatement of its own evidence for support;
- Check-COVID test (composed and extracted claims, 229): the evidence is the claim's evidence sentences of its
  CORD-19 abstract, joined; REFUTE read as CONTRADICT, NOTENOUGHINFO as NOT_ENOUGH_INFO;
- COVID-Fact dev (RTE form, 420; measure only): sentence1 is the evidence, Sentence2 the claim; not_entailment
  (its refutations are word swaps) read as CONTRADICT;
- FEVER dev (RTE form, 13,332; a seeded sample of 2,000 by default; measure only): input0 the evidence, input1
  the claim; not_entailment (refuted or not enough info, not told apart) read as NOT_ENOUGH_INFO, so a
  CONTRADICT there counts as wrong; the "SUPPORT vs rest" column is the fair figure for this set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from in_process import sovereign

HERE = Path(__file__).resolve().parent
NEI = "NOT_ENOUGH_INFO"


def trained_findings() -> set[str]:
    """Claims and findings of the tuning parts, which the embedded reader trained on: a finding can stand under two
    questions, one in each part, so the test parts measured here leave out the ones that also stand in tune."""
    pairs = (HERE / "data" / "stance" / "pairs.jsonl").read_text().splitlines()
    seen = {p["claim"]["text"] for p in map(json.loads, pairs) if p["split"] == "tune"}
    path = HERE / "data" / "stance_reversals" / "constructed.jsonl"
    for row in map(json.loads, path.read_text(encoding="utf-8").splitlines() if path.exists() else []):
        if row["split"] == "tune":
            seen |= {row["finding"], row["paraphrase"], row["reversal"]}
    return seen


def ours() -> Iterator[dict[str, str]]:
    pairs = {p["id"]: p for p in map(json.loads, (HERE / "data" / "stance" / "pairs.jsonl").read_text().splitlines())}
    seen = trained_findings()
    for line in (HERE / "data" / "stance" / "judgements.jsonl").read_text().splitlines():
        judged = json.loads(line)
        pair = pairs[judged["id"]]
        if pair["split"] == "test" and pair["claim"]["text"] not in seen:
            label = NEI if judged["label"] == "NEITHER" else judged["label"]
            yield {"claim": pair["claim"]["text"], "evidence": pair["evidence"]["text"], "label": label}


def constructed() -> Iterator[dict[str, str]]:
    path = HERE / "data" / "stance_reversals" / "constructed.jsonl"
    seen = trained_findings()
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        row = json.loads(line)
        if row["split"] == "test" and row["finding"] not in seen:
            yield {"claim": row["paraphrase"], "evidence": row["finding"], "label": "SUPPORT"}
            yield {"claim": row["reversal"], "evidence": row["finding"], "label": "CONTRADICT"}


def check_covid(root: Path) -> Iterator[dict[str, str]]:
    corpus = {}
    for line in (root / "check-covid" / "corpus.json").read_text().splitlines():
        if line.strip():
            doc = json.loads(line)
            corpus[doc["cord_id"]] = doc["abstract"]
    labels = {"SUPPORT": "SUPPORT", "REFUTE": "CONTRADICT", "NOTENOUGHINFO": NEI}
    for name in ("covidCheck_test_composed.json", "covidCheck_test_extracted.json"):
        for line in (root / "check-covid" / name).read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                sentences = corpus[row["cord_id"]]
                evidence = " ".join(sentences[e["sent_index"]] for e in row["evidence_set"])
                yield {"claim": row["claim"], "evidence": evidence, "label": labels[row["label"]]}


def covidfact(root: Path) -> Iterator[dict[str, str]]:
    lines = (root / "covidfact" / "dev.tsv").read_text().splitlines()[1:]
    for line in lines:
        _, evidence, claim, label = line.split("\t")
        yield {"claim": claim, "evidence": evidence, "label": "SUPPORT" if label == "entailment" else "CONTRADICT"}


def fever(root: Path, sample: int) -> Iterator[dict[str, str]]:
    """A seeded sample of `sample` pairs (0: all 13,332): the embedded reader reads ~15-30 pairs a second on two
    cores, and every engine is measured on the same sample."""
    folder = root / "fever-rte-dev"
    evidence = (folder / "dev.raw.input0").read_text().splitlines()
    claims = (folder / "dev.raw.input1").read_text().splitlines()
    labels = (folder / "dev.label").read_text().splitlines()
    rows = list(zip(evidence, claims, labels, strict=True))
    if sample:
        rows = random.Random(0).sample(rows, min(sample, len(rows)))
    for e, c, label in rows:
        yield {"claim": c, "evidence": e, "label": "SUPPORT" if label == "entailment" else NEI}


def support_vs_rest(figures: dict[str, Any]) -> float:
    matrix = figures["confusion"]["matrix"]  # rows gold, columns predicted: SUPPORT first
    total = sum(map(sum, matrix))
    right = matrix[0][0] + sum(matrix[i][j] for i in (1, 2) for j in (1, 2))
    return right / total if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data" / "training")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--fever-sample", type=int, default=2000, help="FEVER dev pairs measured (0: all)")
    args = parser.parse_args()
    console = Console(record=True, width=140)
    console.print(f"machine: {platform.platform()}, {os.cpu_count()} cpus, python {platform.python_version()}")
    table = Table("set", "pairs", "labels (S/C/N)", "engine", "accuracy", "macro-F1", "F1 S / C / N", "SUPPORT vs rest")
    sets = {
        "ours (stance test half, unseen findings)": ours(),
        "ours, constructed (test half, unseen findings)": constructed(),
        "Check-COVID test": check_covid(args.shared),
        "COVID-Fact dev": covidfact(args.shared),
        f"FEVER dev (binary{f', {args.fever_sample:,} sampled' if args.fever_sample else ''})": fever(
            args.shared, args.fever_sample
        ),
    }
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="stance-") as tmp:
        os.environ["SOVEREIGN_HOME"] = str(Path(tmp) / "home")
        for n, (name, rows) in enumerate(sets.items()):
            path = Path(tmp) / f"set-{n}.jsonl"
            written = list(rows)
            path.write_text("".join(json.dumps(r) + "\n" for r in written), encoding="utf-8")
            counts = "/".join(str(sum(r["label"] == x for r in written)) for x in ("SUPPORT", "CONTRADICT", NEI))
            for engine in ("tfidf", "trained", "neural"):
                figures = json.loads(sovereign("eval", "stance", "--pairs", str(path), "--verifier", engine, "--json"))
                f1 = " / ".join(f"{figures['per_label'][x]['f1']:.2f}" for x in ("SUPPORT", "CONTRADICT", NEI))
                table.add_row(name, f"{figures['pairs']:,}", counts, engine, f"{figures['accuracy']:.3f}",
                              f"{figures['macro_f1']:.3f}", f1, f"{support_vs_rest(figures):.3f}")  # fmt: skip
                if name.startswith("ours, constructed"):
                    reversed_row = figures["confusion"]["matrix"][1]
                    notes.append(f"{engine}: {reversed_row[0]} of {sum(reversed_row)} reversals taken for SUPPORT")
    console.print(table)
    console.print("macro-F1 over the labels each set holds; tfidf (the seed) cannot predict CONTRADICT")
    for note in notes:
        console.print(f"constructed test half, {note}")
    if args.out:
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
