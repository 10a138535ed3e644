"""How a labelled set of questions and candidate sentences is made by reading: split, batches for readers, merge.

    python evals/judging.py split   --drafts DIR --out DATA/questions.jsonl [--seed 13]
    python evals/judging.py batches --data DATA [--readers 8]
    python evals/judging.py merge   --data DATA

- split: the drafted questions (one JSONL file per writer, in DIR) checked (unique ids and subjects, subjects not
  used by the first set, each gold facet a substring of its question) and split into tune / test halves by a
  seeded shuffle within each stratum (answerable x subject_answers), as the first set was, before anything is
  judged or tuned.
- batches: after `relevance_candidates.py` wrote DATA/candidates.jsonl, one file per reader under DATA/judging/:
  whole questions, interleaved so that each reader has every kind of question and both halves, plus, first, one
  question of the next reader's (its second reading: the overlap on which agreement between readers is measured).
  `reader-N.txt` is what the reader reads; `reader-N.order.jsonl` the (question, passage id) order their
  judgements must follow.
- merge: each reader's `reader-N.judgements.jsonl` checked against its order file; the first reading of every
  candidate becomes DATA/judgements.jsonl (the schema of evals/data/relevance/judgements.jsonl), the second
  readings DATA/second_readings.jsonl; agreement on the overlap printed (share of identical labels and Cohen's
  kappa over the three labels, and for `answers` vs not). Candidates not yet judged are listed, never guessed.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

FIRST_SET = Path(__file__).resolve().parent / "data" / "relevance" / "questions.jsonl"
LABELS = ("answers", "background", "off_topic")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def split(drafts: Path, out: Path, seed: int) -> None:
    questions = [q for draft in sorted(drafts.glob("*.jsonl")) for q in _jsonl(draft)]
    ids = [q["id"] for q in questions]
    subjects = [q["paper"] for q in questions]
    used = {q["paper"] for q in _jsonl(FIRST_SET)}
    if len(set(ids)) != len(ids) or len(set(subjects)) != len(subjects) or used & set(subjects):
        raise SystemExit("ids and subjects must be unique, and no subject of the first set")
    for q in questions:
        for facet in q["gold_facets"]:
            if facet["text"].lower() not in q["question"].lower():
                raise SystemExit(f"{q['id']}: facet {facet['text']!r} is not in its question")
    strata: dict[tuple[bool, bool], list[dict[str, Any]]] = {}
    for q in questions:
        strata.setdefault((q["answerable"], q["subject_answers"]), []).append(q)
    rng = random.Random(seed)
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda q: q["id"])
        rng.shuffle(group)
        for i, q in enumerate(group):
            q["split"] = "tune" if i % 2 == 0 else "test"
    questions.sort(key=lambda q: int(q["id"][1:]))
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(out, questions)
    print(Counter((q["answerable"], q["subject_answers"], q["split"]) for q in questions))


def batches(data: Path, readers: int) -> None:
    questions = {q["id"]: q for q in _jsonl(data / "questions.jsonl")}
    by_question: dict[str, list[dict[str, Any]]] = {}
    for candidate in _jsonl(data / "candidates.jsonl"):
        by_question.setdefault(candidate["question"], []).append(candidate)
    order = sorted(by_question, key=lambda i: int(i[1:]))
    groups = [order[r::readers] for r in range(readers)]
    second = [groups[(r + 1) % readers][len(groups[(r + 1) % readers]) // 2] for r in range(readers)]
    out = data / "judging"
    out.mkdir(exist_ok=True)
    plan = {}
    for r in range(readers):
        name = f"reader-{r + 1}"
        mine = [second[r], *groups[r]]  # the second reading first: agreement is measured even if time runs out
        plan[name] = {"second_reading": second[r], "own": groups[r]}
        lines: list[str] = []
        expected = []
        for qid in mine:
            q, candidates = questions[qid], by_question[qid]
            subject_title = next((c["title"] for c in candidates if c["subject"]), "")
            facets = "; ".join(f"{i}. [{f['kind']}] {f['text']}" for i, f in enumerate(q["gold_facets"], 1))
            lines += [f"=== QUESTION {qid} ===", f"question: {q['question']}",
                      f"subject paper: {q['paper']} “{subject_title}”", f"gold facets: {facets}",
                      f"candidates ({len(candidates)}):"]  # fmt: skip
            for k, c in enumerate(candidates, 1):
                lines += [f"[{k}] {c['passage_id']} | {'SUBJECT' if c['subject'] else 'other paper'} | {c['title']}",
                          f"    {c['text']}"]  # fmt: skip
                expected.append({"question": qid, "passage_id": c["passage_id"]})
            lines.append("")
        (out / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        _write(out / f"{name}.order.jsonl", expected)
        print(f"{name}: {len(mine)} questions, {len(expected)} candidates")
    (out / "plan.json").write_text(json.dumps(plan, indent=1) + "\n", encoding="utf-8")
    print(f"second readings: {second}, {sum(len(by_question[q]) for q in second)} candidates")


def _checked(reader: str, order: list[dict[str, Any]], judged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reader's judgements that follow the order file line by line and are well formed (a prefix, if the reader
    ran out of time); anything else stops the merge with the reader and line named."""
    for i, (want, got) in enumerate(zip(order, judged, strict=False), 1):
        if (got.get("question"), got.get("passage_id")) != (want["question"], want["passage_id"]):
            raise SystemExit(f"{reader} line {i}: {got.get('question')} {got.get('passage_id')}, expected {want}")
        if got.get("label") not in LABELS or (got["label"] != "answers" and got.get("facets")):
            raise SystemExit(f"{reader} line {i}: bad label or facets: {got}")
    if len(judged) > len(order):
        raise SystemExit(f"{reader}: {len(judged)} lines for {len(order)} candidates")
    return [
        {"question": j["question"], "passage_id": j["passage_id"], "label": j["label"], "facets": j.get("facets", [])}
        for j in judged
    ]


