"""Ctrl-C at random moments of many runs in one process: `python -m tests.faults.ctrl_c_driver DB OUT RUNS SEED`.

Each run is the real `sovereign run` command (typer's runner, in this process, so a run costs a warm run
and not a cold start); a timer thread delivers SIGINT to the main thread, as a terminal's Ctrl-C does.
Prints one JSON summary line. A crash (the segfault this guards against) kills the process instead, which
the caller sees in its exit status.
"""

from __future__ import annotations

import json
import random
import signal
import sys
import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from tests.faults.harness import run_args


def main(db: Path, out: Path, runs: int, seed: int) -> None:
    from sovereign_graph.app.checkpoints import sqlite_saver
    from sovereign_graph.app.runner import Runner
    from sovereign_graph.cli import app

    cli = CliRunner()
    started = time.perf_counter()
    warm = cli.invoke(app, run_args(db, out, "warm"))
    assert warm.exit_code == 0, warm.output
    duration = time.perf_counter() - started  # a warm run's length bounds the random moments
    rng = random.Random(seed)
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    codes: dict[str, int] = {}
    for index in range(runs):
        thread = f"race-{index}"
        timer = threading.Timer(rng.uniform(0.0, duration), signal.pthread_kill, (main_thread, signal.SIGINT))
        try:
            timer.start()
            result = cli.invoke(app, run_args(db, out, thread))
            codes[thread] = result.exit_code
            time.sleep(0.05)  # a signal that fired as the run ended lands here, not in the next run
        except KeyboardInterrupt:
            codes.setdefault(thread, 130)
        finally:
            timer.cancel()
    unresumable, resumed = [], 0
    with sqlite_saver(db) as saver:
        runner = Runner(saver)
        for thread in codes:
            try:
                status = runner.status(thread)
            except Exception:  # never started: the stop came before the first checkpoint
                continue
            if status.startswith("stopped before"):
                try:
                    if runner.resume(thread, None).paused:
                        resumed += 1
                except Exception as error:
                    unresumable.append(f"{thread}: {error}")
            elif status != "awaiting_owner":
                unresumable.append(f"{thread}: {status}")
    summary = {
        "runs": runs,
        "stopped": sum(code == 130 for code in codes.values()),
        "finished": sum(code == 0 for code in codes.values()),
        "other": {t: c for t, c in codes.items() if c not in (0, 130)},
        "resumed": resumed,
        "unresumable": unresumable,
    }
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
