"""Errors a user can act on. The CLI turns `InputError` into a one-line message and exit code 2."""


class SovereignError(Exception):
    """Base class of the package's own errors."""


class InputError(SovereignError):
    """The caller's input is wrong (bad id, empty question, unknown thread...): fix it and retry."""


class PaperNotFoundError(InputError):
    """The subject paper is not in the corpus being searched."""

    def __init__(self, message: str, candidates: list[tuple[str, str]] | None = None) -> None:
        self.candidates = candidates or []
        if self.candidates:
            listed = "; ".join(f"{pid} {title}" for pid, title in self.candidates)
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
    retries. The message names the role and the model, never the key."""


class ThreadConflictError(InputError):
    """Another process has the thread, or answered its pause first: nothing was written by this call."""


class ThreadBusyError(ThreadConflictError):
    """A live process holds the thread (its lease is fresh)."""


class DecidedMeanwhileError(ThreadConflictError):
    """The pause this call read was answered by someone else first; their decision stands."""


class StoppedRunError(InputError):
    """A decision was given to a run that is not paused for the owner (it stopped before reaching the pause)."""


class DatabaseError(SovereignError):
    """The checkpoint database failed: busy, full or damaged. The message names the file and what to do."""


class ReportWriteError(SovereignError):
    """The report files could not be written; the thread's state in the database is intact."""
