"""The `sovereign` command run in this process, as the benchmarks that drive it need it: its stdout, or SystemExit
naming the command and its exit code (the command line is what users run, and its module path never moves)."""

from __future__ import annotations

import contextlib
import io
import sys


def sovereign(*args: str, quiet: bool = False) -> str:
    """Run one `sovereign` command; `quiet`: its progress lines (stderr) are dropped too."""
    from sovereign_graph.cli import main

    buffer = io.StringIO()
    argv, sys.argv = sys.argv, ["sovereign", *args]
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO() if quiet else sys.stderr):
            main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise SystemExit(f"`sovereign {' '.join(args[:3])} ...` exited {done.code}:\n{buffer.getvalue()}") from None
    finally:
        sys.argv = argv
    return buffer.getvalue()
