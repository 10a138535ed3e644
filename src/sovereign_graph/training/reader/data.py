"""The examples the reader learns from, assembled from files in the repository and the shared data folder.

Every example is a text pair with one task: *relevance* (a question against a paper's title and one of its
sentences: 1 answers, 0 background or off-topic) or *stance* (a claim against evidence: SUPPORT, CONTRADICT or
NOT_ENOUGH_INFO). Only tuning parts and public "train" rows are read here; which questions each relevance set
contributes is chosen so that the stacked models downstream are fitted on scores the encoder never trained on:

- relevance: `evals/data/relevance_more` and `evals/data/relevance_listings`, tune questions only. The first
  labelled set (`evals/data/relevance`) is left out whole: its tuning half is where the calibrated relevance
  model learns how much the neural score is worth, its test half where both are measured.
- stance: `evals/data/stance` and `evals/data/stance_reversals`, tune parts only. SciFact is left out whole: the
  verifier learns the weight of the neural stance by grouped cross-validation on SciFact's training claims,
  which must stay unseen by the encoder for that weight to be honest.
- public warm-up: Check-COVID train, SNLI dev+test (general NLI), COVID-QA (question to answer sentence, with
  negatives from the same paper); never COVID-Fact or FEVER ("measure only").

Each source is capped and sampled with a fixed seed, so the same files give the same examples.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sovereign_graph.ml.reader.runtime import relevance_pair
from sovereign_graph.text.prose import sentences

Task = Literal["relevance", "stance"]
STANCE_LABELS = ("SUPPORT", "CONTRADICT", "NOT_ENOUGH_INFO")


@dataclass(frozen=True)
class Example:
    task: Task
    first: str  # the question, or the claim
    second: str  # the title and sentence, or the evidence
    label: int  # relevance: 1/0; stance: index into STANCE_LABELS
    group: str  # the question or claim it belongs to (never split across folds)


@dataclass(frozen=True)
class Source:
    """One set of examples, with what it was read from: the manifest records name, files, rows and hashes."""

    name: str
    files: tuple[Path, ...]
    examples: tuple[Example, ...]

    def digest(self) -> str:
        sha = hashlib.sha256()
        for path in self.files:
            sha.update(path.read_bytes())
        return sha.hexdigest()


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def judged_relevance(folder: Path, split: str) -> Source:
    """One labelled relevance set's questions of one split: every judged candidate, answers = 1."""
    questions = {q["id"]: q for q in _jsonl(folder / "questions.jsonl")}
    labels = {(j["question"], j["passage_id"]): j["label"] for j in _jsonl(folder / "judgements.jsonl")}
    examples = []
    for candidate in _jsonl(folder / "candidates.jsonl"):
        question = questions[candidate["question"]]
        key = (candidate["question"], candidate["passage_id"])
        if question.get("split") != split or key not in labels:
            continue
        first, second = relevance_pair(question["question"], candidate["title"], candidate["text"])
        examples.append(Example("relevance", first, second, int(labels[key] == "answers"), question["id"]))
    files = tuple(folder / f for f in ("questions.jsonl", "candidates.jsonl", "judgements.jsonl"))
    return Source(f"{folder.name} ({split})", files, tuple(examples))


def judged_stance(folder: Path, split: str) -> Source:
    pairs = {p["id"]: p for p in _jsonl(folder / "pairs.jsonl")}
    examples = []
    for judged in _jsonl(folder / "judgements.jsonl"):
        pair = pairs[judged["id"]]
        if pair["split"] != split:
            continue
        label = "NOT_ENOUGH_INFO" if judged["label"] == "NEITHER" else judged["label"]
        examples.append(
            Example(
                "stance",
                pair["claim"]["text"],
                pair["evidence"]["text"],
                STANCE_LABELS.index(label),
                pair["claim"]["passage_id"],
            )
        )
    return Source(f"{folder.name} ({split})", (folder / "pairs.jsonl", folder / "judgements.jsonl"), tuple(examples))


def constructed_stance(folder: Path, split: str) -> Source:
    """Each finding against its faithful paraphrase (SUPPORT) and its reversal (CONTRADICT), both ways round."""
    examples = []
    for row in _jsonl(folder / "constructed.jsonl"):
        if row["split"] != split:
            continue
        group = row["passage_id"]
        examples += [
            Example("stance", row["paraphrase"], row["finding"], 0, group),
            Example("stance", row["reversal"], row["finding"], 1, group),
            Example("stance", row["finding"], row["paraphrase"], 0, group),
            Example("stance", row["finding"], row["reversal"], 1, group),
        ]
    return Source(f"{folder.name} ({split})", (folder / "constructed.jsonl",), tuple(examples))


