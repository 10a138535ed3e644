"""Claim-evidence pairs on our own papers, for stance judgements made by reading (issue 28).

    python evals/stance_pairs.py pairs [--per-claim 3]
    python evals/stance_pairs.py batches [--readers 8]
    python evals/stance_pairs.py merge
    python evals/stance_pairs.py reversals

A claim is a finding from one abstract: every sentence judged `answers` to a labelled question (both relevance sets,
`evals/data/relevance*/`). Its evidence candidates are the sentences of OTHER papers among the same question's
candidates that readers judged on its subject (`answers` or `background`), ranked by TF-IDF cosine similarity to the
claim (the words of a finding and of what bears on it overlap; the ranking only chooses which pairs are read): the
`--per-claim` first. Each pair carries its question's split, so that the stance set is split by question as the
relevance sets are, before anything is judged or trained.

`batches` gives each of the readers a share of whole questions' pairs (interleaved), and first, a block of the next
reader's pairs (read twice, independently: the overlap on which agreement is measured), as text to read
(`judging/reader-N.txt`) and the order of ids to follow; `merge` checks each reader's
`judging/reader-N.judgements.jsonl` against that order and writes `judgements.jsonl` (first readings) and
`second_readings.jsonl`, and prints agreement (identical labels, Cohen's kappa).

`reversals` merges the writers' files of `evals/data/stance_reversals/writing/` (each finding, a faithful
paraphrase and a reversal written by reading, `WRITING.md`) into `constructed.jsonl`, checked against the order
each writer was given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import cohen_kappa_score
from sklearn.metrics.pairwise import cosine_similarity

DATA = Path(__file__).resolve().parent / "data"
STANCE = DATA / "stance"
SETS = ("relevance", "relevance_more")
LABELS = ("SUPPORT", "CONTRADICT", "NEITHER")
OVERLAP = 300  # pairs read twice


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pairs(per_claim: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in SETS:
        questions = {q["id"]: q for q in _jsonl(DATA / name / "questions.jsonl")}
        labels = {(j["question"], j["passage_id"]): j["label"] for j in _jsonl(DATA / name / "judgements.jsonl")}
        by_question: dict[str, list[dict[str, Any]]] = {}
        for candidate in _jsonl(DATA / name / "candidates.jsonl"):
            candidate["label"] = labels[(candidate["question"], candidate["passage_id"])]
            by_question.setdefault(candidate["question"], []).append(candidate)
        for qid, candidates in by_question.items():
            claims = [c for c in candidates if c["label"] == "answers"]
            on_subject = [c for c in candidates if c["label"] in ("answers", "background")]
            if not claims or not on_subject:
                continue
            tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit([c["text"] for c in candidates])
            similar = cosine_similarity(tfidf.transform([c["text"] for c in claims]),
                                        tfidf.transform([c["text"] for c in on_subject]))  # fmt: skip
            for i, claim in enumerate(claims):
                ranked = sorted(range(len(on_subject)), key=lambda k: (-similar[i, k], on_subject[k]["passage_id"]))
                others = [on_subject[k] for k in ranked if on_subject[k]["paper_id"] != claim["paper_id"]]
                for evidence in others[:per_claim]:
                    out.append(
                        {
                            "id": f"s{len(out) + 1:05d}",
                            "question": qid,
                            "split": questions[qid]["split"],
                            "claim": {k: claim[k] for k in ("passage_id", "paper_id", "title", "text")},
                            "evidence": {k: evidence[k] for k in ("passage_id", "paper_id", "title", "text")},
                        }
                    )
    return out


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def batches(readers: int) -> None:
    pairs_made = _jsonl(STANCE / "pairs.jsonl")
    by_question: dict[str, list[dict[str, Any]]] = {}
    for pair in pairs_made:
        by_question.setdefault(pair["question"], []).append(pair)
    order = list(by_question)
    shares = [[p for q in order[r::readers] for p in by_question[q]] for r in range(readers)]
    block = OVERLAP // readers + 1
    seconds = [shares[(r + 1) % readers][:block] for r in range(readers)]
    out = STANCE / "judging"
    out.mkdir(exist_ok=True)
    asked = questions_text()
    plan = {}
    for r in range(readers):
        name = f"reader-{r + 1}"
        mine = [*seconds[r], *shares[r]]  # the second reading first: agreement is measured even if time runs out
        plan[name] = {"second_reading": [p["id"] for p in seconds[r]], "own": [p["id"] for p in shares[r]]}
        lines = []
        for p in mine:
            lines += [f"=== PAIR {p['id']} (question {p['question']}) ===", f"QUESTION: {asked[p['question']]}",
                      f"CLAIM ({p['claim']['passage_id']}, “{p['claim']['title']}”): {p['claim']['text']}",
                      f"EVIDENCE ({p['evidence']['passage_id']}, “{p['evidence']['title']}”): {p['evidence']['text']}",
                      ""]  # fmt: skip
        (out / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
        _write(out / f"{name}.order.jsonl", [{"id": p["id"]} for p in mine])
        print(f"{name}: {len(mine)} pairs")
    (out / "plan.json").write_text(json.dumps(plan, indent=1) + "\n", encoding="utf-8")


def questions_text() -> dict[str, str]:
    return {q["id"]: q["question"] for name in SETS for q in _jsonl(DATA / name / "questions.jsonl")}


def merge() -> None:
    judging = STANCE / "judging"
    plan = json.loads((judging / "plan.json").read_text(encoding="utf-8"))
    first: dict[str, str] = {}
    second: dict[str, str] = {}
    for reader, parts in plan.items():
        order = [row["id"] for row in _jsonl(judging / f"{reader}.order.jsonl")]
        path = judging / f"{reader}.judgements.jsonl"
        judged = _jsonl(path) if path.exists() else []
        if len(judged) > len(order):
            raise SystemExit(f"{reader}: {len(judged)} lines for {len(order)} pairs")
        for i, (want, got) in enumerate(zip(order, judged, strict=False), 1):
            if got.get("id") != want or got.get("label") not in LABELS:
                raise SystemExit(f"{reader} line {i}: {got}, expected id {want} and a label of {LABELS}")
            (second if want in set(parts["second_reading"]) else first)[want] = got["label"]
    pairs_made = _jsonl(STANCE / "pairs.jsonl")
    _write(
        STANCE / "judgements.jsonl", [{"id": p["id"], "label": first[p["id"]]} for p in pairs_made if p["id"] in first]
    )
    _write(
        STANCE / "second_readings.jsonl",
        [{"id": p["id"], "label": second[p["id"]]} for p in pairs_made if p["id"] in second],
    )
    counts = {label: sum(v == label for v in first.values()) for label in LABELS}
    print(f"{len(first)} of {len(pairs_made)} pairs judged: {counts}")
    both = [(first[k], second[k]) for k in second if k in first]
    if both:
        a, b = zip(*both, strict=True)
        same = sum(x == y for x, y in both) / len(both)
        print(f"agreement on {len(both)} pairs read twice: {same:.3f} identical labels; Cohen's kappa "
              f"{cohen_kappa_score(a, b, labels=list(LABELS)):.3f}")  # fmt: skip


def reversals() -> None:
    folder = DATA / "stance_reversals"
    findings = {(f["question"], f["passage_id"]): f for f in _jsonl(folder / "findings.jsonl")}
    written: dict[tuple[str, str], dict[str, Any]] = {}
    for order_file in sorted((folder / "writing").glob("writer-*.order.jsonl")):
        writer = order_file.name.removesuffix(".order.jsonl")
        path = folder / "writing" / f"{writer}.jsonl"
        rows = _jsonl(path) if path.exists() else []
        for i, (want, got) in enumerate(zip(_jsonl(order_file), rows, strict=False), 1):
            key = (want["question"], want["passage_id"])
            if (got.get("question"), got.get("passage_id")) != key:
                raise SystemExit(f"{writer} line {i}: {got.get('question')} {got.get('passage_id')}, expected {key}")
            if not str(got.get("paraphrase", "")).strip() or not str(got.get("reversal", "")).strip():
                raise SystemExit(f"{writer} line {i}: an empty paraphrase or reversal")
            written[key] = {**findings[key], "paraphrase": got["paraphrase"], "reversal": got["reversal"],
                            "note": got.get("note", ""), "writer": writer}  # fmt: skip
    rows = [written[key] for key in findings if key in written]
    _write(folder / "constructed.jsonl", rows)
    tune = sum(r["split"] == "tune" for r in rows)
    print(f"{len(rows)} of {len(findings)} findings written ({tune} tune, {len(rows) - tune} test); "
          f"{sum(bool(r['note']) for r in rows)} with a note")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=("pairs", "batches", "merge", "reversals"))
    parser.add_argument("--per-claim", type=int, default=3)
    parser.add_argument("--readers", type=int, default=8)
    args = parser.parse_args()
    if args.step == "batches":
        batches(args.readers)
        return
    if args.step == "merge":
        merge()
        return
    if args.step == "reversals":
        reversals()
        return
    made = pairs(args.per_claim)
    STANCE.mkdir(parents=True, exist_ok=True)
    _write(STANCE / "pairs.jsonl", made)
    tune = sum(p["split"] == "tune" for p in made)
    claims = len({(p["question"], p["claim"]["passage_id"]) for p in made})
    print(f"{len(made)} pairs ({tune} tune, {len(made) - tune} test) from {claims} claims")


if __name__ == "__main__":
    main()
