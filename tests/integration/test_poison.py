"""Planted records cannot buy a verdict: near-copies, paraphrases and self-citations of a made-up finding added
to a corpus neither verify a claim nor raise the recommendation; a record that repeats the finding is no source
of claims at all (evals/poison_bench.py measures the same over more questions). The seed verifier (`tfidf`) is
held to the self-citation case only: it takes word overlap for support, so any real paper sharing a planted
claim's words "corroborates" it, which no independence rule can fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from tests.conftest import QUESTION, SMOES
from tests.corpus_files import bundled_records

FINDING = (
    "Modality-guided expert specialization improves the accuracy and efficiency of MoE-based VLMs by 35% compared "
    "to modality-agnostic routing."
)
LEAD = "We study expert routing in mixture-of-experts vision-language models."
RANK = {"REJECT": 0, "REVISE": 1, "ACCEPT": 2}
cli = CliRunner()


def planted(i: int, abstract: str, authors: list[str]) -> dict[str, Any]:
    return {"id": f"2699.{i:05d}", "title": f"Routing study {i}", "abstract": abstract, "authors": authors}


def attacks(subject: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    swaps = ("clearly", "markedly", "greatly")
    return {
        "copies": [
            planted(10 + i, f"{LEAD} {FINDING.replace('improves', f'{w} improves')}", [f"P. Q{i}"])
            for i, w in enumerate(swaps)
        ],
        "paraphrases": [
            planted(20, f"{LEAD} Our experiments show that {FINDING[0].lower()}{FINDING[1:]}", ["R. S"]),
            planted(21, f"{LEAD} We find a 35% gain: {FINDING}", ["T. U"]),
            planted(22, f"{LEAD} Results: {FINDING} This holds across benchmarks.", ["V. W"]),
        ],
        "self-citation": [planted(40 + i, f"{LEAD} {FINDING}", list(subject["authors"])) for i in range(3)],
        "word salad": [planted(30, " ".join([FINDING.rstrip(".")] * 400) + ".", ["X. Y"])],
    }


@pytest.fixture(scope="module")
def clean_records() -> list[dict[str, Any]]:
    records = {r["id"]: r for r in bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")}
    records |= {r["id"]: r for r in bundled_records("target_papers.jsonl.gz")}
    # The subject and the papers most like it: enough for the question's search, small enough to build at once.
    words = set(QUESTION.lower().split())
    ranked = sorted(records.values(), key=lambda r: -len(words & set(r["abstract"].lower().split())))
    chosen = {r["id"]: r for r in ranked[:60]}
    chosen[SMOES] = records[SMOES]
    return list(chosen.values())


def run_on(records: list[dict[str, Any]], name: str, tmp_path: Path, verifier: str) -> dict[str, Any]:
    source = tmp_path / f"{name}.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    built = cli.invoke(app, ["corpus", "build", str(source), "--name", name])
    assert built.exit_code == 0, built.output
    salad = [r["id"] for r in records if r["id"] == "2699.00030"]
    assert ("1 records look degenerate" in built.output and "2699.00030" in built.output) == bool(salad), (
        "the build flags a degenerate record, and only that"
    )
    out = tmp_path / name
    db = str(tmp_path / "runs.sqlite")
    ran = cli.invoke(app, ["run", "--corpus", name, "--paper", SMOES, "--question", QUESTION, "--thread", name,
                           "--out", str(out), "--db", db, "--verifier", verifier])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    return dict(json.loads((out / f"{name}.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("attack", "verifier"),
    [("copies", "trained"), ("paraphrases", "trained"), ("self-citation", "trained"), ("word salad", "trained"),
     ("self-citation", "tfidf")],
)  # fmt: skip
def test_planted_records_neither_verify_a_claim_nor_raise_the_recommendation(
    attack: str, verifier: str, clean_records: list[dict[str, Any]], tmp_path: Path
) -> None:
    subject = next(r for r in clean_records if r["id"] == SMOES)
    plants = attacks(subject)[attack]
    planted_ids = {p["id"] for p in plants}
    clean = run_on(clean_records, "clean", tmp_path, verifier)
    poisoned = run_on(clean_records + plants, "poisoned", tmp_path, verifier)
    assert RANK[poisoned["recommendation"]] <= RANK[clean["recommendation"]]
    for claim in poisoned["claims"]:
        vouched = {e["paper_id"] for e in claim["evidence"] if e["label"] == "SUPPORT"}
        if claim["paper_id"] in planted_ids:
            assert not claim["verified"], f"a claim of a planted record was verified: {claim['text']}"
        assert not (claim["verified"] and vouched & planted_ids), f"verified through a planted record: {claim}"
    if attack == "self-citation":
        said = poisoned["method"]["verify"]
        assert "not counted as independent evidence" in said and "papers sharing a claim paper's authors" in said
        assert all(paper_id in said for paper_id in planted_ids), "the report names what was set aside"
    if attack == "word salad":
        assert not [c for c in poisoned["claims"] if c["paper_id"] in planted_ids]
