"""Rows into the queue: each a job locked by its thread id, so two workers never run one thread at once and a
row already queued, running or done is not queued again (re-enqueuing a batch is safe)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sovereign_graph.batch.options import RunOptions
from sovereign_graph.batch.rows import BatchRow
from sovereign_graph.queue.app import connect, ensure_schema, job_args, procrastinate_module, queue_app
from sovereign_graph.queue.settings import TASK


@dataclass(frozen=True)
class Enqueued:
    queued: list[BatchRow]
    present: list[tuple[BatchRow, str]]  # rows whose thread already has a live or finished job: (row, its status)


def _present(url: str, threads: list[str]) -> dict[str, str]:
    with connect(url) as connection:
        rows = connection.execute(
            "SELECT lock, status::text FROM procrastinate_jobs WHERE task_name = %s AND lock = ANY(%s) "
            "AND status IN ('todo', 'doing', 'succeeded')",
            (TASK, threads),
        ).fetchall()
    return {str(lock): str(status) for lock, status in rows}


def enqueue(url: str, rows: Sequence[BatchRow], options: RunOptions) -> Enqueued:
    ensure_schema(url)
    present = _present(url, [r.thread for r in rows])
    app = queue_app(url)
    already_enqueued = procrastinate_module().exceptions.AlreadyEnqueued
    queued: list[BatchRow] = []
    already: list[tuple[BatchRow, str]] = []
    with app.open():
        task = app.tasks[TASK]
        for row in rows:
            if row.thread in present:
                already.append((row, present[row.thread]))
                continue
            try:
                # lock: one job of a thread runs at a time; queueing_lock: one waiting job per thread.
                task.configure(lock=row.thread, queueing_lock=row.thread).defer(**job_args(row, options))
            except already_enqueued:
                already.append((row, "todo"))
                continue
            queued.append(row)
    return Enqueued(queued, already)
