"""`sovereign eval stance --pairs FILE`: a user's labelled claim-evidence pairs measured with an engine; bad lines
named by number and skipped, the others measured, the figures consistent with the predictions."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sovereign_graph.cli import app

cli = CliRunner()
ROWS = [
    {
        "claim": "Dynamic expert skipping preserves answer accuracy in MoE vision-language models.",
        "evidence": "Skipping 88% of experts keeps 97.3% of the accuracy of the full MoE vision-language model.",
        "label": "SUPPORT",
    },
    {
        "claim": "Visual token pruning keeps OCR accuracy.",
        "evidence": "Irreversible visual token pruning breaks down on OCR: accuracy falls by 30 points.",
        "label": "CONTRADICT",
    },
    {
        "claim": "Load-balancing losses weaken expert specialisation.",
        "evidence": "We release a dataset of chest X-ray reports in four languages.",
        "label": "NOT_ENOUGH_INFO",
    },
    {
        "claim": "Query-aware frame selection beats uniform sampling on long videos.",
        "evidence": "Query-aware frame selection beats uniform sampling on long videos by 4 points on MLVU.",
        "label": "support",  # labels are read case-insensitively
    },
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_figures_are_those_of_the_predictions_and_bad_lines_are_named(tmp_path: Path) -> None:
    good = [json.dumps(r) for r in ROWS]
    bad = [
        "{not json",
        json.dumps({"claim": "A claim.", "evidence": "Evidence."}),
        json.dumps({"claim": "A claim.", "evidence": "Evidence.", "label": "MAYBE"}),
        json.dumps({"claim": ["a", "list"], "evidence": "Evidence.", "label": "SUPPORT"}),
    ]
    pairs = write(tmp_path / "pairs.jsonl", [good[0], bad[0], good[1], bad[1], good[2], bad[2], good[3], bad[3]])
    for engine in ("trained", "tfidf"):
        result = cli.invoke(app, ["eval", "stance", "--pairs", str(pairs), "--verifier", engine, "--json"])
        assert result.exit_code == 1, "some lines were skipped"
        assert "pairs.jsonl: line 2: not JSON" in result.stderr
        assert "pairs.jsonl: line 4: missing label" in result.stderr
        assert "pairs.jsonl: line 6: label must be one of SUPPORT, CONTRADICT, NOT_ENOUGH_INFO, not 'MAYBE'" in (
            result.stderr
        )
        assert "pairs.jsonl: line 8: claim must be a string, not a list" in result.stderr
        figures = json.loads(result.stdout)
        assert figures["engine"] == engine and figures["bad_lines"] == 4 and figures["pairs"] == 4
        matrix = figures["confusion"]["matrix"]
        assert figures["confusion"]["labels"] == ["SUPPORT", "CONTRADICT", "NOT_ENOUGH_INFO"]
        assert [sum(row) for row in matrix] == [2, 1, 1], "rows are the gold labels"
        assert figures["accuracy"] == round(sum(matrix[i][i] for i in range(3)) / 4, 4)
        for i, label in enumerate(figures["confusion"]["labels"]):
            predicted = sum(row[i] for row in matrix)
            expected = matrix[i][i] / predicted if predicted else 0.0
            assert figures["per_label"][label]["precision"] == round(expected, 4)
            assert figures["per_label"][label]["support"] == sum(matrix[i])
    tfidf = json.loads(
        cli.invoke(app, ["eval", "stance", "--pairs", str(pairs), "--verifier", "tfidf", "--json"]).stdout
    )
    assert sum(row[1] for row in tfidf["confusion"]["matrix"]) == 0, "the seed engine cannot see contradiction"


def test_a_table_by_default_and_clear_refusals(tmp_path: Path) -> None:
    pairs = write(tmp_path / "pairs.jsonl", [json.dumps(r) for r in ROWS])
    shown = cli.invoke(app, ["eval", "stance", "--pairs", str(pairs)])
    assert shown.exit_code == 0, shown.output
    assert "4 pairs: accuracy" in shown.stdout and "macro-F1" in shown.stdout and "CONTRADICT" in shown.stdout
    wrong = cli.invoke(app, ["eval", "stance", "--pairs", str(pairs), "--verifier", "oracle"])
    assert wrong.exit_code == 2 and "--verifier must be one of neural, trained, tfidf" in wrong.output
    empty = write(tmp_path / "empty.jsonl", ["{broken"])
    refused = cli.invoke(app, ["eval", "stance", "--pairs", str(empty)])
    assert refused.exit_code == 2 and "holds no usable pair" in refused.output
    missing = cli.invoke(app, ["eval", "stance", "--pairs", str(tmp_path / "nowhere.jsonl")])
    assert missing.exit_code == 2 and "no pairs file" in missing.output
