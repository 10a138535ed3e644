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


class SourceError(SovereignError):
    """A paper source failed (unreachable, kept refusing, or answered with something unreadable).

    Not the caller's fault: the CLI prints one line and exits 1; a checkpointed run keeps its progress.
    """
