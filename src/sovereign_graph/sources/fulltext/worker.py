"""A library worker process: `python -m sovereign_graph.sources.fulltext.worker IN_FD OUT_FD LIMITS_JSON`.

Started by `isolation.parse_files`. It sets its own limits (address space for the worker's life, CPU time per
file), then reads paths from IN_FD and writes each file's outcome (`Parsed` or a reason) to OUT_FD, until it
reads None or the parent goes away. A file that makes pdfium abort kills only this process: the parent reports
that file and starts another worker.
"""

from __future__ import annotations

import json
import math
import resource
import signal
import sys
from multiprocessing.connection import Connection

from sovereign_graph.sources.fulltext.isolation import STARTED, ParseLimits
from sovereign_graph.sources.fulltext.library import parse_file


def _limit_memory(megabytes: int) -> None:
    size = megabytes << 20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        size = min(size, hard)
    resource.setrlimit(resource.RLIMIT_AS, (size, hard))


def _limit_cpu(seconds: float) -> None:
    """CPU time counts over the worker's life: the limit is what it has used so far plus this file's."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(used.ru_utime + used.ru_stime + seconds) + 1
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def serve(receiver: Connection, sender: Connection, limits: ParseLimits) -> None:
    # The PDF parser is imported before the memory limit, so the limit is on what a file makes it allocate (the
    # HTML parser, bs4 + lxml, only for a saved page: a third of a second of start-up most libraries need not).
    from sovereign_graph.sources.fulltext.pdf import parse_pdf

    del parse_pdf

    _limit_memory(limits.memory_mb)
    while True:
        try:
            path = receiver.recv()
        except (EOFError, OSError):
            return
        if path is None:
            return
        _limit_cpu(limits.seconds)
        sender.send(STARTED)  # the file's time starts now, not when it was handed over (a worker's start-up)
        sender.send(parse_file(path, limits))


def main(argv: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it stops its workers
    in_fd, out_fd, limits = int(argv[0]), int(argv[1]), ParseLimits(**json.loads(argv[2]))
    serve(Connection(in_fd, writable=False), Connection(out_fd, readable=False), limits)


if __name__ == "__main__":
    main(sys.argv[1:])
