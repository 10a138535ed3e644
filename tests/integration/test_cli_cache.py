"""`sovereign cache list | clear` as a user types them, on a cache filled through `FullTextCache`.

Needs `cache` registered in `sovereign_graph/cli/commands.py`."""

from __future__ import annotations

import gzip
from pathlib import Path

from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.sources.fulltext.cache import FORMAT, SUFFIX, FullTextCache
from sovereign_graph.sources.fulltext.document import Block, Document

cli = CliRunner()


def _fill(home: Path) -> FullTextCache:
    cache = FullTextCache(home / "fulltext")
    blocks = [Block(text=f"Paragraph {i} of the body.", anchor=f"S1.p{i}") for i in range(50)]
    cache.put(Document(paper_id="2501.11120", version=1, origin="arxiv_html", blocks=blocks))
    cache.put(Document(paper_id="2501.10120", version=1, origin="pdf", blocks=blocks))
    cache.put_missing("2601.00001", 1, "no HTML and no PDF on arXiv")
    return cache


def test_list_shows_each_entry_and_the_totals(isolated_home: Path) -> None:
    cache = _fill(isolated_home)
    result = cli.invoke(app, ["cache", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("2501.11120v1" in line and "arXiv HTML" in line for line in lines)
    assert any("2501.10120v1" in line and "arXiv PDF" in line for line in lines)
    assert any("2601.00001v1" in line and "no HTML and no PDF on arXiv" in line for line in lines)
    assert "3 entries" in result.output and str(cache.root) in result.output


def test_clear_removes_everything_and_says_how_much(isolated_home: Path) -> None:
    cache = _fill(isolated_home)
    size = sum(e.bytes for e in cache.entries())
    result = cli.invoke(app, ["cache", "clear"])
    assert result.exit_code == 0, result.output
    assert "removed 3 entries" in result.output and f"({size:,} bytes)" in result.output
    assert cache.entries() == []
    listed = cli.invoke(app, ["cache", "list"])
    assert listed.exit_code == 0 and "is empty" in listed.output


def test_an_empty_cache_lists_and_clears(isolated_home: Path) -> None:
    assert "is empty" in cli.invoke(app, ["cache", "list"]).output
    cleared = cli.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 0 entries" in cleared.output


def test_a_damaged_entry_is_skipped_and_named_and_the_others_are_listed(isolated_home: Path) -> None:
    cache = _fill(isolated_home)
    for name, stored_at in [("2501.99990v1", '"yesterday"'), ("2501.99991v1", "1e300"), ("2501.99992v1", "NaN")]:
        header = f'{{"format": {FORMAT}, "key": "{name}", "stored_at": {stored_at}, "origin": "pdf"}}\n'
        with gzip.open(cache.root / f"{name}{SUFFIX}", "wt", encoding="utf-8") as file:
            file.write(header + "{}")
    (cache.root / f"2501.99993v1{SUFFIX}").write_bytes(b"not gzip at all")
    result = cli.invoke(app, ["cache", "list"])
    assert result.exit_code == 0, result.output
    for name in ("2501.99990v1", "2501.99991v1", "2501.99992v1", "2501.99993v1"):
        assert f"skipped a damaged entry: {cache.root / name}{SUFFIX} (`sovereign cache clear` removes it)" in (
            result.output
        )
    assert "3 entries" in result.output and "2501.11120v1" in result.output
    assert cache.missing("2501.99990", 1) is None, "a run asks again instead of failing"
    assert cli.invoke(app, ["cache", "clear"]).exit_code == 0 and not list(cache.root.glob(f"*{SUFFIX}"))
