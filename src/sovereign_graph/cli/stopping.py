"""Ctrl-C and SIGTERM end a command cleanly: what was saved stays saved, one line says where the run
stopped and how to continue, and the exit code is the shell's (130 for SIGINT, 143 for SIGTERM)."""

from __future__ import annotations

import signal
from types import FrameType

SIGINT_EXIT = 130
SIGTERM_EXIT = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwinding like Ctrl-C so every clean-up on the way runs."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def install_sigterm() -> None:
    signal.signal(signal.SIGTERM, _terminate)


def exit_code(stop: BaseException) -> int:
    """The exit code for a stop, whether the stop itself or what it was raised from was the signal."""
    cause: BaseException | None = stop
    while cause is not None:
        if isinstance(cause, Terminated):
            return SIGTERM_EXIT
        cause = cause.__cause__
    return SIGINT_EXIT
