"""One row, run to the owner's pause in this process: what a batch worker process (and a queue worker) calls.

Idempotent by thread id: a thread that reached the owner (or was decided) is not run again, one that stopped
part-way (a kill, a failure) continues from its last checkpoint, by the settings its thread recorded (a re-run
with other flags does not change a started thread's thresholds), a new one starts. Each process keeps one
checkpointer connection and one runner per set of options for its whole life.
"""

from __future__ import annotations

import atexit
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from sovereign_graph.batch.options import RunOptions
from sovereign_graph.batch.results import RowResult, is_done
from sovereign_graph.batch.rows import BatchRow
from sovereign_graph.errors import SovereignError

if TYPE_CHECKING:
    from sovereign_graph.app.runner import ProgressCallback, Runner, RunOutcome

_OPEN = ExitStack()
atexit.register(_OPEN.close)
_RUNNERS: dict[tuple[str | None, RunOptions], Runner] = {}


def runner_for(db: str | None, options: RunOptions) -> Runner:
    key = (db, options)
    if key not in _RUNNERS:
        from sovereign_graph.app.checkpoints import open_saver
        from sovereign_graph.app.runner import Runner

        saver = _OPEN.enter_context(open_saver(db, must_exist=False, for_new_threads=True))
        _RUNNERS[key] = Runner(saver, options.context(db))
    return _RUNNERS[key]


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def run_row(
    row: BatchRow, options: RunOptions, db: str | None, out_dir: Path, on_progress: ProgressCallback | None = None
) -> RowResult:
    """The row's outcome; a failure of this row (bad paper, a backend that kept failing, an unwritable report)
    is its result, never an exception that would stop the other rows. Ctrl-C and SIGTERM do propagate."""
    from sovereign_graph.report.files import write_report_files

    started = time.perf_counter()

    def result(status: str, outcome: RunOutcome | None = None, **more: object) -> RowResult:
        report = outcome.report if outcome is not None else None
        path = None
        if report is not None:
            path = str(write_report_files(report, out_dir)[0])
        return RowResult(
            line=row.line,
            thread=row.thread,
            paper=report.paper.id if report is not None else row.paper,
            question=row.question,
            status=status,
            score=report.score if report is not None else None,
            recommendation=report.recommendation if report is not None else None,
            seconds=round(time.perf_counter() - started, 2),
            report=path,
            **more,  # type: ignore[arg-type]
        )

    try:
        runner = runner_for(db, options)
        if not runner.has_thread(row.thread):
            outcome = runner.start(
                row.paper,
                row.question,
                thread_id=row.thread,
                max_revisions=options.max_revisions,
                out_dir=out_dir,
                on_progress=on_progress,
            )
            return result(runner.status(row.thread), outcome)
        held = runner.question_of(row.thread)
        if held is not None and not _same(held, row.question):
            return result("failed", error=f"thread {row.thread} already holds another question: {held[:80]!r}")
        status = runner.status(row.thread)
        if status == "running":
            return result("failed", error=f"thread {row.thread} is running in another process")
        if is_done(status):
            from sovereign_graph.app.runner import RunOutcome

            done = RunOutcome(row.thread, runner.report(row.thread), paused=status == "awaiting_owner")
            return result(status, done, skipped=True)
        outcome = runner.resume(row.thread, None, out_dir=out_dir, on_progress=on_progress)
        return result(runner.status(row.thread), outcome, resumed=True)
    except SovereignError as error:
        return result("failed", error=str(error))
    except Exception as error:  # one row's bug must not lose the others' work
        return result("failed", error=f"{type(error).__name__}: {error}")
