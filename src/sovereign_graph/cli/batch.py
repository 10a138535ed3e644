"""`sovereign batch FILE`: many (paper, question) rows run to the owner's pause by a pool of workers, with one
progress bar, a line per finished row, a summary table and an optional JSONL of results."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sovereign_graph.app.stopping import exit_code, said_stopped
from sovereign_graph.cli.common import app, cli_errors, err, out, term
from sovereign_graph.cli.options import (
    DbOption,
    run_settings,
    with_flags,
)
from sovereign_graph.errors import InputError
from sovereign_graph.home import redacted
from sovereign_graph.lines import KB, LineLimits

if TYPE_CHECKING:
    from sovereign_graph.batch.options import RunOptions
    from sovereign_graph.batch.results import RowResult
    from sovereign_graph.batch.rows import BatchFile


def row_line(result: RowResult) -> str:

    if result.status == "malformed":
        return f"[red]line {result.line}: skipped[/] — {term(result.error or '')}"
    if not result.ok:
        return f"[red]{term(result.thread)} failed[/] (line {result.line}) — {term(result.error or result.status)}"
    how = "already done" if result.skipped else ("continued" if result.resumed else f"{result.seconds:.1f}s")
    score = f"{result.score:.1f}/10 → {result.recommendation}" if result.score is not None else ""
    return f"[green]{term(result.thread)}[/] {term(result.status)} · {score} · {how}"


def _summary(batch: BatchFile, results: list[RowResult]) -> None:
    from rich.table import Table

    table = Table("line", "thread", "paper", "status", "score", "recommendation", "time")
    for r in sorted(results, key=lambda r: r.line):
        table.add_row(
            str(r.line),
            term(r.thread),
            term(r.paper),
            term(r.status) + (" (already done)" if r.skipped else ""),
            f"{r.score:.1f}" if r.score is not None else "—",
            r.recommendation or "—",
            f"{r.seconds:.1f}s" if r.status != "malformed" else "—",
        )
    out.print(table)
    failed = [r for r in results if not r.ok]
    done = len(results) - len(failed)
    out.print(f"{done} of {len(results)} rows of {batch.path.name} at the owner's pause or decided", highlight=False)
    if failed:
        lines = ", ".join(str(r.line) for r in sorted(failed, key=lambda r: r.line))
        out.print(f"not done: line(s) {lines}; fix them or re-run the same command to retry", highlight=False)


@app.command()
@with_flags()
def batch(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV (.csv) of rows: paper, question[, thread].")],
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Rows run at once (processes).")] = 1,
    results_path: Annotated[
        Path | None, typer.Option("--results", help="Also write one JSON object per row to this file.")
    ] = None,
    db: DbOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the report files go.")] = Path("."),
    max_revisions: Annotated[
        int, typer.Option("--max-revisions", min=0, max=3, help="Automatic revision rounds (0-3).")
    ] = 1,
    queue: Annotated[
        str | None,
        typer.Option("--queue", help="Enqueue the rows in this PostgreSQL database for `sovereign worker`s instead."),
    ] = None,
    max_line_kb: Annotated[
        int, typer.Option("--max-line-kb", min=1, help="A longer line of FILE is skipped with its reason.")
    ] = LineLimits.line_bytes // KB,
    max_field_kb: Annotated[
        int, typer.Option("--max-field-kb", min=1, help="A longer paper, question or thread skips its row.")
    ] = LineLimits.field_chars // KB,
    *,
    flags: dict[str, Any],
) -> None:
    """Run every row of FILE to the owner's pause; a re-run skips the rows already done and continues stopped ones.

    Every row runs by the same settings (the flags, else the environment, else the defaults: docs/settings.md),
    resolved here and handed to the workers whole; a stopped row continues by the settings its thread recorded.
    Each line of FILE is read on its own: a bad one (not JSON, not UTF-8, over a cap, a value of the wrong type)
    is skipped and named with its reason, and the others run.
    Exit code 0 when every row is at the owner's pause or decided, 1 otherwise (those rows are named)."""
    from sovereign_graph.cli.runs import check_places

    with cli_errors():
        from sovereign_graph.batch.options import RunOptions
        from sovereign_graph.batch.results import RowResult, write_results
        from sovereign_graph.batch.rows import read_batch

        settings = run_settings(flags)
        out_dir = out_dir.resolve()
        check_places(db, out_dir, refuse_damaged=True)
        if results_path is not None and not results_path.resolve().parent.is_dir():
            raise InputError(f"--results {results_path}: no such directory.")
        options = RunOptions.of(settings, max_revisions)
        parsed = read_batch(file, LineLimits(line_bytes=max_line_kb * KB, field_chars=max_field_kb * KB))
        malformed = [
            RowResult(line=p.line, thread="—", paper="—", question="", status="malformed", error=p.reason)
            for p in parsed.problems
        ]
        for result in malformed:
            err.print(row_line(result), highlight=False)
        if queue is not None:
            _enqueue(queue, db, parsed, options, malformed)
            return
        results = _run(parsed, options, db, out_dir, workers) + malformed
        if results_path is not None:
            write_results(results_path, results)
        _summary(parsed, results)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def _enqueue(queue: str, db: str | None, parsed: BatchFile, options: RunOptions, malformed: list[RowResult]) -> None:

    from sovereign_graph.queue.enqueue import enqueue
    from sovereign_graph.queue.settings import require_queue_url

    require_queue_url(queue, "--queue")
    if db is not None and db != queue:
        raise InputError("--queue is also where the workers checkpoint the runs: give --db the same URL, or omit it.")
    found = enqueue(queue, parsed.rows, options)
    for row, status in found.present:
        err.print(f"line {row.line}: {term(row.thread)} already has a {status} job; not queued again", highlight=False)
    out.print(
        f"{len(found.queued)} row(s) queued, {len(found.present)} already queued or done, {len(malformed)} malformed; "
        f"run them with: sovereign worker --db {term(redacted(queue))}",
        highlight=False,
    )
    if malformed:
        raise typer.Exit(1)


def _run(parsed: BatchFile, options: RunOptions, db: str | None, out_dir: Path, workers: int) -> list[RowResult]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from sovereign_graph.batch.pool import run_batch

    rows = parsed.rows
    columns = (TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=err, transient=True) as progress:
            task = progress.add_task("rows", total=len(rows))

            def finished(result: RowResult) -> None:
                progress.console.print(row_line(result), highlight=False)
                progress.advance(task)

            return run_batch(rows, options, db, out_dir, workers=workers, on_result=finished)
    except KeyboardInterrupt as stop:
        err.print(
            "stopped; every finished step is saved: run the same command again to continue the rows that stopped",
            highlight=False,
        )
        said_stopped()
        raise typer.Exit(exit_code(stop)) from None
