"""`sovereign queue status`: how many jobs wait, run, are done or failed, which running ones are stuck (their
worker stopped sending heartbeats), and why the failed ones failed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sovereign_graph.queue.app import connect, ensure_schema
from sovereign_graph.queue.settings import TASK, stall_seconds

# procrastinate's job statuses, in the words `queue status` uses.
STATUS_WORDS = {
    "todo": "queued",
    "doing": "running",
    "succeeded": "done",
    "failed": "failed",
    "cancelled": "failed",
    "aborting": "running",
    "aborted": "failed",
}


@dataclass(frozen=True)
class JobLine:
    job_id: int
    thread: str
    detail: str


@dataclass(frozen=True)
class QueueStatus:
    counts: dict[str, int]
    stuck: list[JobLine] = field(default_factory=list)
    failed: list[JobLine] = field(default_factory=list)


def queue_status(url: str) -> QueueStatus:
    ensure_schema(url)
    counts = dict.fromkeys(("queued", "running", "done", "failed"), 0)
    with connect(url) as connection:
        for status, count in connection.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs WHERE task_name = %s GROUP BY status", (TASK,)
        ).fetchall():
            word = STATUS_WORDS.get(str(status), str(status))
            counts[word] = counts.get(word, 0) + int(count)
        stuck = [
            JobLine(int(job_id), str(lock), "no worker" if age is None else f"worker silent for {age:.0f} s")
            for job_id, lock, age in connection.execute(
                "SELECT j.id, j.lock, EXTRACT(EPOCH FROM now() - w.last_heartbeat)::float FROM procrastinate_jobs j "
                "LEFT JOIN procrastinate_workers w ON w.id = j.worker_id WHERE j.task_name = %s AND "
                "j.status = 'doing' AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => %s)) "
                "ORDER BY j.id",
                (TASK, stall_seconds()),
            ).fetchall()
        ]
        failed = [
            JobLine(int(job_id), str(lock), str(error or "no reason recorded (the worker died while failing?)"))
            for job_id, lock, error in connection.execute(
                "SELECT j.id, j.lock, o.error FROM procrastinate_jobs j LEFT JOIN sovereign_queue_outcomes o "
                "ON o.job_id = j.id WHERE j.task_name = %s AND j.status IN ('failed', 'cancelled', 'aborted') "
                "ORDER BY j.id",
                (TASK,),
            ).fetchall()
        ]
    return QueueStatus(counts, stuck, failed)
