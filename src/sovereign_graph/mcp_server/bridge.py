"""A run inside an MCP call: the runner is synchronous, the server is async. The run works in a thread; each
finished step and progress event becomes a progress notification to the caller; a cancelled call stops the run
at its next step, as Ctrl-C stops the CLI's, with every finished step saved; errors become tool errors carrying
the CLI's one-line messages, never a traceback."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from sovereign_graph.app.runner import RunStopped
from sovereign_graph.errors import DatabaseError, InputError, ReportWriteError, ResumableError
from sovereign_graph.printable import escape_controls
from sovereign_graph.progress import describe_event, describe_node

T = TypeVar("T")
Work = Callable[..., T]  # called as work(on_progress=..., on_event=...)
log = logging.getLogger("sovereign.mcp")


@contextmanager
def tool_errors() -> Iterator[None]:
    """The CLI's error policy as tool errors: a bad input or a failure we can explain is its one line; anything
    unexpected is one line with its type (the traceback goes to the server's log, not to the agent)."""
    try:
        yield
    except ToolError:
        raise
    except (InputError, DatabaseError, ReportWriteError, ResumableError) as error:
        raise ToolError(_line(str(error))) from None
    except Exception as error:
        log.exception("tool failed")
        raise ToolError(_line(f"{type(error).__name__}: {error}")) from None


def _line(message: str) -> str:
    return escape_controls(message, keep="")


class StopAtNextStep:
    """Set when the call is cancelled; the run's callbacks raise at the next step, as Ctrl-C does."""

    def __init__(self) -> None:
        self.requested = threading.Event()

    def check(self) -> None:
        if self.requested.is_set():
            raise KeyboardInterrupt


async def run_with_progress(ctx: Context, work: Work[T]) -> T:
    """`work(on_progress=..., on_event=...)` in a worker thread, reporting each step to the caller."""
    stop = StopAtNextStep()
    finished = threading.Event()
    count = 0

    def notify(message: str) -> None:
        nonlocal count
        stop.check()
        count += 1
        try:
            anyio.from_thread.run(ctx.report_progress, count, None, message)
        except Exception:  # a caller that went away: the run stops at its next step if the call was cancelled
            log.debug("progress notification not delivered", exc_info=True)
        stop.check()

    def on_progress(node: str, update: dict[str, Any], seconds: float) -> None:
        notify(f"{seconds:.1f}s {node}: {describe_node(node, update)}")

    def on_event(event: dict[str, Any], seconds: float) -> None:
        notify(f"{seconds:.1f}s {describe_event(event)}")

    def in_thread() -> T:
        try:
            return work(on_progress=on_progress, on_event=on_event)
        finally:
            finished.set()

    try:
        with tool_errors():
            return await anyio.to_thread.run_sync(in_thread, abandon_on_cancel=True)
    except RunStopped as stopped:
        raise ToolError(f"the run stopped ({stopped.status}); continue it with continue_analysis.") from None
    except anyio.get_cancelled_exc_class():
        stop.requested.set()
        # Wait, shielded, for the run to stop at its next step: its lease is let go and its progress saved before
        # the call is gone, so a `sovereign resume` right after finds the thread free.
        with anyio.CancelScope(shield=True):
            while not finished.is_set():
                await anyio.sleep(0.05)
        log.info("a cancelled call stopped its run at the next step; its progress is saved")
        raise
