"""The faults of the fault suite, each run for real against the `sovereign` command, each returning what
happened and what was lost. `tests/faults/` asserts on them; `evals/fault_bench.py` prints them as a table.

A scenario never mocks: it kills processes, sends signals, mounts a full or read-only file system, holds
SQLite's write lock, corrupts files and races real processes against each other.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from tests.faults.harness import (
    COMMAND,
    TIMEOUT,
    Finished,
    environment,
    kill_at,
    leftovers,
    report_json,
    run_args,
    signal_after,
    signal_at,
    sovereign,
    thread_status,
)

# The boundaries a run to the pause crosses (a second round after `revise`: the question scores < 6.5).
BOUNDARIES = (
    ("plan", 1),
    ("search", 1),
    ("index", 1),
    ("extract", 1),
    ("verify", 1),
    ("skeptic", 1),
    ("tribunal", 1),
    ("revise", 1),
    ("index", 1),  # of the second round (the resumed process starts counting anew)
    ("policy", 1),
)


@dataclass
class FaultResult:
    fault: str
    outcome: str
    lost: str = "nothing"
    problems: list[str] = field(default_factory=list)

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    @property
    def ok(self) -> bool:
        return not self.problems and self.lost == "nothing"


@dataclass
class Workspace:
    """One directory for a scenario: its own $SOVEREIGN_HOME, database and report directory."""

    root: Path

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def env(self) -> dict[str, str]:
        return environment(self.root / "home", SOVEREIGN_DB_BUSY_SECONDS="2")

    @property
    def db(self) -> Path:
        return self.root / "runs.sqlite"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def sovereign(self, *args: str | bytes, stdin: str | None = None) -> Finished:
        return sovereign(list(args), self.env, stdin)

    def run(self, thread: str, *extra: str) -> Finished:
        return self.sovereign(*run_args(self.db, self.out, thread, *extra))

    def resume(self, thread: str, *extra: str) -> Finished:
        return self.sovereign("resume", thread, "--db", str(self.db), *extra)

    @cached_property
    def reference(self) -> dict[str, Any]:
        """The draft an uninterrupted run gives (a thread of its own, in its own database)."""
        place = Workspace(self.root / "reference")
        done = place.run("reference")
        assert done.code == 0, done.stderr
        return report_json(place.out, "reference")

    @cached_property
    def reference_revised(self) -> dict[str, Any]:
        """The draft after the owner's `revise` on the uninterrupted run."""
        place = Workspace(self.root / "reference")
        self.reference  # noqa: B018 - the paused run to revise
        done = place.resume("reference", "--decision", "revise", "--note", "more on routing")
        assert done.code == 0, done.stderr
        return report_json(place.out, "reference")


def _differences(got: dict[str, Any], want: dict[str, Any]) -> str:
    keys = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
    return "nothing" if not keys else "report differs in " + ", ".join(keys)


def kill_at_every_boundary(space: Workspace) -> FaultResult:
    """SIGKILL at each node boundary in turn; each time the thread must read 'stopped before ...', and a
    plain `resume` carries on. The draft at the end must equal an uninterrupted run's."""
    result = FaultResult("SIGKILL at each node boundary (10 kills), resumed each time", "")
    statuses: list[str] = []
    for index, (node, nth) in enumerate(BOUNDARIES):
        args = run_args(space.db, space.out, "k") if index == 0 else ["resume", "k", "--db", str(space.db)]
        done, reached = kill_at(args, space.env, node, nth)
        result.expect(reached, f"the run never reached {node} (exit {done.code}): {done.last_error_line}")
        result.expect(done.code == -signal.SIGKILL, f"killed at {node}, the process ended {done.code}")
        status = thread_status(space.db, "k")
        statuses.append(status)
        result.expect(status.startswith("stopped before"), f"after a kill at {node} the thread reads '{status}'")
        if index == 4:  # a decision given to a stopped run is refused, with the reason, never dropped
            refused = space.resume("k", "--decision", "approve")
            result.expect(refused.code == 2, f"a decision on a stopped run exited {refused.code}")
            result.expect("not recorded" in refused.stderr, f"a decision on a stopped run: {refused.last_error_line}")
    finished = space.resume("k")
    result.expect(finished.code == 0, f"the last resume exited {finished.code}: {finished.last_error_line}")
    result.expect(thread_status(space.db, "k") == "awaiting_owner", "the thread did not reach the owner's pause")
    result.lost = _differences(report_json(space.out, "k"), space.reference)
    result.outcome = f"statuses: {'; '.join(dict.fromkeys(statuses))}; resumed to the pause"
    return result


