"""`sovereign cache list | clear`: the full text fetched from arXiv, kept on disk so a re-run needs no network."""

from __future__ import annotations

import typer

from sovereign_graph.cli.common import app, cli_errors, err, out, term
from sovereign_graph.cli.corpus import human_size
from sovereign_graph.errors import shown_path

cache_app = typer.Typer(help="List or clear the full-text cache ($SOVEREIGN_HOME/fulltext).", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

ORIGINS = {"arxiv_html": "arXiv HTML", "pdf": "arXiv PDF", "missing": "none on arXiv"}


def _entries_word(count: int) -> str:
    return f"{count:,} entr{'y' if count == 1 else 'ies'}"


@cache_app.command("list")
def list_() -> None:
    """Every cached paper: its versioned id, where the text came from, its size and when it was stored."""
    from datetime import datetime

    from rich.markup import escape
    from rich.table import Table

    from sovereign_graph.sources.fulltext.cache import FullTextCache

    with cli_errors():
        cache = FullTextCache()
        entries, damaged = cache.scan()
        where = escape(shown_path(cache.root))
        for path in damaged:
            err.print(
                f"skipped a damaged entry: {escape(shown_path(path))} (`sovereign cache clear` removes it)",
                highlight=False,
            )
        if not entries:
            out.print(f"the full-text cache {where} {'has no sound entry' if damaged else 'is empty'}", highlight=False)
            return
        table = Table("id", "origin", "size", "stored")
        for entry in entries:
            # A "missing" entry's reason says it all: "no HTML and no PDF on arXiv".
            origin = entry.reason or ORIGINS.get(entry.origin, entry.origin)
            table.add_row(
                term(entry.key),
                term(origin),
                human_size(entry.bytes),
                datetime.fromtimestamp(entry.stored_at).strftime("%Y-%m-%d %H:%M"),
            )
        out.print(table)
        total = sum(e.bytes for e in entries)
        out.print(
            f"{_entries_word(len(entries))}, {human_size(total)} of {human_size(cache.max_bytes)} in {where}",
            highlight=False,
        )


@cache_app.command("clear")
def clear() -> None:
    """Remove every cached paper (the next run fetches them again)."""
    from rich.markup import escape

    from sovereign_graph.sources.fulltext.cache import FullTextCache

    with cli_errors():
        cache = FullTextCache()
        count, size = cache.clear()
        where = escape(shown_path(cache.root))
        out.print(f"removed {_entries_word(count)}, {human_size(size)} ({size:,} bytes) from {where}", highlight=False)
