"""Each library file is parsed in a worker process under limits of time, memory and characters: a file over a
limit, or one that crashes its worker, is skipped with its reason and the next file is read; text pdfium hands
over as UTF-16 surrogate halves is paired, or replaced and counted, and the document can be saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.errors import InputError
from sovereign_graph.sources.fulltext.isolation import Parsed, ParseLimits, parse_files
from sovereign_graph.sources.fulltext.library import LibraryReport, parse_file, read_library
from sovereign_graph.sources.fulltext.pdf import parse_pdf
from sovereign_graph.sources.fulltext.pdf.text import decode_units, repair_surrogates
from tests.pdf_synthetic import many_operations_pdf, surrogate_pdf

PAPER = Path(__file__).resolve().parents[1] / "fixtures" / "fulltext" / "pdf" / "paper.pdf"
MATH_X = "\U0001d465"


def test_surrogate_halves_are_paired_or_replaced_and_counted() -> None:
    assert decode_units([0x61, 0xD835, 0xDC65, 0x62, 0xD835, 0x63, 0xDC00]) == (f"a{MATH_X}\u200bb\ufffdc\ufffd", 2)
    assert repair_surrogates("a\ud835\udc65b\ud835") == (f"a{MATH_X}b\ufffd", 1)
    document = parse_pdf(surrogate_pdf())
    assert f"improves {MATH_X * 3} \ufffd\ufffd\ufffd the accuracy" in document.blocks[0].text
    assert document.replaced_characters == 3
    text = " ".join([document.title, document.abstract, *(block.text for block in document.blocks)])
    assert not any(0xD800 <= ord(ch) < 0xE000 for ch in text)
    document.model_dump_json()  # a lone half here was what stopped `corpus build` for the whole library


def test_character_limit(tmp_path: Path) -> None:
    outcome = parse_file(PAPER, ParseLimits(characters=1000, workers=0))
    assert outcome == "over the limit of 1,000 characters of text"
    assert isinstance(parse_file(PAPER, ParseLimits(workers=0)), Parsed)


def test_a_file_over_the_memory_or_time_limit_is_skipped_and_the_next_one_read(tmp_path: Path) -> None:
    big = tmp_path / "million-operations.pdf"
    big.write_bytes(many_operations_pdf(1_000_000))  # about 600 MB and 4 s in pdfium
    files = [big, PAPER, big, PAPER]
    outcomes = list(parse_files(files, ParseLimits(memory_mb=300, workers=2), parse_file))
    assert [path for path, _ in outcomes] == files  # in order, whichever worker finished first
    reasons = [o for _, o in outcomes]
    assert reasons[0] == reasons[2] and isinstance(reasons[0], str) and "memory limit of 300 MB" in reasons[0]
    assert isinstance(reasons[1], Parsed) and isinstance(reasons[3], Parsed)
    outcomes = list(parse_files([big, PAPER], ParseLimits(seconds=2, workers=1), parse_file))
    assert outcomes[0][1] == "over the time limit (2 s)"
    assert isinstance(outcomes[1][1], Parsed)  # a fresh worker, after the first one was killed


def test_read_library_reports_repaired_and_bad_files(tmp_path: Path) -> None:
    (tmp_path / "surrogates.pdf").write_bytes(surrogate_pdf())
    (tmp_path / "empty.pdf").write_bytes(b"")
    report = LibraryReport()
    entries = list(read_library(sorted(tmp_path.iterdir()), report, limits=ParseLimits(workers=1)))
    assert [e.path.name for e in entries] == ["surrogates.pdf"]
    assert [(r.path.name, r.replaced) for r in report.repaired] == [("surrogates.pdf", 3)]
    assert [(b.path.name, b.reason) for b in report.bad] == [("empty.pdf", "empty file")]


def test_the_build_summary_names_the_files_read_with_replaced_characters(tmp_path: Path) -> None:
    (tmp_path / "surrogates.pdf").write_bytes(surrogate_pdf())
    (tmp_path / "paper.pdf").write_bytes(PAPER.read_bytes())
    result = CliRunner().invoke(app, ["corpus", "build", str(tmp_path), "--name", "limits"])
    assert result.exit_code == 0, result.output
    assert "2 papers with full text" in result.output
    assert "1 file read with undecodable characters (now U+FFFD):" in result.output
    assert "surrogates.pdf: 3 characters" in result.output


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [("SOVEREIGN_PDF_SECONDS", "soon", "must be a number"), ("SOVEREIGN_PDF_MEMORY_MB", "16", "at least 256")],
)
def test_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    assert ParseLimits.from_env() == ParseLimits()
    monkeypatch.setenv("SOVEREIGN_PDF_SECONDS", "5")
    monkeypatch.setenv("SOVEREIGN_PDF_WORKERS", "1")
    assert ParseLimits.from_env() == ParseLimits(seconds=5.0, workers=1)
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=message):
        ParseLimits.from_env()
