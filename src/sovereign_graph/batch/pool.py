"""Rows through a pool of worker processes: the graph's work is CPU-bound Python, so parallel rows need
processes, not threads. Each process loads the corpus and opens the checkpointer once, then takes rows
until none are left; results come back as they finish.

A stop (Ctrl-C, SIGTERM) stops every worker at its current step; finished steps are saved, and re-running
the batch continues each row from its checkpoint.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from sovereign_graph.batch.job import run_row
from sovereign_graph.batch.options import RunOptions
from sovereign_graph.batch.results import RowResult
from sovereign_graph.batch.rows import BatchRow

OnResult = Callable[[RowResult], None]


def _worker_started() -> None:
    from threadpoolctl import threadpool_limits

    from sovereign_graph.app.stopping import install_handlers

    # SIGTERM unwinds a worker like Ctrl-C (its step's checkpoint and lease are settled), instead of killing it.
    install_handlers()
    # The pool is the parallelism: a worker whose numpy also spread over every core would fight its siblings.
    threadpool_limits(limits=1)


def _lost(row: BatchRow) -> RowResult:
    return RowResult(
        line=row.line,
        thread=row.thread,
        paper=row.paper,
        question=row.question,
        status="failed",
        error="a worker process died (killed?) before this row finished; re-run the batch to continue it",
    )


def run_batch(
    rows: Sequence[BatchRow],
    options: RunOptions,
    db: str | None,
    out_dir: Path,
    *,
    workers: int = 1,
    on_result: OnResult | None = None,
) -> list[RowResult]:
    """Every row's result, in the order they finished. `workers` 1 runs the rows in this process."""
    results: list[RowResult] = []

    def done(result: RowResult) -> None:
        results.append(result)
        if on_result is not None:
            on_result(result)

    if workers <= 1 or len(rows) <= 1:
        for row in rows:
            done(run_row(row, options, db, out_dir))
        return results
    # spawn: a forked child would inherit the parent's threads' locks (numpy, sqlite) in whatever state they were.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_started) as pool:
        pending: dict[Future[RowResult], BatchRow] = {}
        queue = list(rows)
        try:
            while queue or pending:
                # Submit no more than the pool runs at once: a stop then leaves the rest unstarted, not queued.
                while queue and len(pending) < workers:
                    row = queue.pop(0)
                    pending[pool.submit(run_row, row, options, db, out_dir)] = row
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    row = pending.pop(future)
                    try:
                        done(future.result())
                    except BrokenProcessPool:
                        # A worker died (killed, out of memory): the pool is gone with it. Its rows keep their
                        # checkpoints; a re-run continues them.
                        for lost in [row, *pending.values(), *queue]:
                            done(_lost(lost))
                        return results
        except KeyboardInterrupt as stop:
            from sovereign_graph.app.stopping import Terminated

            if isinstance(stop, Terminated):  # Ctrl-C reached the whole process group; SIGTERM only this process
                for pid in list(getattr(pool, "_processes", {}) or {}):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results