def kill_after_the_owners_revise(space: Workspace) -> FaultResult:
    """SIGKILL right after the owner node during `resume --decision revise`: the revise must survive."""
    result = FaultResult("SIGKILL right after the owner's 'revise' is taken", "")
    paused = space.run("r")
    result.expect(paused.code == 0, f"the run exited {paused.code}")
    done, reached = kill_at(
        ["resume", "r", "--db", str(space.db), "--decision", "revise", "--note", "more on routing"], space.env, "owner"
    )
    result.expect(reached, f"the resume never reached the owner node: {done.last_error_line}")
    status = thread_status(space.db, "r")
    result.expect(status.startswith("stopped before"), f"after the kill the thread reads '{status}'")
    finished = space.resume("r")
    result.expect(finished.code == 0, f"the resume exited {finished.code}: {finished.last_error_line}")
    report = report_json(space.out, "r")
    result.lost = _differences(report, space.reference_revised)
    result.outcome = f"'{status}', then resumed: revision round {report.get('revision_rounds')} ran"
    return result


def stop_message_ok(done: Finished, code: int, thread: str) -> list[str]:
    problems = []
    if done.code != code:
        problems.append(f"exit {done.code}, not {code}")
    if "Traceback" in done.stderr or "Fatal Python error" in done.stderr:
        problems.append("a traceback on stderr")
    line = done.last_error_line
    if not (line.startswith("stopped before") and f"continue with: sovereign resume {thread}" in line):
        problems.append(f"the last line is '{line}'")
    return problems


def signal_at_a_boundary(space: Workspace, signum: int, node: str) -> FaultResult:
    name = signal.Signals(signum).name
    code = 128 + signum
    thread = f"sig-{name.lower()}-{node}"
    result = FaultResult(f"{name} while the graph runs (at {node})", "")
    done, reached = signal_at(run_args(space.db, space.out, thread), space.env, node, signum)
    result.expect(reached, f"never reached {node}")
    result.problems += stop_message_ok(done, code, thread)
    finished = space.resume(thread)
    result.expect(finished.code == 0, f"the resume exited {finished.code}")
    result.lost = _differences(report_json(space.out, thread), space.reference)
    result.outcome = f"exit {done.code}: “{done.last_error_line}”; resumed to the pause"
    return result


def signal_while_starting(space: Workspace, signum: int, seconds: float) -> FaultResult:
    """A signal while the command imports or loads the corpus: one line, the shell's exit code, no trace."""
    name = signal.Signals(signum).name
    result = FaultResult(f"{name} {seconds:.1f} s after start (imports / corpus loading)", "")
    done = signal_after(run_args(space.db, space.out, f"early-{name.lower()}"), space.env, seconds, signum)
    # Before the interpreter has set up its handlers the signal's default ends the process (-signum, which
    # a shell reports as 128 + signum too); after, our handler exits 128 + signum itself.
    result.expect(done.code in (128 + signum, -signum), f"exit {done.code}")
    result.expect("Traceback" not in done.stderr, "a traceback on stderr")
    result.expect(done.code < 0 or done.last_error_line.startswith("stopped"), f"said: '{done.last_error_line}'")
    result.outcome = f"exit {done.code}: “{done.last_error_line}”"
    return result


