"""`sovereign corpus build | list`: persistent on-disk indexes of large paper collections."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from sovereign_graph.cli.common import app, cli_errors, err, out

if TYPE_CHECKING:  # rich's progress and the corpus code load when a corpus command runs
    from rich.progress import Progress, TaskID

corpus_app = typer.Typer(help="Build and list on-disk corpora for run --corpus NAME.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


class _RichProgress:
    """The build's stages as rich progress bars on stderr (bytes read, then one line per later stage)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def stage(self, description: str, total: float | None) -> None:
        if self._task is not None:
            task = self._progress.tasks[self._task]
            self._progress.update(self._task, completed=task.total or 1, total=task.total or 1)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, amount: float) -> None:
        if self._task is not None:
            self._progress.advance(self._task, amount)

    def finish(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=1, total=1)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (e.g. a killed job) unwinds like Ctrl-C, so the build's clean-up runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@corpus_app.command("build")
def build(
    paths: Annotated[list[Path], typer.Argument(help="JSONL(.gz) files: our format or the arXiv metadata snapshot's.")],
    name: Annotated[str | None, typer.Option("--name", help="Corpus name [default: the first file's stem].")] = None,
) -> None:
    """Build (or rebuild) a persistent search index under $SOVEREIGN_HOME/corpora/NAME."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from sovereign_graph.sources.corpora import build_corpus, default_corpus_name, require_corpus_name

    with cli_errors():
        name = require_corpus_name(name or default_corpus_name(paths[0]))
        columns = (
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        with _terminate_as_interrupt(), Progress(*columns, console=err, transient=False) as bar:
            progress = _RichProgress(bar)
            result = build_corpus(name, paths, progress=progress)
            progress.finish()
        meta = result.meta
        out.print(
            f"corpus '{meta.name}': {meta.papers:,} papers, {human_size(result.size_bytes)} at {result.path}",
            highlight=False,
        )
        if meta.duplicates:
            out.print(f"{meta.duplicates:,} duplicate ids skipped (first occurrence kept)", highlight=False)
        if meta.malformed:
            out.print(
                f"{meta.malformed:,} malformed lines skipped, e.g. " + "; ".join(result.malformed_examples),
                highlight=False,
            )
        out.print(f"search it with: sovereign run --corpus {meta.name} --paper ID --question TEXT", highlight=False)


def _bundled_size() -> int:
    from sovereign_graph.sources.snapshot import SNAPSHOT_FILES

    data = resources.files("sovereign_graph.data")
    return sum(len(data.joinpath(name).read_bytes()) for name in SNAPSHOT_FILES)


@corpus_app.command("list")
def list_() -> None:
    """The corpora `sovereign run --corpus NAME` can search."""
    from rich.table import Table

    from sovereign_graph.sources.corpora import list_corpora
    from sovereign_graph.sources.snapshot import bundled_snapshot

    with cli_errors():
        table = Table("name", "papers", "size on disk", "built", "source files")
        table.add_row("bundled", f"{len(bundled_snapshot()):,}", human_size(_bundled_size()), "—", "(in the package)")
        for entry in list_corpora():
            if entry.meta is None:
                table.add_row(entry.name, "?", human_size(entry.size_bytes), "—", entry.problem or "")
                continue
            table.add_row(
                entry.name,
                f"{entry.meta.papers:,}",
                human_size(entry.size_bytes),
                entry.meta.built[:19].replace("T", " "),
                ", ".join(Path(s).name for s in entry.meta.sources),
            )
        out.print(table)
