"""The procrastinate app on a database URL, with the one task this package runs: a batch row, through the same
`batch.job.run_row` as a local batch (so a job is idempotent by its thread id, which is its lock)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sovereign_graph.batch.options import RunOptions
from sovereign_graph.batch.results import RowResult
from sovereign_graph.batch.rows import BatchRow
from sovereign_graph.errors import InputError
from sovereign_graph.queue.settings import QUEUE, SCHEMA_LOCK_KEY, TASK

INSTALL_HINT = 'the queue needs the postgres extra: pip install "sovereign-graph[postgres]"'
OUTCOMES_TABLE = """
CREATE TABLE IF NOT EXISTS sovereign_queue_outcomes (
    job_id bigint PRIMARY KEY,
    thread_id text NOT NULL,
    status text NOT NULL,
    error text,
    seconds double precision,
    finished_at double precision NOT NULL
)"""


class RowFailed(Exception):
    """The row's run failed (its reason is in `queue status`): the job is marked failed, not retried."""


def job_args(row: BatchRow, options: RunOptions) -> dict[str, Any]:
    return {"row": asdict(row), "options": asdict(options)}


def procrastinate_module() -> Any:
    """procrastinate, or the line saying which extra brings it."""
    try:
        import procrastinate
        import procrastinate.exceptions
    except ImportError as error:
        raise InputError(INSTALL_HINT) from error
    return procrastinate


def queue_app(
    url: str,
    out_dir: Path | None = None,
    on_result: Callable[[RowResult], None] | None = None,
    on_node: Callable[[str, str, float], None] | None = None,
) -> Any:
    """A procrastinate `App` on `url`; `out_dir`: where a worker writes report files; `on_result`: told each row's
    outcome; `on_node`: told (thread, node, seconds) as each of a run's nodes finishes."""
    procrastinate = procrastinate_module()
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(name=TASK, queue=QUEUE, pass_context=True)
    def run_row_job(context: Any, row: dict[str, Any], options: dict[str, Any]) -> None:  # a JobContext
        from sovereign_graph.batch.job import run_row

        job_id = context.job.id if context.job is not None else None
        job_row = BatchRow(**row)

        def progress(node: str, update: dict[str, Any], seconds: float) -> None:
            if on_node is not None:
                on_node(job_row.thread, node, seconds)

        result = run_row(job_row, RunOptions.from_job(options), url, (out_dir or Path(".")).resolve(), progress)
        if job_id is not None:
            record_outcome(url, job_id, result)
        if on_result is not None:
            on_result(result)
        if not result.ok:
            raise RowFailed(result.error or result.status)

    return app


def connect(url: str) -> Any:
    procrastinate_module()  # the same extra brings psycopg
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as error:
        raise InputError(f"cannot connect to the PostgreSQL queue: {str(error).strip().splitlines()[0]}") from None


def ensure_schema(url: str) -> None:
    """procrastinate's tables and ours, created once (under an advisory lock: workers may start together)."""
    procrastinate = procrastinate_module()

    with connect(url) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        try:
            present = connection.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
            if not (present and present[0]):
                schema = procrastinate.App(connector=procrastinate.SyncPsycopgConnector(conninfo=url))
                with schema.open():
                    schema.schema_manager.apply_schema()
            connection.execute(OUTCOMES_TABLE)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK_KEY,))


def record_outcome(url: str, job_id: int, result: RowResult) -> None:
    with connect(url) as connection:
        connection.execute(
            "INSERT INTO sovereign_queue_outcomes (job_id, thread_id, status, error, seconds, finished_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (job_id) DO UPDATE SET status = EXCLUDED.status, "
            "error = EXCLUDED.error, seconds = EXCLUDED.seconds, finished_at = EXCLUDED.finished_at",
            (job_id, result.thread, result.status, result.error, result.seconds, time.time()),
        )
