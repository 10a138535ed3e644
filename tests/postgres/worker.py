"""A worker process: starts several runs in parallel threads on one PostgreSQL database, each thread on
its own connection, and prints one JSON line per run (thread id, question, status)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor

from sovereign_graph.app.checkpoints import postgres_saver
from sovereign_graph.app.runner import Runner


def run_one(url: str, thread_id: str, paper: str, question: str) -> dict[str, str]:
    with postgres_saver(url) as saver:
        outcome = Runner(saver).start(paper, question, thread_id=thread_id, max_revisions=0)
    return {"thread": outcome.thread_id, "question": outcome.report.question, "status": outcome.report.status}


def main() -> None:
    url, jobs = sys.argv[1], json.loads(sys.argv[2])  # jobs: [[thread id, paper, question], ...]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        for result in pool.map(lambda job: run_one(url, *job), jobs):
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
