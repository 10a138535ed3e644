"""Decisions applied in the background: the page answers at once, and shows the run's progress (a line per
finished node, as the CLI prints) until it pauses again or is final. One job per thread at a time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from sovereign_graph.errors import shown

JobState = Literal["running", "done", "failed"]
Work = Callable[["Job"], None]  # applies the decision, reporting progress through the job


@dataclass
class Job:
    thread_id: str
    decision: str
    started: float = field(default_factory=time.monotonic)
    state: JobState = "running"
    lines: list[str] = field(default_factory=list)
    error: str = ""

    def node(self, node: str, update: dict[str, Any], seconds: float) -> None:
        from sovereign_graph.progress import describe_node

        self.lines.append(f"{seconds:6.1f}s  {node:<11} {describe_node(node, update)}".rstrip())


class Jobs:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}

    def get(self, thread_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(thread_id)

    def running(self, thread_id: str) -> bool:
        job = self.get(thread_id)
        return job is not None and job.state == "running"

    def start(self, thread_id: str, decision: str, work: Work) -> Job:
        job = Job(thread_id, decision)
        with self._lock:
            current = self._jobs.get(thread_id)
            if current is not None and current.state == "running":
                raise RuntimeError(f"a decision on {shown(thread_id)} is already being applied")
            self._jobs[thread_id] = job
        threading.Thread(target=self._run, args=(job, work), name=f"desk-{thread_id}", daemon=True).start()
        return job

    @staticmethod
    def _run(job: Job, work: Work) -> None:
        try:
            work(job)
            job.state = "done"
        except BaseException as error:  # shown on the page; the thread's finished steps are saved either way
            job.error = str(error) or type(error).__name__
            job.state = "failed"
