"""Fault benchmark: every fault of the fault suite run against the real `sovereign` command, with what
happened and what was lost.

Run from the repository root (the package installed, e.g. `pip install -e ".[dev]"`; root, for the
tmpfs and read-only mounts; SOVEREIGN_TEST_PG_URL for the PostgreSQL race):

    python evals/fault_bench.py --out evals/results/fault_bench.txt

Each row is one scenario of `tests/faults/scenarios.py` (the fault suite asserts on the same objects):
SIGKILL at every node boundary then `resume`, SIGKILL after the owner's revise, SIGINT/SIGTERM at a node
boundary and while starting, Ctrl-C at 30 random moments, two owners deciding at once (SQLite and
PostgreSQL), a live run, a locked database, a full disk under the database and under the reports,
read-only --out and $SOVEREIGN_HOME, hostile thread ids, damaged databases, 8 runs on one file, and input
files with bad lines for `corpus build` and `batch` (`tests/faults/bad_lines.py`).
"Lost" compares the end state with an uninterrupted run's draft (the report JSON without its thread
id): "nothing", or what differs. Exit status 1 if any scenario lost something or misbehaved.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.faults

from tests.faults import bad_lines, hostile_files, scenarios
from tests.faults.scenarios import FaultResult, Workspace


def plan(pg_url: str | None, mounts: bool) -> list[tuple[str, Callable[[Workspace], FaultResult]]]:
    steps: list[tuple[str, Callable[[Workspace], FaultResult]]] = [
        ("kills", scenarios.kill_at_every_boundary),
        ("revise-kill", scenarios.kill_after_the_owners_revise),
        ("sigint", lambda s: scenarios.signal_at_a_boundary(s, signal.SIGINT, "index")),
        ("sigterm", lambda s: scenarios.signal_at_a_boundary(s, signal.SIGTERM, "tribunal")),
        ("start-int", lambda s: scenarios.signal_while_starting(s, signal.SIGINT, 0.3)),
        ("start-term", lambda s: scenarios.signal_while_starting(s, signal.SIGTERM, 1.5)),
        ("ctrl-c", lambda s: scenarios.ctrl_c_race(s, runs=30)),
        ("race-sqlite", lambda s: scenarios.race_decisions(s, str(s.db), "race")),
        ("live", scenarios.a_live_run_is_running),
        ("locked", scenarios.locked_database),
        ("ids", scenarios.hostile_thread_ids),
        ("damaged", scenarios.damaged_databases),
        ("many", lambda s: scenarios.many_runs_one_file(s, runs=8)),
        ("corpus-lines", bad_lines.bad_corpus_lines),
        ("batch-lines", bad_lines.bad_batch_lines),
        ("hostile-files", hostile_files.hostile_library),
    ]
    if pg_url:
        steps.insert(8, ("race-pg", lambda s: scenarios.race_decisions(s, pg_url, f"bench-{os.getpid()}")))
    if mounts:
        steps += [
            ("full-db", scenarios.full_disk_database),
            ("full-reports", scenarios.full_disk_reports),
            ("read-only", scenarios.read_only_places),
        ]
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the output to this file")
    args = parser.parse_args()
    console = Console(record=True, width=160)
    pg_url = os.environ.get("SOVEREIGN_TEST_PG_URL")
    mounts = scenarios.can_mount()
    console.print(f"sovereign-graph fault benchmark · {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
    machine = Table("machine", "")
    machine.add_row("platform", platform.platform())
    machine.add_row("python", f"{platform.python_implementation()} {platform.python_version()}")
    machine.add_row("cpus", str(os.cpu_count()))
    machine.add_row("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    machine.add_row("PostgreSQL race", "yes" if pg_url else "skipped (no SOVEREIGN_TEST_PG_URL)")
    machine.add_row("tmpfs / read-only mounts", "yes" if mounts else "skipped (mount not permitted)")
    console.print(machine)
    table = Table("fault", "outcome", "lost", "as expected", "s")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="sovereign-faults-") as root:
        shared = Workspace(Path(root) / "shared")
        for name, scenario in plan(pg_url, mounts):
            space = Workspace(Path(root) / name)
            space.__dict__["reference"] = shared.reference
            if name == "revise-kill":
                space.__dict__["reference_revised"] = shared.reference_revised
            started = time.perf_counter()
            result = scenario(space)
            seconds = time.perf_counter() - started
            failures += not result.ok
            verdict = "yes" if result.ok else "NO: " + "; ".join(result.problems)
            table.add_row(result.fault, result.outcome, result.lost, verdict, f"{seconds:.0f}")
            console.print(f"[dim]{name}: {result.lost} lost, {seconds:.0f} s[/]", highlight=False)
    console.print(table)
    console.print(
        f"{failures} scenarios lost something or misbehaved" if failures else "lost: nothing, in every scenario"
    )
    if args.out:
        args.out.write_text(console.export_text(), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