def merge(data: Path) -> None:
    judging = data / "judging"
    plan = json.loads((judging / "plan.json").read_text(encoding="utf-8"))
    first: dict[tuple[str, str], dict[str, Any]] = {}
    second: dict[tuple[str, str], dict[str, Any]] = {}
    for reader, parts in plan.items():
        path = judging / f"{reader}.judgements.jsonl"
        judged = _checked(reader, _jsonl(judging / f"{reader}.order.jsonl"), _jsonl(path) if path.exists() else [])
        for j in judged:
            key = (j["question"], j["passage_id"])
            (second if j["question"] == parts["second_reading"] else first)[key] = j
    candidates = _jsonl(data / "candidates.jsonl")
    judgements = [first[key] for c in candidates if (key := (c["question"], c["passage_id"])) in first]
    _write(data / "judgements.jsonl", judgements)
    seconds = [second[k] for c in candidates if (k := (c["question"], c["passage_id"])) in second]
    _write(data / "second_readings.jsonl", seconds)
    missing = [c for c in candidates if (c["question"], c["passage_id"]) not in first]
    print(f"{len(judgements)} of {len(candidates)} candidates judged; labels {Counter(j['label'] for j in judgements)}")
    if missing:
        print(f"not yet judged: {len(missing)} candidates of questions {sorted({c['question'] for c in missing})}")
    both = [(first[k]["label"], second[k]["label"]) for k in second if k in first]
    if both:
        a, b = zip(*both, strict=True)
        same = sum(x == y for x, y in both) / len(both)
        kappa = cohen_kappa_score(a, b, labels=list(LABELS))
        binary = cohen_kappa_score([x == "answers" for x in a], [y == "answers" for y in b])
        print(f"agreement on {len(both)} candidates read twice: {same:.3f} identical labels; Cohen's kappa "
              f"{kappa:.3f} (three labels), {binary:.3f} (answers vs not)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("split", "batches", "merge"))
    parser.add_argument("--drafts", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--readers", type=int, default=8)
    args = parser.parse_args()
    if args.step == "split":
        split(args.drafts, args.out, args.seed)
    elif args.step == "batches":
        batches(args.data, args.readers)
    else:
        merge(args.data)


if __name__ == "__main__":
    main()