def unseen(test: Source, trained: Sequence[Source]) -> Source:
    """`test` without the examples whose first text (claim or finding) was trained on: a finding can stand under
    two questions, one in each part, so a split by question leaves some findings in both."""
    seen = {e.first for source in trained for e in source.examples}
    kept = tuple(e for e in test.examples if e.first not in seen)
    return Source(f"{test.name}, unseen findings", test.files, kept)


def check_covid_train(root: Path, rng: random.Random) -> Source:
    """Check-COVID's train rows: the claim against its evidence sentences; for an NEI claim the on-topic sentences it
    carries, and for every claim one more sentence of the same abstract that is not evidence (a hard NEI)."""
    folder = root / "check-covid"
    corpus = {d["cord_id"]: d["abstract"] for d in _jsonl(folder / "corpus.json")}
    labels = {"SUPPORT": 0, "REFUTE": 1, "NOTENOUGHINFO": 2}
    examples = []
    path = folder / "covidCheck_train_composed+extracted.json"
    for row in _jsonl(path):
        abstract = corpus[row["cord_id"]]
        used = sorted({e["sent_index"] for e in row["evidence_set"] if e["sent_index"] < len(abstract)})
        if not used:
            continue
        evidence = " ".join(abstract[i] for i in used)
        examples.append(Example("stance", row["claim"].strip(), evidence, labels[row["label"]], row["cord_id"]))
        others = [s for i, s in enumerate(abstract) if i not in used and len(s.split()) >= 6]
        if others:
            examples.append(Example("stance", row["claim"].strip(), rng.choice(others), 2, row["cord_id"]))
    return Source("Check-COVID train", (folder / "corpus.json", path), tuple(examples))


def snli(root: Path, rng: random.Random, cap: int) -> Source:
    folder = root / "snli-devtest"
    labels = {"entailment": 0, "contradiction": 1, "neutral": 2}
    rows = []
    for part in ("dev", "test"):
        premises = (folder / f"s1.{part}").read_text(encoding="utf-8").splitlines()
        hypotheses = (folder / f"s2.{part}").read_text(encoding="utf-8").splitlines()
        gold = (folder / f"labels.{part}").read_text(encoding="utf-8").splitlines()
        rows += [(p, h, g) for p, h, g in zip(premises, hypotheses, gold, strict=True) if g in labels]
    rng.shuffle(rows)
    examples = tuple(Example("stance", h, p, labels[g], p) for p, h, g in rows[:cap])
    files = tuple(folder / f"{k}.{p}" for p in ("dev", "test") for k in ("s1", "s2", "labels"))
    return Source("SNLI dev+test", files, examples)


def covid_qa(root: Path, rng: random.Random, questions: int, negatives: int = 3) -> Source:
    """A question against the sentence holding its answer (1) and other sentences of the same paper (0), for a
    sample of `questions` questions."""
    path = root / "covid-qa" / "200423_covidQA.json"
    examples = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            lines = context.split("\n")
            title = lines[0].strip()
            spans, at = [], 0
            for sentence in sentences(context):
                start = context.find(sentence, at)
                if start < 0:
                    continue
                spans.append((start, start + len(sentence), sentence))
                at = start + len(sentence)
            spans = [s for s in spans if 6 <= len(s[2].split()) <= 80]
            for qa in paragraph["qas"]:
                if not qa["answers"]:
                    continue
                start = qa["answers"][0]["answer_start"]
                hit = [s for s in spans if s[0] <= start < s[1]]
                if not hit:
                    continue
                group = f"covidqa-{qa['id']}"
                examples.append(Example("relevance", *relevance_pair(qa["question"], title, hit[0][2]), 1, group))
                pool = [s for s in spans if s is not hit[0]]
                for s in rng.sample(pool, min(negatives, len(pool))):
                    examples.append(Example("relevance", *relevance_pair(qa["question"], title, s[2]), 0, group))
    groups = sorted({e.group for e in examples})
    kept = set(rng.sample(groups, min(questions, len(groups))))
    return Source("COVID-QA", (path,), tuple(e for e in examples if e.group in kept))


def public_sources(shared: Path, seed: int) -> list[Source]:
    rng = random.Random(seed)
    training = shared / "training"
    # Capped so the warm-up stage takes about a quarter of an hour on two CPU cores.
    return [check_covid_train(training, rng), snli(training, rng, cap=2000), covid_qa(training, rng, questions=500)]


def our_sources(evals_data: Path) -> list[Source]:
    return [
        judged_relevance(evals_data / "relevance_more", "tune"),
        judged_relevance(evals_data / "relevance_listings", "tune"),
        judged_stance(evals_data / "stance", "tune"),
        constructed_stance(evals_data / "stance_reversals", "tune"),
    ]
