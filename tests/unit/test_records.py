"""Reading paper records in our JSONL format and the arXiv metadata snapshot's."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from sovereign_graph.errors import InputError
from sovereign_graph.sources import snapshot
from sovereign_graph.sources.records import ReadReport, paper_from_any, read_papers
from sovereign_graph.sources.snapshot import paper_from_record
from tests.conftest import SMOES
from tests.corpus_files import bundled_records, kaggle_record, write_corpus_files


def test_both_formats_give_the_same_paper() -> None:
    record = next(r for r in bundled_records("target_papers.jsonl.gz") if r["id"] == SMOES)
    ours = paper_from_any(record)
    kaggle = paper_from_any(kaggle_record(record) | {"id": SMOES + "v2"})
    assert ours == paper_from_record(record)
    assert kaggle == ours
    assert len(kaggle.authors) == len(record["authors"]) > 1
    assert kaggle.published == record["published"]


def test_kaggle_authors_string_and_parsed_list() -> None:
    base = {"id": "0704.0001", "title": "T", "abstract": "A", "categories": "hep-ph math.CO"}
    paper = paper_from_any(base | {"authors": "C. Balázs, E. L. Berger, P. M. Nadolsky and C.-P. Yuan"})
    assert paper.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert paper.categories == ["hep-ph", "math.CO"]
    parsed = paper_from_any(base | {"authors": "x", "authors_parsed": [["Balázs", "C.", ""], ["Yuan", "C.-P.", "Jr"]]})
    assert parsed.authors == ["C. Balázs", "C.-P. Yuan Jr"]
    assert paper_from_any(base | {"update_date": "2008-11-13"}).published == "2008-11-13"


def test_malformed_lines_are_counted_with_line_numbers_and_first_copy_wins(tmp_path: Path) -> None:
    ours, kaggle, ids = write_corpus_files(tmp_path)
    report = ReadReport()
    papers = list(read_papers([ours, kaggle], report))
    assert [p.id for p in papers] == list(dict.fromkeys(p.id for p in papers))
    assert {p.id for p in papers} == ids
    assert report.papers == len(ids) and report.duplicates == 1 and report.malformed == 4
    assert report.examples[0].startswith("ours.jsonl:11: not JSON")
    assert "no abstract" in report.examples[1] and "not an object" in report.examples[2]
    assert "not an arXiv id" in report.examples[3]
    first = bundled_records("moe_arxiv_dw-dengwei.jsonl.gz")[0]
    assert next(p for p in papers if p.id == first["id"]).title == " ".join(first["title"].split())


def test_a_file_without_good_records_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.jsonl"
    bad.write_text("hello\n" + json.dumps({"title": "no id"}) + "\n")
    with pytest.raises(InputError, match=r"notes.jsonl has no paper records.*notes.jsonl:1: not JSON"):
        list(read_papers([bad], ReadReport()))
    with pytest.raises(InputError, match="no file at"):
        list(read_papers([tmp_path / "missing.jsonl"], ReadReport()))


def test_a_damaged_bundled_file_keeps_its_lines_before_the_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled snapshot's loader: a gzip file cut short warns with the line it stopped at, and the
    records before it are read; a line that is not JSON is skipped with a warning naming it."""
    name = "moe_arxiv_dw-dengwei.jsonl.gz"
    lines = [json.dumps(r) for r in bundled_records(name)[:200]]
    lines[4] = "[" * 200_000 + "]" * 200_000
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / name).write_bytes(whole[: len(whole) // 2])
    monkeypatch.setattr(snapshot.resources, "files", lambda _: tmp_path)
    with pytest.warns(RuntimeWarning) as warned:
        read = list(snapshot._read_bundled(name))
    messages = [str(w.message) for w in warned]
    assert messages[0] == f"bundled snapshot {name}:5 skipped: JSON nested too deep to read"
    last = read[-1][0]
    assert 10 < last < 200 and [n for n, _ in read] == [n for n in range(1, last + 1) if n != 5]
    assert messages[1].startswith(f"bundled snapshot {name}:{last + 1} skipped: the gzip file is cut short")
