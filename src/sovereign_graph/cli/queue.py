"""`sovereign worker` and `sovereign queue status`: the many-machines side of `sovereign batch --queue`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sovereign_graph.cli.common import app, cli_errors, err, out
from sovereign_graph.home import redacted
from sovereign_graph.queue.settings import require_queue_url

queue_app = typer.Typer(help="The PostgreSQL queue of `sovereign batch --queue`.", no_args_is_help=True)
app.add_typer(queue_app, name="queue")

QueueDb = Annotated[str, typer.Option("--db", help="The queue's PostgreSQL URL (also the runs' checkpoints).")]


@app.command()
def worker(
    db: QueueDb,
    out_dir: Annotated[Path, typer.Option("--out", help="Where this worker writes report files.")] = Path("."),
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Stop when no job is waiting (default: wait for more).")
    ] = False,
) -> None:
    """Take queued batch rows one at a time and run each to the owner's pause (Ctrl-C: finish the current one)."""
    from rich.markup import escape

    from sovereign_graph.app.writable import require_writable_dir
    from sovereign_graph.batch.results import RowResult
    from sovereign_graph.cli.batch import row_line

    with cli_errors():
        require_queue_url(db)
        out_dir = require_writable_dir(out_dir.resolve(), "--out")
        from sovereign_graph.queue.worker import work

        def told(result: RowResult) -> None:
            err.print(row_line(result), highlight=False)

        def requeued(job_id: int, thread: str) -> None:
            err.print(
                f"job {job_id} ({escape(thread)}): its worker went silent; put back in the queue", highlight=False
            )

        def node(thread: str, name: str, seconds: float) -> None:
            err.print(f"[dim]{seconds:6.1f}s {escape(thread)} {name}[/]", highlight=False)

        err.print(f"worker on {escape(redacted(db))}, reports to {escape(str(out_dir))}", highlight=False)
        work(db, out_dir, until_empty=until_empty, on_result=told, on_requeued=requeued, on_node=node)


@queue_app.command("status")
def status(db: QueueDb) -> None:
    """Jobs queued, running, done and failed; the stuck ones (their worker went silent) and why jobs failed."""
    from rich.markup import escape
    from rich.table import Table

    with cli_errors():
        require_queue_url(db)
        from sovereign_graph.queue.status import queue_status

        found = queue_status(db)
    table = Table(*found.counts)
    table.add_row(*(str(n) for n in found.counts.values()))
    out.print(table)
    for line in found.stuck:
        out.print(f"stuck: job {line.job_id} ({escape(line.thread)}) — {escape(line.detail)}", highlight=False)
    for line in found.failed:
        out.print(f"failed: job {line.job_id} ({escape(line.thread)}) — {escape(line.detail)}", highlight=False)
