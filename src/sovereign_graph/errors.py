"""Errors a user can act on. The CLI turns `InputError` into a one-line message and exit code 2."""

from __future__ import annotations

from sovereign_graph.printable import escape_controls

# A value quoted back in a message is there to be recognised, not read: a pasted 10 kB abstract would bury
# the message itself.
SHOWN_CHARS = 80
# Paths are long by nature and the user needs the whole of one; only a runaway value gets cut.
PATH_CHARS = 400


class SovereignError(Exception):
    """Base class of the package's own errors."""


class InputError(SovereignError):
    """The caller's input is wrong (bad id, empty question, unknown thread...): fix it and retry."""


class PaperNotFoundError(InputError):
    """The subject paper is not in the corpus being searched."""

    def __init__(self, message: str, candidates: list[tuple[str, str]] | None = None) -> None:
        self.candidates = candidates or []
        if self.candidates:
            # Titles come from a corpus: escaped like a user's value, and long ones cut.
            listed = "; ".join(f"{pid} {shown(title, limit=160, quote='')}" for pid, title in self.candidates)
            message = f"{message} Closest: {listed}"
        super().__init__(message)


class ResumableError(SovereignError):
    """A backend failed mid-run. Not the caller's fault: the CLI prints one line and exits 1; a checkpointed
    run keeps the nodes that finished, and `sovereign resume THREAD` (no decision) continues from the failed one."""


class SourceError(ResumableError):
    """A paper source failed (unreachable, kept refusing, or answered with something unreadable).

    Not the caller's fault: the CLI prints one line and exits 1; a checkpointed run keeps its progress.
    """


class ModelError(ResumableError):
    """A live model (chat or embeddings) kept failing, or never answered in the requested schema, after its
    retries. The message names the role and the model, never the key.

    `final`: the server refused for good (a bad key, an unknown model: a status another try cannot fix), so no
    step should go on without it; `truncated`: the answer was cut off at the role's max_tokens, so the same
    prompt would be cut off again (a step asks for less instead)."""

    def __init__(self, message: str, *, final: bool = False, truncated: bool = False) -> None:
        super().__init__(message)
        self.final = final
        self.truncated = truncated


class ThreadConflictError(InputError):
    """Another process has the thread, or answered its pause first: nothing was written by this call."""


class ThreadBusyError(ThreadConflictError):
    """A live process holds the thread (its lease is fresh)."""


class LeaseLostError(ThreadConflictError):
    """This process lost its hold on the thread (it was frozen or cut off past the lease period, and another
    process took the thread over): it stopped before its next step, leaving the thread to the new holder."""


class DecidedMeanwhileError(ThreadConflictError):
    """The pause this call read was answered by someone else first; their decision stands."""


class StoppedRunError(InputError):
    """A decision was given to a run that is not paused for the owner (it stopped before reaching the pause)."""


class DatabaseError(SovereignError):
    """The checkpoint database failed: busy, full or damaged. The message names the file and what to do."""


class ReportWriteError(SovereignError):
    """The report files could not be written; the thread's state in the database is intact."""


def shown(value: object, *, limit: int = SHOWN_CHARS, quote: str = "'") -> str:
    """A user's value as a message quotes it: on one line, control characters escaped, and past `limit`
    characters cut, e.g. `'2604.239961111…' (10000 characters)`."""
    text = str(value)
    if len(text) <= limit:
        return f"{quote}{escape_controls(text, keep='')}{quote}"
    return f"{quote}{escape_controls(text[:limit], keep='')}…{quote} ({len(text)} characters)"


def shown_path(path: object) -> str:
    """A path as a message names it: unquoted, whole unless absurdly long, control characters escaped."""
    return shown(path, limit=PATH_CHARS, quote="")


def require_text(text: str, what: str) -> str:
    """`text`, refused where it is not Unicode text: an argument or file with a byte that is not UTF-8 reaches
    Python as a lone surrogate (surrogateescape), which no file, database or terminal can store later."""
    if any("\ud800" <= char <= "\udfff" for char in text):
        raise InputError(f"{what} is not UTF-8 text (a byte that is no character): {shown(text)}.")
    return text
