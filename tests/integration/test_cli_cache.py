"""`sovereign cache list | clear` as a user types them, on a cache filled through `FullTextCache`.

Needs `cache` registered in `sovereign_graph/cli/commands.py`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.sources.fulltext.cache import FullTextCache
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