def ctrl_c_race(space: Workspace, runs: int = 30) -> FaultResult:
    """Ctrl-C at random moments of `runs` runs in one process (the race between closing the database and
    a LangGraph worker still writing to it crashed 4 runs in 27): no crash, every thread resumable."""
    result = FaultResult(f"Ctrl-C at a random moment, {runs} runs", "")
    done = subprocess.run(
        [sys.executable, "-m", "tests.faults.ctrl_c_driver", str(space.db), str(space.out), str(runs), "7"],
        env=space.env,
        capture_output=True,
        timeout=TIMEOUT * 3,
        cwd=Path(__file__).resolve().parents[2],
    )
    result.expect(done.returncode == 0, f"the driver ended {done.returncode}: {done.stderr.decode()[-400:]}")
    if done.returncode != 0:
        result.lost = "the driver process"
        result.outcome = f"driver exit {done.returncode}"
        return result
    summary = json.loads(done.stdout.decode().strip().splitlines()[-1])
    result.expect(summary["unresumable"] == [], f"threads not resumable: {summary['unresumable']}")
    result.expect(summary["stopped"] > 0, "no run was stopped mid-way: the race was not exercised")
    result.outcome = (
        f"{summary['stopped']} stopped mid-run (exit 130), {summary['finished']} finished first; "
        f"{summary['resumed']} resumed to the pause; other exits {summary['other'] or 'none'}; 0 segfaults"
    )
    result.lost = "nothing" if not summary["unresumable"] else f"{len(summary['unresumable'])} threads"
    return result


def paused_thread(space: Workspace, thread: str) -> None:
    done = space.run(thread)
    assert done.code == 0, done.stderr


@contextlib.contextmanager
def runner_on(db: str) -> Iterator[Any]:
    from sovereign_graph.app.checkpoints import open_saver
    from sovereign_graph.app.runner import Runner

    with open_saver(db, must_exist=False) as saver:
        yield Runner(saver)


def start_paused(db: str, out: Path, thread: str) -> None:
    """A paused thread, made in this process (warm after the first: the race, not the set-up, is the test)."""
    from sovereign_graph.report.files import write_report_files

    with runner_on(db) as runner:
        args = run_args(db, out, thread)
        outcome = runner.start(args[2], args[4], thread_id=thread, out_dir=out.resolve())
        assert outcome.paused
        write_report_files(outcome.report, out)


def owner_checkpoints(db: str, thread: str) -> int:
    with runner_on(db) as runner:
        return sum(1 for row in runner.history(thread) if row.wrote == ("owner",))


