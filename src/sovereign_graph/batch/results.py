"""What became of each row: the summary table's line and the results file's record."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from sovereign_graph.errors import ReportWriteError, shown_path

# The statuses a row may end in that count as done: the run reached the owner (or the owner decided).
DONE = ("awaiting_owner", "approved", "rejected")


def is_done(status: str) -> bool:
    """At the owner's pause or decided, or paused with the owner's decision recorded but not yet applied."""
    return status in DONE or status.startswith("stopped before owner (decision")


@dataclass(frozen=True)
class RowResult:
    line: int
    thread: str
    paper: str
    question: str
    status: str  # a thread status (awaiting_owner, approved, …), "failed" or "malformed"
    score: float | None = None
    recommendation: str | None = None
    seconds: float = 0.0
    skipped: bool = False  # already done before this batch: not run again
    resumed: bool = False  # it had stopped part-way and was continued from its checkpoint
    error: str | None = None
    report: str | None = None  # the markdown report's path

    @property
    def ok(self) -> bool:
        return is_done(self.status)

    def record(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def write_results(path: Path, results: list[RowResult]) -> None:
    """One JSON object per row, in the batch file's order; written whole and moved into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    lines = "".join(json.dumps(r.record(), ensure_ascii=False) + "\n" for r in sorted(results, key=lambda r: r.line))
    try:
        temporary.write_text(lines, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ReportWriteError(f"could not write --results {shown_path(path)} ({error.strerror or error}).") from error
