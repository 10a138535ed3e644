"""`sovereign`: the command line. Each module registers its commands on the shared app; each command
imports the heavy parts (LangGraph, the engines) only when it runs, so `--help` answers at once."""

from __future__ import annotations

import atexit
import gc
import sys
from typing import Any


def main() -> None:
    """The console script: Ctrl-C or SIGTERM at any moment, even while importing, ends with one line."""
    from sovereign_graph.app.stopping import exit_code, install_handlers, last_word, said_stopped

    # A command lives seconds (minutes live) and allocates mostly long-lived objects (modules, the corpus):
    # collecting the young generation every 100k allocations instead of 700 saves ~0.4 s of a cold run.
    gc.set_threshold(100_000, 50, 1000)
    # At exit the interpreter would walk every object the imports made (~0.6 s on this class of machine);
    # frozen, they are skipped. Our files are closed by then (context managers), so nothing is lost.
    atexit.register(gc.freeze)
    try:
        install_handlers()
        from sovereign_graph.cli.commands import app

        app(prog_name="sovereign")
    except KeyboardInterrupt as stop:
        sys.stderr.write("stopped.\n")
        said_stopped()
        raise SystemExit(exit_code(stop)) from None
    except SystemExit as done:
        raise SystemExit(last_word(done.code)) from None


def __getattr__(name: str) -> Any:
    if name == "app":  # `from sovereign_graph.cli import app` (tests, typer's CliRunner)
        from sovereign_graph.cli.commands import app

        return app
    raise AttributeError(name)
