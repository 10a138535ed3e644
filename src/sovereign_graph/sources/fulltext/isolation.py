"""Each library file parsed in a worker process, under limits of time, memory and characters.

pdfium is C++: a file can make it allocate gigabytes (a 200 KB PDF of 20 million text operations takes 12.5 GB)
and then abort the whole process, or loop for minutes. So a build never parses a file in its own process: a
small pool of workers (`python -m sovereign_graph.sources.fulltext.worker`: a fresh interpreter, never a fork
of this process with its threads and memory, nor a re-run of its main script) takes one file at a time, each
under `RLIMIT_AS` (memory) and `RLIMIT_CPU`, and the parent enforces a wall-clock limit. A worker that runs
over, crashes (SIGABRT, SIGSEGV) or is killed is replaced, and its file is reported with the reason; the build
goes on with the next file. Results come back in the files' order.

Limits come from the environment, with defaults a paper never reaches (the largest of 47 real PDFs, 400 pages,
parses in 2.5 s at about 110 MB): `SOVEREIGN_PDF_SECONDS` (60), `SOVEREIGN_PDF_MEMORY_MB` (2048),
`SOVEREIGN_PDF_CHARACTERS` (5,000,000), `SOVEREIGN_PDF_WORKERS` (2; 0 parses in this process, without limits
of time or memory).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from sovereign_graph.errors import InputError
from sovereign_graph.sources.fulltext.document import Document
from sovereign_graph.state import Paper

_WORKER_MODULE = "sovereign_graph.sources.fulltext.worker"
# A worker says when it starts on a file; until then its time is its start-up's (an interpreter importing the
# parsers: about a second, several on a loaded machine).
STARTED = "started"
_START_UP_SECONDS = 60.0


@dataclass(frozen=True)
class ParseLimits:
    seconds: float = 60.0  # wall clock per file
    memory_mb: int = 2048  # address space of the worker parsing it
    characters: int = 5_000_000  # of text in one file
    workers: int = 2  # processes; 0: in this process, no time or memory limit

    @classmethod
    def from_env(cls) -> ParseLimits:
        def number(name: str, default: float, least: float) -> float:
            raw = os.environ.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise InputError(f"{name} must be a number, not {raw!r}.") from None
            if not value >= least or math.isinf(value):
                raise InputError(f"{name} must be at least {least:g}, not {raw!r}.")
            return value

        return cls(
            seconds=number("SOVEREIGN_PDF_SECONDS", cls.seconds, 0.1),
            memory_mb=int(number("SOVEREIGN_PDF_MEMORY_MB", cls.memory_mb, 256)),
            characters=int(number("SOVEREIGN_PDF_CHARACTERS", cls.characters, 1000)),
            workers=int(number("SOVEREIGN_PDF_WORKERS", cls.workers, 0)),
        )


@dataclass(frozen=True)
class Parsed:
    paper: Paper
    document: Document
    sha256: str


# What one file gave: its paper and document, or why it is skipped (as the build's summary says it).
Outcome = Parsed | str


def _death_reason(exitcode: int | None, limits: ParseLimits) -> str:
    if exitcode is not None and exitcode < 0:
        signum = -exitcode
        name = signal.Signals(signum).name if signum in signal.valid_signals() else f"signal {signum}"
        if signum == signal.SIGXCPU:
            return f"over the time limit ({limits.seconds:g} s of CPU)"
        if signum == signal.SIGKILL:
            return f"the parser was killed (SIGKILL; out of memory? limit {limits.memory_mb:,} MB)"
        # pdfium aborts when an allocation fails: under RLIMIT_AS that is the memory limit.
        return f"the parser crashed ({name}; over the memory limit of {limits.memory_mb:,} MB?)"
    return f"the parser stopped (exit code {exitcode})"


class _Worker:
    """One worker process and the two pipes to it (pickled messages, as `multiprocessing` frames them)."""

    def __init__(self, limits: ParseLimits) -> None:
        to_child, from_parent = os.pipe()
        from_child, to_parent = os.pipe()
        package_root = str(Path(__file__).resolve().parents[3])  # where `sovereign_graph` is, for the child
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", _WORKER_MODULE, str(to_child), str(to_parent), json.dumps(asdict(limits))],
                pass_fds=(to_child, to_parent),
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # Ctrl-C reaches the build, which stops its workers
            )
        finally:
            os.close(to_child)
            os.close(to_parent)
        self.sender = Connection(from_parent, readable=False)
        self.receiver = Connection(from_child, writable=False)
        self.job: tuple[int, Path, float] | None = None  # (position, path, deadline)

    def give(self, position: int, path: Path, seconds: float) -> None:
        self.job = (position, path, time.monotonic() + _START_UP_SECONDS + seconds)
        self.sender.send(path)

    def stop(self, *, kill: bool = False) -> None:
        if not kill:
            try:
                self.sender.send(None)
            except OSError:
                kill = True
        if kill:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.sender.close()
        self.receiver.close()


def parse_files(
    paths: Iterable[Path], limits: ParseLimits, parse_here: Callable[[Path, ParseLimits], Outcome]
) -> Iterator[tuple[Path, Outcome]]:
    """Each path with its outcome, in the given order: from the workers (which call `library.parse_file`), or
    from `parse_here` in this process when `limits.workers` is 0."""
    if limits.workers <= 0:
        for path in paths:
            yield path, parse_here(path, limits)
        return
    pending = list(paths)
    if not pending:
        return
    workers: list[_Worker] = []
    done: dict[int, Outcome] = {}
    queue = iter(enumerate(pending))
    following = 0
    try:
        for _ in range(min(limits.workers, len(pending))):
            workers.append(_Worker(limits))
            _give_next(workers[-1], queue, limits)
        while following < len(pending):
            busy = [w for w in workers if w.job is not None]
            if busy:
                _collect(busy, done, limits, workers, queue)
            while following in done:
                yield pending[following], done.pop(following)
                following += 1
    finally:
        for worker in workers:
            worker.stop(kill=worker.job is not None)


def _give_next(worker: _Worker, queue: Iterator[tuple[int, Path]], limits: ParseLimits) -> None:
    job = next(queue, None)
    if job is None:
        worker.job = None
    else:
        worker.give(job[0], job[1], limits.seconds)


def _collect(
    busy: list[_Worker],
    done: dict[int, Outcome],
    limits: ParseLimits,
    workers: list[_Worker],
    queue: Iterator[tuple[int, Path]],
) -> None:
    """Wait for a busy worker to answer, die or run out of time; record that file's outcome and give the
    worker (or its replacement) the next file."""
    deadline = min(w.job[2] for w in busy if w.job is not None)
    # A worker that dies closes its end of the pipe: its receiver becomes readable, and `recv` ends in EOF.
    waited = {w.receiver: w for w in busy}
    ready = wait(list(waited), timeout=max(0.0, deadline - time.monotonic()))
    finished: list[_Worker] = []
    for item in ready:
        worker = waited[item]  # type: ignore[index]
        if worker.job is None:
            continue
        finished.append(worker)
        position = worker.job[0]
        try:
            answer = worker.receiver.recv()
            if answer == STARTED:
                worker.job = (position, worker.job[1], time.monotonic() + limits.seconds)
                finished.pop()
                continue
            done[position] = answer
        except (EOFError, OSError):  # died before answering
            try:
                exitcode: int | None = worker.process.wait(5)
            except subprocess.TimeoutExpired:
                exitcode = None
            done[position] = _death_reason(exitcode, limits)
            _replace(worker, workers, limits, queue)
            continue
        _give_next(worker, queue, limits)
    now = time.monotonic()
    for worker in busy:
        if worker not in finished and worker.job is not None and worker.job[2] <= now:
            done[worker.job[0]] = f"over the time limit ({limits.seconds:g} s)"
            _replace(worker, workers, limits, queue)


def _replace(
    worker: _Worker,
    workers: list[_Worker],
    limits: ParseLimits,
    queue: Iterator[tuple[int, Path]],
) -> None:
    worker.job = None
    worker.stop(kill=True)
    fresh = _Worker(limits)
    workers[workers.index(worker)] = fresh
    _give_next(fresh, queue, limits)
