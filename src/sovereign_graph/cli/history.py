"""`sovereign history | fork`: a thread's checkpoints, and a re-run from any of them in a new thread."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sovereign_graph.cli.common import app, cli_errors, out, term
from sovereign_graph.cli.options import (
    RESUME_FLAGS,
    DbOption,
    resume_changes,
    with_flags,
)
from sovereign_graph.cli.runs import LiveProgress, check_out, check_places, finish_run, open_runner, stoppable


@app.command()
def history(
    thread: Annotated[str, typer.Argument(help="The thread (see: sovereign threads).")],
    db: DbOption = None,
) -> None:
    """List a thread's checkpoints, oldest first: what wrote each, what runs next, when, and the score."""
    from rich.table import Table

    with cli_errors(), open_runner(db, must_exist=True) as runner:
        rows = runner.history(thread)
    table = Table("checkpoint", "step", "wrote", "next", "time", "round", "score")
    for row in rows:
        table.add_row(
            row.checkpoint_id,
            str(row.step),
            ", ".join(row.wrote) or "—",
            ", ".join(row.next) + (" (the owner's pause)" if row.paused else "") if row.next else "—",
            row.created_at[:23].replace("T", " "),
            str(row.round) if row.round is not None else "—",
            f"{row.score:.1f}" if row.score is not None else "—",
        )
    out.print(table)


@app.command()
@with_flags(RESUME_FLAGS)
def fork(
    thread: Annotated[str, typer.Argument(help="The thread to fork (it stays as it is).")],
    checkpoint: Annotated[str, typer.Option("--checkpoint", help="The checkpoint id (see: sovereign history).")],
    decision: Annotated[
        str | None,
        typer.Option("--decision", help="approve | reject | revise: the owner's answer in the new thread."),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="The owner's note (for revise: what to look for).")] = "",
    max_revisions: Annotated[
        int | None, typer.Option("--max-revisions", help="Automatic revision rounds in the new thread (0-3).")
    ] = None,
    new_thread: Annotated[str | None, typer.Option("--thread", help="Id of the new thread [default: random].")] = None,
    db: DbOption = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="[default: where the original's draft went]")] = None,
    *,
    flags: dict[str, Any],
) -> None:
    """Re-run a thread from one of its checkpoints in a new thread, with another decision or revision budget.

    The new thread runs by the settings recorded with that checkpoint; as for resume, only how the live models and
    the arXiv API are reached may be given again."""
    from sovereign_graph.app.runner import check_decision
    from sovereign_graph.names import require_thread_id

    with cli_errors():
        if decision is not None:
            check_decision(decision)
        if new_thread is not None:
            require_thread_id(new_thread)
        changes = resume_changes(flags)
        check_places(db, out_dir.resolve() if out_dir else None, db_must_exist=True, refuse_damaged=True)
        with stoppable(db), open_runner(db, must_exist=True) as runner, LiveProgress() as live:  # checked above
            outcome = runner.fork(
                thread,
                checkpoint,
                decision,
                note,
                max_revisions=max_revisions,
                changes=changes,
                new_thread_id=new_thread,
                out_dir=out_dir.resolve() if out_dir else None,
                **live.callbacks(),
            )
            target = check_out((out_dir or runner.out_dir(outcome.thread_id) or Path(".")).resolve())
        out.print(f"forked {term(thread)}@{term(checkpoint)} → {outcome.thread_id}", highlight=False)
        finish_run(outcome, target, db)
