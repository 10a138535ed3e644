"""`sovereign corpus build` reads each line on its own: one bad line (too deep, not text, too long, the wrong
type, a gzip file cut short) is named with its reason and skipped, the corpus is built from the others, and the
exit code (1) says some were skipped."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.sources.corpora import open_corpus
from tests.corpus_files import bundled_records

cli = CliRunner()
GOOD = 150
BAD_LINE = 40  # where the bad line goes: after 39 good ones


def _good_lines() -> tuple[list[bytes], set[str]]:
    records = bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")[:GOOD]
    return [json.dumps(r).encode() for r in records], {r["id"] for r in records}


def _record(**fields: object) -> bytes:
    base: dict[str, object] = {"id": "2501.00001", "title": "A title", "abstract": "An abstract."}
    return json.dumps(base | fields).encode()


CASES = {
    "nested 200,000 deep": (b"[" * 200_000 + b"]" * 200_000, "JSON nested too deep to read"),
    # json.dumps writes a lone surrogate as the escape "\ud800", as a careless exporter does
    "a lone surrogate": (
        _record(title="Broken \ud800 title"),
        "title holds a lone surrogate (\\ud800), which is not text",
    ),
    "invalid UTF-8": (_record(title="cafe").replace(b"cafe", b"caf\xe9"), "not UTF-8 text (byte 0xe9 at column 35)"),
    "a list title": (_record(title=["list", "title"]), "title must be a string, not a list"),
    "a number id": (
        b'{"id": 2301.10000, "title": "T", "abstract": "A"}',
        "id must be a string, not a number (2301.1): a number may have lost digits",
    ),
    "an object abstract": (_record(abstract={"text": "x"}), "abstract must be a string, not an object"),
    "a line over 1 MB": (_record(abstract="x " * 600_000), "longer than the 1,048,576-byte limit for a line"),
}


def _write(path: Path, bad: bytes) -> set[str]:
    lines, ids = _good_lines()
    lines.insert(BAD_LINE - 1, bad)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return ids


@pytest.mark.parametrize("case", list(CASES))
def test_one_bad_line_is_named_and_the_others_are_built(tmp_path: Path, case: str) -> None:
    bad, reason = CASES[case]
    ids = _write(tmp_path / "papers.jsonl", bad)
    result = cli.invoke(app, ["corpus", "build", str(tmp_path / "papers.jsonl"), "--name", "c"])
    assert result.exit_code == 1, result.output
    assert f"corpus 'c': {GOOD} papers" in result.output
    assert "1 malformed lines skipped:\n" in result.output
    assert f"  papers.jsonl:{BAD_LINE}: {reason}" in result.output
    corpus = open_corpus("c")
    assert len(corpus) == GOOD and all(corpus.get(i) is not None for i in ids)


def test_a_gzip_file_cut_short_keeps_the_lines_before_and_names_where(tmp_path: Path) -> None:
    lines, _ = _good_lines()
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = cli.invoke(app, ["corpus", "build", str(cut), "--name", "cut"])
    assert result.exit_code == 1, result.output
    kept = open_corpus("cut").meta.papers
    assert 0 < kept < GOOD  # the lines before the cut are in the corpus
    assert "1 malformed lines skipped:\n" in result.output
    assert f"  cut.jsonl.gz:{kept + 1}: the gzip file is cut short or damaged here" in result.output
    assert f"lines 1-{kept} were read" in result.output


def test_the_caps_are_set_by_flags(tmp_path: Path) -> None:
    ids = _write(tmp_path / "p.jsonl", _record(abstract="word " * 1000))  # arXiv caps abstracts at 1,920
    result = cli.invoke(app, ["corpus", "build", str(tmp_path / "p.jsonl"), "--name", "p", "--max-abstract-kb", "3"])
    assert result.exit_code == 1, result.output
    assert f"  p.jsonl:{BAD_LINE}: abstract is 5,000 characters, over the 3,072 limit" in result.output
    assert open_corpus("p").meta.papers == len(ids)


def test_a_clean_file_builds_with_exit_code_0(tmp_path: Path) -> None:
    lines, ids = _good_lines()
    (tmp_path / "ok.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = cli.invoke(app, ["corpus", "build", str(tmp_path / "ok.jsonl"), "--name", "ok"])
    assert result.exit_code == 0, result.output
    assert "malformed" not in result.output and open_corpus("ok").meta.papers == len(ids)
