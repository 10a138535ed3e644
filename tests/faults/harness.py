"""Driving the real `sovereign` command in its own process, as a user (or a crash) would: start it, watch
its progress lines, kill or signal it at a node boundary, and read what it left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import SMOES

FAULT_QUESTION = "Does modality-guided expert specialization improve the accuracy of MoE-based VLMs?"
COMMAND = (sys.executable, "-m", "sovereign_graph")
TIMEOUT = 180.0


@dataclass(frozen=True)
class Finished:
    code: int
    stdout: str
    stderr: str

    @property
    def last_error_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOVEREIGN_")}
    env.update({"SOVEREIGN_HOME": str(home), "PYTHONFAULTHANDLER": "1", **extra})
    return env


def sovereign(args: Sequence[str | bytes], env: dict[str, str], stdin: str | None = None) -> Finished:
    done = subprocess.run(
        [*COMMAND, *args], env=env, capture_output=True, timeout=TIMEOUT, input=stdin.encode() if stdin else None
    )
    return Finished(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))


def run_args(db: Path | str, out: Path, thread: str, *extra: str) -> list[str]:
    return ["run", "--paper", SMOES, "--question", FAULT_QUESTION, "--db", str(db), "--out", str(out),
            "--thread", thread, *extra]  # fmt: skip


def finished_node(line: str) -> str | None:
    """The node a progress line reports finished ('  0.4s plan  2604.23996 ...'), if it is one."""
    parts = line.split()
    if len(parts) >= 2 and parts[0].endswith("s") and parts[0][:-1].replace(".", "", 1).isdigit():
        return parts[1] if parts[1] != "·" else None
    return None


def signal_at(args: Sequence[str], env: dict[str, str], node: str, signum: int, nth: int = 1) -> tuple[Finished, bool]:
    """Start the command, and send `signum` as soon as the `nth` progress line of `node` appears.
    Returns what the process left and whether the node was reached (else it ran to its end)."""
    process = subprocess.Popen([*COMMAND, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stderr is not None and process.stdout is not None
    seen, lines, reached = 0, [], False
    for raw in process.stderr:
        line = raw.decode(errors="replace")
        lines.append(line)
        if finished_node(line) == node:
            seen += 1
            if seen == nth:
                process.send_signal(signum)
                reached = True
                break
    rest_err = process.stderr.read().decode(errors="replace")
    out = process.stdout.read().decode(errors="replace")
    code = process.wait(timeout=TIMEOUT)
    return Finished(code, out, "".join(lines) + rest_err), reached


def signal_after(args: Sequence[str], env: dict[str, str], seconds: float, signum: int) -> Finished:
    process = subprocess.Popen([*COMMAND, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(seconds)
    process.send_signal(signum)
    out, err = process.communicate(timeout=TIMEOUT)
    return Finished(process.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


def kill_at(args: Sequence[str], env: dict[str, str], node: str, nth: int = 1) -> tuple[Finished, bool]:
    return signal_at(args, env, node, signal.SIGKILL, nth)


def report_json(out: Path, thread: str) -> dict[str, Any]:
    """The report as written, without what differs between two threads of one run (the thread's id)."""
    report = json.loads((out / f"{thread}.json").read_text(encoding="utf-8"))
    report.pop("thread_id", None)
    return dict(report)


def leftovers(directory: Path) -> list[str]:
    """Temporaries and half pairs a failed write may have left in a report directory."""
    if not directory.exists():
        return []
    names = {p.name for p in directory.iterdir()}
    odd = [n for n in names if n.endswith(".tmp")]
    for name in names:
        stem, dot, ext = name.rpartition(".")
        if dot and ext in ("md", "json") and f"{stem}.{'json' if ext == 'md' else 'md'}" not in names:
            odd.append(name)
    return sorted(odd)


def thread_status(db: Path, thread: str) -> str:
    """The thread's status as `sovereign threads` computes it, read in this process."""
    from sovereign_graph.app.checkpoints import sqlite_saver
    from sovereign_graph.app.runner import Runner

    with sqlite_saver(db) as saver:
        return Runner(saver).status(thread)
