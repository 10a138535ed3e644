"""What every `sovereign` sub-command shares: the app, the consoles and the error policy.

Exit codes: 0 paused or finished, 2 bad input (one line on stderr, nothing written), 1 a failure.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from sovereign_graph.errors import InputError

app = typer.Typer(
    name="sovereign",
    help="Evidence-graded research briefs from arXiv, reviewed by a tribunal and held for their owner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables stay readable when piped (rich assumes 80 columns without a terminal).
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


def fail(code: int, message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Bad input -> one line and exit 2; anything unexpected -> one line and exit 1."""
    try:
        yield
    except InputError as error:
        raise fail(2, str(error)) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        raise fail(1, f"{type(error).__name__}: {error}") from None
