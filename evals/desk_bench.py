"""The owner's desk under a realistic load: how long its pages take, and how long a decision takes to be applied.

    python evals/desk_bench.py --out evals/results/desk_bench.txt [--threads 30]

`--threads` offline runs (the labelled questions, cycled, on the bundled snapshot, `--max-revisions 0`) pause for
the owner in one SQLite database; `sovereign serve --port 0` runs on it in its own process and an HTTP client
(httpx, one connection) requests: the list, a thread's page, its JSON, 20 times each (p50 / p95 / max); then
for three threads a decision posted through the form: approve, reject, and revise (a whole revision round to
the next pause), timed from the POST until the page shows the new state.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tables import cpu_and_memory, key_value_table
from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.evaluation.questions import load_questions
from sovereign_graph.runtime.context import Context

QUESTIONS = Path(__file__).resolve().parent / "data" / "relevance" / "questions.jsonl"
REPEATS = 20


def make_threads(db: Path, count: int, out_dir: Path) -> float:
    questions = load_questions(QUESTIONS)
    started = time.perf_counter()
    with sqlite_saver(db) as saver:
        runner = Runner(saver, Context())
        for n in range(count):
            q = questions[n % len(questions)]
            runner.start(q.paper, q.question, thread_id=f"t{n:03d}", max_revisions=0, out_dir=out_dir)
    return time.perf_counter() - started


def timed(client: httpx.Client, path: str) -> list[float]:
    seconds = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        answer = client.get(path)
        seconds.append(time.perf_counter() - started)
        assert answer.status_code == 200, (path, answer.status_code)
    return seconds


def decide(client: httpx.Client, thread: str, decision: str, until: str) -> float:
    page = client.get(f"/threads/{thread}").text
    fields = {n: re.search(rf'name="{n}" value="([^"]*)"', page).group(1) for n in ("csrf", "pause")}  # type: ignore[union-attr]
    started = time.perf_counter()
    answer = client.post(f"/threads/{thread}/decision", data=fields | {"decision": decision, "note": "bench"})
    assert answer.status_code == 303, answer.text
    while f'id="status">{until}<' not in client.get(f"/threads/{thread}").text or (
        decision == "revise" and 'id="decision-form"' not in client.get(f"/threads/{thread}").text
    ):
        time.sleep(0.05)
        assert time.perf_counter() - started < 300
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=30)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    console = Console(record=True, width=120)
    cpu, memory = cpu_and_memory()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "desk.sqlite"
        made = make_threads(db, args.threads, Path(tmp) / "reports")
        command = [sys.executable, "-m", "sovereign_graph", "serve", "--db", str(db), "--port", "0"]
        started = time.perf_counter()
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            port = re.search(r"127\.0\.0\.1:(\d+)/", server.stdout.readline()).group(1)  # type: ignore[union-attr]
            startup = time.perf_counter() - started
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                pages = {
                    f"/ (list of {args.threads})": timed(client, "/"),
                    "/threads/t000 (report page)": timed(client, "/threads/t000"),
                    "/threads/t000.json": timed(client, "/threads/t000.json"),
                }
                decisions = {
                    "approve → approved": decide(client, "t001", "approve", "approved"),
                    "reject → rejected": decide(client, "t002", "reject", "rejected"),
                    "revise → paused again": decide(client, "t003", "revise", "awaiting owner"),
                }
        finally:
            server.terminate()
            server.wait(10)
    console.print(
        key_value_table(
            "desk benchmark",
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory}, load {load:.2f}",
                "python": platform.python_version(),
                "inputs": f"{args.threads} paused offline threads ({made:.0f} s to run), SQLite, one HTTP client",
                "server start": f"{startup:.2f} s to the first line (sovereign serve --port 0)",
            },
        )
    )
    table = Table("request", "p50 ms", "p95 ms", "max ms", title=f"pages ({REPEATS} requests each)")
    for name, seconds in pages.items():
        ordered = sorted(seconds)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        table.add_row(
            name, f"{statistics.median(seconds) * 1000:.0f}", f"{p95 * 1000:.0f}", f"{ordered[-1] * 1000:.0f}"
        )
    console.print(table)
    applied = Table("decision (posted through the form)", "seconds until the page shows it", title="decisions")
    for name, took in decisions.items():
        applied.add_row(name, f"{took:.2f}")
    console.print(applied)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
