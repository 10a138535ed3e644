"""Ctrl-C and SIGTERM end a command cleanly: what was saved stays saved, one line says where the run
stopped and how to continue, and the exit code is the shell's (130 for SIGINT, 143 for SIGTERM)."""

from __future__ import annotations

import signal
import sys
from types import FrameType

SIGINT_EXIT = 130
SIGTERM_EXIT = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwinding like Ctrl-C so every clean-up on the way runs."""


class _Stops:
    """What the process has been told and has said: the last word at exit depends on it."""

    signalled: int | None = None
    said = False


STOPS = _Stops()


def _terminate(signum: int, frame: FrameType | None) -> None:
    STOPS.signalled = signum
    raise Terminated


def _interrupt(signum: int, frame: FrameType | None) -> None:
    STOPS.signalled = signum
    raise KeyboardInterrupt


def install_handlers() -> None:
    """Ours in place of the defaults; a signal the parent set to be ignored (a shell's background job)
    stays ignored."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)


def said_stopped() -> None:
    """A stop's own line has been printed (nothing more to say at exit)."""
    STOPS.said = True


def last_word(code: int | str | None) -> int | str | None:
    """At exit: a stop that nothing reported yet (it landed in typer's own code) still gets its line and
    the shell's exit code, instead of typer's silent 130 or "Aborted!"."""
    if STOPS.signalled is None or STOPS.said:
        return code
    sys.stderr.write("stopped.\n")
    return 128 + STOPS.signalled


def exit_code(stop: BaseException) -> int:
    """The exit code for a stop, whether the stop itself or what it was raised from was the signal."""
    cause: BaseException | None = stop
    while cause is not None:
        if isinstance(cause, Terminated):
            return SIGTERM_EXIT
        cause = cause.__cause__
    return SIGINT_EXIT
