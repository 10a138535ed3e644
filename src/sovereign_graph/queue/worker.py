"""`sovereign worker`: take jobs one at a time and run each row to the owner's pause, checkpointing into the
queue's own database. Beside procrastinate's worker runs a watcher: a job whose worker stopped sending
heartbeats (killed, its machine gone) goes back to the queue, and the next worker continues its thread from
the last checkpoint (`run_row` never runs a finished thread again)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sovereign_graph.batch.results import RowResult
from sovereign_graph.queue.app import ensure_schema, queue_app
from sovereign_graph.queue.settings import QUEUE, heartbeat_seconds, stall_seconds


async def _requeue_stalled(app: Any, stall: float, on_requeued: Callable[[int, str], None] | None) -> None:
    while True:
        await asyncio.sleep(stall / 2)
        for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stall):
            try:
                await app.job_manager.retry_job(job)
            except Exception:  # another worker's watcher put it back first
                continue
            if on_requeued is not None:
                on_requeued(int(job.id), str(job.lock))


def work(
    url: str,
    out_dir: Path,
    *,
    until_empty: bool = False,
    on_result: Callable[[RowResult], None] | None = None,
    on_requeued: Callable[[int, str], None] | None = None,
    on_node: Callable[[str, str, float], None] | None = None,
) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM: the job in progress finishes first), or, `until_empty`, until none
    is waiting."""
    stall = stall_seconds()
    ensure_schema(url)
    app = queue_app(url, out_dir, on_result=on_result, on_node=on_node)
    # A failed row is reported once, by `on_result` and `queue status`: not also as procrastinate's traceback.
    logging.getLogger("procrastinate").setLevel(logging.CRITICAL)

    async def main() -> None:
        async with app.open_async():
            watcher = asyncio.create_task(_requeue_stalled(app, stall, on_requeued))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    concurrency=1,  # a run is CPU-bound: more rows at once means more workers (processes)
                    wait=not until_empty,
                    name=f"{socket.gethostname()}:{os.getpid()}",
                    update_heartbeat_interval=heartbeat_seconds(),
                    stalled_worker_timeout=stall,
                )
            finally:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    asyncio.run(main())
