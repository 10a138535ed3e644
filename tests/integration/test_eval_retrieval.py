"""`sovereign eval retrieval` on claims files in the SciFact format."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from sovereign_graph.cli import app

cli = CliRunner()


def _train_lines() -> list[str]:
    raw = resources.files("sovereign_graph.data.scifact").joinpath("claims_train.jsonl.gz").read_bytes()
    return gzip.decompress(raw).decode().splitlines()


def test_hybrid_beats_plain_tfidf_and_json_has_the_documented_keys(tmp_path: Path) -> None:
    with_evidence = [line for line in _train_lines() if json.loads(line)["evidence"]][:120]
    claims = tmp_path / "claims.jsonl"
    claims.write_text("\n".join(with_evidence) + "\n")
    result = cli.invoke(app, ["eval", "retrieval", "--claims", str(claims), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) >= {"recall@1", "recall@3", "recall@10", "mrr", "baseline"}
    assert figures["claims"] == 120
    assert figures["recall@3"] > figures["baseline"]["recall@3"]
    assert figures["mrr"] > figures["baseline"]["mrr"]
    assert 0 <= figures["recall@1"] <= figures["recall@3"] <= figures["recall@10"] <= 1


def test_table_output_names_both_rankers(tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text("\n".join(line for line in _train_lines()[:40] if json.loads(line)["evidence"]) + "\n")
    result = cli.invoke(app, ["eval", "retrieval", "--claims", str(claims)])
    assert result.exit_code == 0, result.output
    assert "plain TF-IDF" in result.output and "hybrid BM25 + LSA" in result.output


def test_bad_claims_files_exit_2_with_the_line(tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(_train_lines()[0] + "\n{not json\n")
    result = cli.invoke(app, ["eval", "retrieval", "--claims", str(claims)])
    assert result.exit_code == 2 and "line 2" in result.output
    claims.write_text('{"id": 1, "claim": "Unlabelled claims have no gold abstracts."}\n')
    result = cli.invoke(app, ["eval", "retrieval", "--claims", str(claims)])
    assert result.exit_code == 2 and "no claim in the file has evidence" in result.output


def test_a_corpus_that_does_not_hold_the_evidence_is_rejected(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"doc_id": 1, "title": "t", "abstract": ["s."], "structured": False}) + "\n")
    result = cli.invoke(app, ["eval", "retrieval", "--corpus", str(corpus)])
    assert result.exit_code == 2 and "not in the corpus" in result.output