def race_decisions(space: Workspace, db: str, thread: str, trials: int = 3) -> FaultResult:
    """Two owners answer one pause at the same moment, from two processes: exactly one decision applies."""
    kind = "PostgreSQL" if db.startswith("postgresql") else "SQLite"
    result = FaultResult(f"two owners decide at once ({kind}, {trials} trials)", "")
    outcomes = []
    for trial in range(trials):
        name = f"{thread}-{trial}"
        start_paused(db, space.out, name)
        processes = {
            decision: subprocess.Popen(
                [*COMMAND, "resume", name, "--db", db, "--decision", decision],
                env=space.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            for decision in ("approve", "reject")
        }
        codes = {}
        for decision, process in processes.items():
            out, err = process.communicate(timeout=TIMEOUT)
            codes[decision] = (process.returncode, out.decode(), err.decode())
        winners = [d for d, (code, _, _) in codes.items() if code == 0]
        result.expect(len(winners) == 1, f"trial {trial}: exits {[(d, c[0]) for d, c in codes.items()]}")
        if len(winners) == 1:
            winner = winners[0]
            loser = "reject" if winner == "approve" else "approve"
            loser_line = codes[loser][2].strip().splitlines()[-1] if codes[loser][2].strip() else ""
            result.expect(codes[loser][0] == 2, f"trial {trial}: the loser exited {codes[loser][0]}")
            result.expect("decided meanwhile" in loser_line or "already final" in loser_line, loser_line)
            final = json.loads((space.out / f"{name}.json").read_text())
            want = "approved" if winner == "approve" else "rejected"
            result.expect(final["status"] == want, f"trial {trial}: {winner} won but the thread is {final['status']}")
            owners = owner_checkpoints(db, name)
            result.expect(owners == 1, f"trial {trial}: {owners} checkpoints written by the owner node")
            outcomes.append(f"{winner} won; loser: “{loser_line[7:80]}…”")
    result.outcome = "; ".join(dict.fromkeys(outcomes))
    return result


@contextlib.contextmanager
def exclusive_lock(db: Path) -> Iterator[None]:
    connection = sqlite3.connect(str(db), isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def locked_database(space: Workspace) -> FaultResult:
    """Another process holds the write lock: reads go on (the file is in WAL mode), writes wait a bounded
    time, then say 'busy' (exit 1), and the same command works once the lock is gone."""
    result = FaultResult("another process holds the database's write lock", "")
    paused_thread(space, "lock")
    with exclusive_lock(space.db):
        listing = space.sovereign("threads", "--db", str(space.db))
        decided = space.resume("lock", "--decision", "approve")
        started = space.run("lock-new")
    result.expect(listing.code == 0 and "lock" in listing.stdout, f"threads under the lock: exit {listing.code}")
    for what, done in (("resume", decided), ("run", started)):
        result.expect(done.code == 1, f"{what} exited {done.code}")
        result.expect("database busy" in done.last_error_line, f"{what}: {done.last_error_line}")
    again = space.resume("lock", "--decision", "approve")
    result.expect(again.code == 0, f"after the lock, the decision exited {again.code}: {again.last_error_line}")
    result.expect(thread_status(space.db, "lock") == "approved", "the decision was not applied after the lock")
    result.outcome = f"reads go on; writes exit 1 “{decided.last_error_line[7:90]}…”; applied once the lock went"
    return result


def can_mount() -> bool:
    probe = Path("/tmp") / f"sovereign-mount-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True)
        if ok.returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False
    finally:
        probe.rmdir()


@contextlib.contextmanager
def small_disk(place: Path, size: str) -> Iterator[Callable[[str], None]]:
    """A tmpfs of `size` at `place`; yields a function that grows it (`mount -o remount,size=...`)."""
    place.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(place)], check=True)

    def grow(new_size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={new_size}", str(place)], check=True)

    try:
        yield grow
    finally:
        subprocess.run(["umount", "-l", str(place)], check=False)


def full_disk_database(space: Workspace) -> FaultResult:
    result = FaultResult("the database's disk fills up mid-run", "")
    disk = space.root / "small"
    with small_disk(disk, "160k") as grow:  # a thread takes some 300 KB: the disk fills before the run ends
        db = disk / "runs.sqlite"
        done = space.sovereign(*run_args(db, space.out, "full"))
        result.expect(done.code == 1, f"exit {done.code}")
        result.expect("no space left" in done.last_error_line, done.last_error_line)
        result.expect(leftovers(space.out) == [], f"left behind: {leftovers(space.out)}")
        grow("64m")
        finished = space.sovereign("resume", "full", "--db", str(db))
        result.expect(finished.code == 0, f"after freeing space, the resume exited {finished.code}")
        result.lost = _differences(report_json(space.out, "full"), space.reference) if finished.code == 0 else "run"
    result.outcome = f"exit 1 “{done.last_error_line[7:100]}…”; resumed once space was freed"
    return result


def full_disk_reports(space: Workspace) -> FaultResult:
    """The report directory fills up: at the run's end, and after the owner's decision is committed."""
    result = FaultResult("the report directory's disk is full (after a run; after a decision)", "")
    disk = space.root / "tiny"
    with small_disk(disk, "16k") as grow:
        (disk / "filler").write_bytes(b"\0" * 12 * 1024)
        done = space.sovereign(*run_args(space.db, disk, "nospace"))
        result.expect(done.code == 1, f"exit {done.code}")
        result.expect("the run is saved" in done.last_error_line, done.last_error_line)
        result.expect("sovereign show nospace" in done.last_error_line, done.last_error_line)
        result.expect(leftovers(disk) == [], f"left behind: {leftovers(disk)}")
        result.expect(not (disk / "nospace.md").exists(), "a markdown without its JSON")
        decided = space.sovereign("resume", "nospace", "--db", str(space.db), "--decision", "approve")
        result.expect(decided.code == 1, f"the decision with a full --out: exit {decided.code}")
        result.expect("the decision is saved" in decided.last_error_line, decided.last_error_line)
        result.expect(leftovers(disk) == [], f"left behind: {leftovers(disk)}")
        grow("1m")
    result.expect(thread_status(space.db, "nospace") == "approved", "the decision was lost with the files")
    shown = space.sovereign("show", "nospace", "--db", str(space.db), "--out", str(space.out))
    result.expect(shown.code == 0, f"show --out exited {shown.code}")
    approved = report_json(space.out, "nospace") if shown.code == 0 else {}
    result.lost = "nothing" if approved.get("status") == "approved" else "the approved report"
    result.outcome = f"exit 1 “{decided.last_error_line[7:120]}…”; no temporaries, no half pair; `show --out` has it"
    return result


def a_live_run_is_running(space: Workspace) -> FaultResult:
    """While a run works (here frozen with SIGSTOP mid-graph) it reads 'running' and no one else can take
    it; killed, it reads 'stopped before ...' at once (its pid is gone) and resumes."""
    result = FaultResult("a live run, then the same run killed", "")
    process = subprocess.Popen(
        [*COMMAND, *run_args(space.db, space.out, "live")], env=space.env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    for raw in process.stderr:
        if raw.decode(errors="replace").split()[1:2] == ["extract"]:
            break
    process.send_signal(signal.SIGSTOP)
    try:
        status = thread_status(space.db, "live")
        decided = space.resume("live", "--decision", "approve")  # well inside the lease's 15 s
    finally:
        process.send_signal(signal.SIGKILL)
        process.send_signal(signal.SIGCONT)
        process.wait(timeout=TIMEOUT)
    result.expect(status == "running", f"a live run reads '{status}'")
    refused = decided.last_error_line
    result.expect(decided.code == 2 and "running in another process" in refused, refused)
    after = thread_status(space.db, "live")
    result.expect(after.startswith("stopped before"), f"killed, it reads '{after}'")
    finished = space.resume("live")
    result.expect(finished.code == 0, f"the resume exited {finished.code}")
    result.lost = _differences(report_json(space.out, "live"), space.reference) if finished.code == 0 else "run"
    result.outcome = f"'{status}', others refused (exit 2); killed: '{after}'; resumed to the pause"
    return result


@contextlib.contextmanager
def read_only(place: Path) -> Iterator[Path]:
    place.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--bind", str(place), str(place)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(place)], check=True)
        yield place
    finally:
        subprocess.run(["umount", "-l", str(place)], check=False)


def read_only_places(space: Workspace) -> FaultResult:
    result = FaultResult("read-only --out, and a read-only $SOVEREIGN_HOME", "")
    with read_only(space.root / "ro-out") as out:
        done = space.sovereign(*run_args(space.db, out, "ro"))
    result.expect(done.code == 2, f"read-only --out: exit {done.code}")
    result.expect("--out" in done.last_error_line and "not writable" in done.last_error_line, done.last_error_line)
    result.expect("plan" not in done.stderr, "the graph started before the check")
    result.expect(not space.db.exists(), "the database was created anyway")
    with read_only(space.root / "ro-home") as home:
        env = environment(home)
        args = run_args(space.db, space.out, "home")
        args = [a for a in args if a not in ("--db", str(space.db))]
        home_done = sovereign(args, env)
    line = home_done.last_error_line
    result.expect(home_done.code == 2, f"read-only home: exit {home_done.code}")
    result.expect("SOVEREIGN_HOME" in line and "--db" in line, line)
    result.outcome = f"exit 2 before any work: “{done.last_error_line[7:90]}…”; “{line[7:80]}…”"
    return result


def hostile_thread_ids(space: Workspace) -> FaultResult:
    ids: list[str | bytes] = ["../../escaped", "/tmp/sovereign-abs-escape", "a/b", ".hidden", "with space", b"\xff\xfe"]
    result = FaultResult("thread ids that climb out of --out, hide, or are not UTF-8", "")
    before = {p for p in space.root.rglob("*")}
    for thread in ids:
        args: list[str | bytes] = [*run_args(space.db, space.out, "x")[:-1], thread]
        done = sovereign(args, space.env)
        result.expect(done.code == 2, f"--thread {thread!r}: exit {done.code}")
        result.expect("is not usable" in done.last_error_line, f"--thread {thread!r}: {done.last_error_line}")
    after = {p for p in space.root.rglob("*")} - before
    result.expect(not after, f"files written: {sorted(map(str, after))}")
    result.expect(not Path("/tmp/sovereign-abs-escape.md").exists(), "a report outside --out")
    result.outcome = f"{len(ids)} ids refused with exit 2 before any work; nothing written"
    return result


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damaged_databases(space: Workspace) -> FaultResult:
    result = FaultResult("a damaged database: truncated, random bytes inside, zero bytes", "")
    paused_thread(space, "old")
    good = space.db.read_bytes()
    lines = []
    for kind in ("truncated", "random bytes"):
        broken = space.root / f"{kind.replace(' ', '-')}.sqlite"
        data = bytearray(good)
        if kind == "truncated":
            data = data[: len(data) // 2]
        else:
            middle = len(data) // 2 // 4096 * 4096
            data[middle : middle + 8192] = os.urandom(8192)
        broken.write_bytes(bytes(data))
        digest = _digest(broken)
        ran = space.sovereign(*run_args(broken, space.out, "new"))
        resumed = space.sovereign("resume", "old", "--db", str(broken), "--decision", "approve")
        for what, done in (("run", ran), ("resume", resumed)):
            result.expect(done.code == 1, f"{kind}, {what}: exit {done.code}: {done.last_error_line}")
            line = done.last_error_line
            result.expect("damaged" in line and str(broken) in line and ".recover" in line, f"{kind}, {what}: {line}")
        result.expect(_digest(broken) == digest, f"{kind}: the damaged file was written to")
        lines.append(f"{kind}: exit 1, file untouched")
    empty = space.root / "empty.sqlite"
    empty.write_bytes(b"")
    fresh = space.sovereign(*run_args(empty, space.out, "fresh"))
    result.expect(fresh.code == 0, f"a zero-byte file: exit {fresh.code} {fresh.last_error_line}")
    lines.append("zero bytes: used as a new database")
    result.outcome = "; ".join(lines)
    return result


def many_runs_one_file(space: Workspace, runs: int = 8) -> FaultResult:
    result = FaultResult(f"{runs} runs at once on one SQLite file", "")
    processes = [
        subprocess.Popen(
            [*COMMAND, *run_args(space.db, space.out, f"many-{i}")],
            env=space.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(runs)
    ]
    codes = []
    for process in processes:
        _, err = process.communicate(timeout=TIMEOUT * 2)
        codes.append(process.returncode)
        if process.returncode != 0:
            result.problems.append(err.decode(errors="replace").strip().splitlines()[-1])
    result.expect(codes == [0] * runs, f"exits {codes}")
    statuses = [thread_status(space.db, f"many-{i}") for i in range(runs)]
    result.expect(statuses == ["awaiting_owner"] * runs, f"statuses {statuses}")
    differing = [i for i in range(runs) if (space.out / f"many-{i}.json").exists()
                 and report_json(space.out, f"many-{i}") != space.reference]  # fmt: skip
    missing = [i for i in range(runs) if not (space.out / f"many-{i}.json").exists()]
    result.lost = "nothing" if not differing and not missing else f"runs {sorted(differing + missing)}"
    result.outcome = f"exits {sorted(set(codes))}; {statuses.count('awaiting_owner')}/{runs} paused for the owner"
    return result
