"""Batch throughput: the same 40 questions run to the owner's pause by `sovereign batch` on 1, 2 and 4 worker
processes (embedded default, a fresh SQLite database each time), then by 2 `sovereign worker`s on the
PostgreSQL queue when $SOVEREIGN_TEST_PG_URL names a server.

Wall time includes what a user waits for: starting the command and each worker process loading the corpus.

    PYTHONPATH=src python3 evals/batch_bench.py [--rows 40] [--out evals/results/batch_bench.txt]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tables import cpu_and_memory, key_value_table

QUESTIONS = Path(__file__).resolve().parent / "data" / "relevance" / "questions.jsonl"
COMMAND = (sys.executable, "-m", "sovereign_graph")


def write_rows(path: Path, n: int) -> None:
    """`n` rows: the labelled questions in order, again from the first past the 81st (each row its own thread)."""
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    rows = [questions[i % len(questions)] for i in range(n)]
    path.write_text(
        "".join(
            json.dumps({"paper": q["paper"], "question": q["question"], "thread": f"bench-{i:03d}"}) + "\n"
            for i, q in enumerate(rows)
        ),
        encoding="utf-8",
    )


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOVEREIGN_")}
    env["SOVEREIGN_HOME"] = str(home)
    return env


def local_batch(rows: Path, workers: int, scratch: Path) -> tuple[float, list[dict[str, object]]]:
    results = scratch / f"results-{workers}.jsonl"
    args = [*COMMAND, "batch", str(rows), "--workers", str(workers), "--db", str(scratch / f"b{workers}.sqlite")]
    args += ["--out", str(scratch / f"out{workers}"), "--results", str(results)]
    started = time.perf_counter()
    done = subprocess.run(args, env=environment(scratch / "home"), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"batch on {workers} workers failed: {done.stderr[-2000:]}")
    return seconds, [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]


def queue_batch(rows: Path, workers: int, scratch: Path, server: str) -> float:
    """Enqueue, then time `workers` workers started together until the queue is empty."""
    import psycopg

    name = f"sovereign_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    env = environment(scratch / "home")
    try:
        subprocess.run([*COMMAND, "batch", str(rows), "--queue", url], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        procs = [
            subprocess.Popen(
                [*COMMAND, "worker", "--db", url, "--out", str(scratch / "qout"), "--until-empty"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        for proc in procs:
            proc.wait()
        return time.perf_counter() - started
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--out", type=Path, default=None)
    options = parser.parse_args()
    console = Console(record=True, width=120)
    cpu, memory = cpu_and_memory()
    console.print(
        key_value_table(
            "Batch throughput",
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), {memory}, "
                f"Python {platform.python_version()}",
                "inputs": f"{options.rows} rows: the questions of evals/data/relevance/questions.jsonl in order "
                "(81, then again from the first), on the bundled snapshot",
                "engines": "embedded default (offline), max revisions 1, a fresh database per run",
            },
        )
    )
    table = Table("how", "workers", "wall time", "rows/s", "speed-up vs 1", "median row", "rows at the pause")
    with tempfile.TemporaryDirectory() as temp:
        scratch = Path(temp)
        rows = scratch / "rows.jsonl"
        write_rows(rows, options.rows)
        base = 0.0
        for workers in (1, 2, 4):
            seconds, results = local_batch(rows, workers, scratch)
            base = base or seconds  # the 1-worker time
            times = sorted(float(str(r["seconds"])) for r in results)
            paused = sum(r["status"] == "awaiting_owner" for r in results)
            table.add_row(
                "sovereign batch (SQLite)",
                str(workers),
                f"{seconds:.1f} s",
                f"{len(results) / seconds:.2f}",
                f"{base / seconds:.2f}×",
                f"{times[len(times) // 2]:.2f} s",
                f"{paused}/{len(results)}",
            )
        server = os.environ.get("SOVEREIGN_TEST_PG_URL")
        if server:
            for workers in (1, 2):
                seconds = queue_batch(rows, workers, scratch, server)
                table.add_row(
                    "queue + sovereign worker (PostgreSQL)",
                    str(workers),
                    f"{seconds:.1f} s",
                    f"{options.rows / seconds:.2f}",
                    f"{base / seconds:.2f}×",
                    "—",
                    "—",
                )
    console.print(table)
    console.print(
        "target (issue 17): 2 workers >= 1.7× one worker. 2 cores: past 2 workers the processes share the cores."
    )
    if options.out is not None:
        options.out.write_text(console.export_text(), encoding="utf-8")


if __name__ == "__main__":
    main()
