"""`sovereign eval scifact` as a user runs it: figures side by side, official predictions, bad input."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.steps.verify.model import load_model

cli = CliRunner()


def _bundled(name: str) -> list[str]:
    raw = resources.files("sovereign_graph.data.scifact").joinpath(name).read_bytes()
    return [line for line in gzip.decompress(raw).decode().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[dict]]:
    """20 bundled training claims, and a corpus of their abstracts plus 300 distractors (fast to index)."""
    directory = tmp_path_factory.mktemp("scifact")
    claims = [json.loads(line) for line in _bundled("claims_train.jsonl.gz")[:20]]
    needed = {int(d) for c in claims for d in (*c.get("evidence", {}), *c.get("cited_doc_ids", []))}
    corpus = [
        line for i, line in enumerate(_bundled("corpus.jsonl.gz")) if i < 300 or json.loads(line)["doc_id"] in needed
    ]
    claims_path, corpus_path = directory / "claims.jsonl", directory / "corpus.jsonl"
    claims_path.write_text("\n".join(json.dumps(c) for c in claims) + "\n")
    corpus_path.write_text("\n".join(corpus) + "\n")
    return claims_path, corpus_path, claims


def _eval_scifact(claims: Path, corpus: Path, predictions: Path) -> list[str]:
    return ["eval", "scifact", "--claims", str(claims), "--corpus", str(corpus), "--predictions", str(predictions)]


def test_json_figures_side_by_side_and_official_predictions(
    small_files: tuple[Path, Path, list[dict]], tmp_path: Path
) -> None:
    claims_path, corpus_path, claims = small_files
    predictions = tmp_path / "predictions.jsonl"
    args = ["eval", "scifact", "--claims", str(claims_path), "--corpus", str(corpus_path)]
    result = cli.invoke(app, [*_eval_scifact(claims_path, corpus_path, predictions), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["claims"] == 20 and figures["labelled"] and figures["setting"] == "open"
    assert 0 < figures["retrieval"]["recall"] <= 1
    assert set(figures["verifiers"]) == {"tfidf", "trained"}
    for verifier in figures["verifiers"].values():
        for metric in ("abstract_label_only", "abstract_label_rationale", "sentence_selection_label"):
            assert set(verifier[metric]) == {"precision", "recall", "f1"}
            assert 0 <= verifier[metric]["f1"] <= 1
        assert verifier["claims_per_second"] > 0
    # The label+rationale figure can never beat label-only: it is the same predictions, held to more.
    trained = figures["verifiers"]["trained"]
    assert trained["abstract_label_rationale"]["f1"] <= trained["abstract_label_only"]["f1"]

    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    assert [line["id"] for line in lines] == [c["id"] for c in claims]
    assert all(len(line["evidence"]) <= load_model().max_evidence for line in lines)
    for line in lines:
        for doc_id, verdict in line["evidence"].items():
            assert int(doc_id) >= 0
            assert verdict["label"] in ("SUPPORT", "CONTRADICT")
            assert 1 <= len(verdict["sentences"]) <= 3 and all(isinstance(s, int) for s in verdict["sentences"])

    table = cli.invoke(app, [*args, "--verifier", "tfidf"])
    assert table.exit_code == 0, table.output
    assert "abstract label-only F1" in table.output and "tfidf (seed)" in table.output


def test_unlabelled_claims_are_verified_without_scores(
    small_files: tuple[Path, Path, list[dict]], tmp_path: Path
) -> None:
    _, corpus_path, claims = small_files
    unlabelled = tmp_path / "test.jsonl"
    unlabelled.write_text("\n".join(json.dumps({"id": c["id"], "claim": c["claim"]}) for c in claims[:5]) + "\n")
    predictions = tmp_path / "p.jsonl"
    result = cli.invoke(app, [*_eval_scifact(unlabelled, corpus_path, predictions), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert not figures["labelled"] and figures["retrieval"]["recall"] is None
    assert figures["verifiers"]["trained"]["abstract_label_only"] is None
    assert len(predictions.read_text().splitlines()) == 5


@pytest.mark.parametrize(
    ("claims_text", "message"),
    [
        ('{"id": 1, "claim": "fine"}\n{"id": 2, "claim": \n', "line 2: not valid JSON"),
        ('{"id": 1, "claim": "fine"}\n{"claim": "no id"}\n', "line 2: missing or non-integer 'id'"),
        ("", "no claims"),
        (
            '{"id": 1, "claim": "c", "evidence": {"999999999": [{"sentences": [0], "label": "SUPPORT"}]}}\n',
            "not in the corpus",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    small_files: tuple[Path, Path, list[dict]], tmp_path: Path, claims_text: str, message: str
) -> None:
    _, corpus_path, _ = small_files
    claims_path = tmp_path / "claims.jsonl"
    claims_path.write_text(claims_text)
    predictions = tmp_path / "p.jsonl"
    result = cli.invoke(app, _eval_scifact(claims_path, corpus_path, predictions))
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not predictions.exists() and list(tmp_path.iterdir()) == [claims_path]


def test_an_unknown_verifier_is_bad_input(small_files: tuple[Path, Path, list[dict]]) -> None:
    claims_path, _, _ = small_files
    result = cli.invoke(app, ["eval", "scifact", "--claims", str(claims_path), "--verifier", "oracle"])
    assert result.exit_code == 2 and "unknown verifier 'oracle'" in result.output
