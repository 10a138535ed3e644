"""What every `sovereign` sub-command shares: the app, the consoles and the error policy.

Exit codes: 0 paused or finished, 2 bad input (one line on stderr, nothing written), 1 a failure,
130/143 stopped by Ctrl-C/SIGTERM (every finished step saved).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from sovereign_graph.app.stopping import exit_code, said_stopped
from sovereign_graph.errors import DatabaseError, InputError, ReportWriteError
from sovereign_graph.printable import escape_controls, one_line

app = typer.Typer(
    name="sovereign",
    help="Evidence-graded research briefs from arXiv, reviewed by a tribunal and held for their owner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: rendering it with rich costs a fifth of a second per --help
)
# Tables stay readable when piped (rich assumes 80 columns without a terminal).
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


def term(value: object) -> str:
    """A value for one line or one table cell of the console: controls and bidi overrides escaped (a corpus title
    or a model's text must not clear the screen or reverse the line) and rich markup inert (a title may say
    "[red]")."""
    return escape(one_line(value))


def fail(code: int, message: str) -> typer.Exit:
    # A message may quote "[/]", or carry an unexpected exception's raw text: both inert.
    err.print(f"[bold red]error:[/] {escape(escape_controls(message, keep=''))}", highlight=False)
    return typer.Exit(code)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Bad input -> one line and exit 2; a failure we can explain -> its line and exit 1; anything
    unexpected -> one line with its type and exit 1; Ctrl-C/SIGTERM -> "stopped." and 130/143."""
    try:
        yield
    except InputError as error:
        raise fail(2, str(error)) from None
    except (DatabaseError, ReportWriteError) as error:  # the message says it all: which file, what to do
        raise fail(1, str(error)) from None
    except (typer.Exit, typer.Abort):
        raise
    except KeyboardInterrupt as stop:
        err.print("stopped.", highlight=False)
        said_stopped()
        raise typer.Exit(exit_code(stop)) from None
    except Exception as error:
        raise fail(1, f"{type(error).__name__}: {error}") from None


# The desk's pages (`serve`) and `show --html` both need the web extra.
WEB_EXTRA = 'the desk needs the web extra: pip install "sovereign-graph[web]".'


def require_web_extra() -> None:
    try:
        import jinja2  # noqa: F401
        import python_multipart  # noqa: F401
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise InputError(WEB_EXTRA) from None
