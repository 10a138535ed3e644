"""`sovereign corpus build | list | clean`: persistent indexes of large paper collections, on disk or in
PostgreSQL (`--db`)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sovereign_graph.cli.common import app, cli_errors, err, out, term
from sovereign_graph.errors import InputError, shown, shown_path
from sovereign_graph.lines import KB, LineLimits

if TYPE_CHECKING:  # rich's progress and the corpus code load when a corpus command runs
    from rich.progress import Progress, TaskID

    from sovereign_graph.sources.corpora import BuildResult, UnfinishedBuild
    from sovereign_graph.sources.pgcorpus import PgBuildResult

corpus_app = typer.Typer(
    help="Build, list and clean up corpora (on disk, or in PostgreSQL with --db) for run --corpus NAME.",
    no_args_is_help=True,
)
app.add_typer(corpus_app, name="corpus")


ABANDONED_HINT = "abandoned: removed by the next build, or `sovereign corpus clean`"


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


@corpus_app.command("build")
def build(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="JSONL(.gz) files (our format or the arXiv metadata snapshot's), PDFs, saved arXiv HTML pages, "
            "and directories of PDFs/HTML (searched recursively)."
        ),
    ],
    name: Annotated[str | None, typer.Option("--name", help="Corpus name [default: the first input's stem].")] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Build it in this PostgreSQL database (postgresql://user@host:port/db; needs pgvector >= 0.6 and "
            "the extra `postgres`), shared by every machine that runs with the same --db [default: on disk].",
        ),
    ] = None,
    max_line_kb: Annotated[
        int, typer.Option("--max-line-kb", min=1, help="A longer JSONL line is skipped with its reason.")
    ] = LineLimits.line_bytes // KB,
    max_field_kb: Annotated[
        int, typer.Option("--max-field-kb", min=1, help="A longer id, title, author or category skips its line.")
    ] = LineLimits.field_chars // KB,
    max_abstract_kb: Annotated[
        int, typer.Option("--max-abstract-kb", min=1, help="A longer abstract skips its line.")
    ] = LineLimits.abstract_chars // KB,
) -> None:
    """Build (or rebuild) a persistent search index under $SOVEREIGN_HOME/corpora/NAME, or in PostgreSQL (--db).

    Each line of a JSONL file is read on its own: a bad one is skipped and named with its reason, and the corpus
    is built from the others. Exit code 0 when every line was used, 1 when some were skipped (named), 2 on bad
    input (nothing built)."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from sovereign_graph.home import is_postgres_url, redacted
    from sovereign_graph.names import shell_word
    from sovereign_graph.sources.corpora import BuildResult, build_corpus, default_corpus_name, require_corpus_name

    with cli_errors():
        name = require_corpus_name(name or default_corpus_name(paths[0]))
        if db is not None and not is_postgres_url(db):
            raise InputError(
                f"--db {shown(redacted(db))} is not a PostgreSQL URL (postgresql://user@host:port/db); without --db "
                "the corpus is built on disk under $SOVEREIGN_HOME/corpora."
            )
        columns = (
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        limits = LineLimits(max_line_kb * KB, max_field_kb * KB, max_abstract_kb * KB)
        with Progress(*columns, console=err, transient=False) as bar:
            progress = _RichProgress(bar)
            if db is None:
                result: BuildResult | PgBuildResult = build_corpus(name, paths, progress=progress, limits=limits)
            else:
                from sovereign_graph.sources.pgcorpus import build_pg_corpus

                result = build_pg_corpus(db, name, paths, progress=progress, limits=limits)
            progress.finish()
        where = f"at {result.path}" if isinstance(result, BuildResult) else f"in {result.location}"
        _print_build(result, where, "" if db is None else f" --db {shell_word(redacted(db))}")
    if result.meta.malformed:  # built from the good lines; the exit code says not every line made it
        raise typer.Exit(1)


def _print_build(result: BuildResult | PgBuildResult, where: str, db_flag: str) -> None:
    """The build's summary: counts, what was skipped and why, and how to search it."""

    meta = result.meta
    out.print(
        term(f"corpus '{meta.name}': {meta.papers:,} papers, {human_size(result.size_bytes)} {where}"),
        highlight=False,
    )
    listed = meta.duplicates - len(result.duplicate_files)  # among the JSONL records
    if listed:
        out.print(f"{listed:,} duplicate ids skipped (first occurrence kept)", highlight=False)
    if meta.malformed:
        # Every one, by file and line, with its reason: the user has lines to fix, not a count.
        out.print(f"{meta.malformed:,} malformed lines skipped:", highlight=False)
        for skipped in result.malformed_examples:
            out.print(f"  {term(skipped)}", highlight=False)
        unnamed = meta.malformed - len(result.malformed_examples)
        if unnamed:
            out.print(f"  and {unnamed:,} more", highlight=False)
    if result.degenerate:
        shown = ", ".join(result.degenerate[:20]) + (f" and {len(result.degenerate) - 20:,} more" if len(
            result.degenerate) > 20 else "")  # fmt: skip
        out.print(
            term(
                f"{len(result.degenerate):,} records look degenerate (one phrase repeated, or far longer than an "
                f"abstract): kept for search, never counted as evidence: {shown}"
            ),
            highlight=False,
        )
    if meta.documents:
        out.print(f"{meta.documents:,} papers with full text from PDF/HTML files", highlight=False)
    if result.duplicate_files:
        out.print(
            f"{len(result.duplicate_files):,} duplicate files skipped (same paper as an earlier file):",
            highlight=False,
        )
        for twin in result.duplicate_files:
            where = f"{shown_path(twin.path)}: {twin.paper_id}, as in {shown_path(twin.first)}"
            out.print(f"  {term(where)}", highlight=False)
    if result.bad_files:
        # Every one, by the path it was found at: the user has a file to fix or drop, not a count.
        out.print(f"{len(result.bad_files):,} unreadable files skipped:", highlight=False)
        for bad in result.bad_files:
            out.print(f"  {term(shown_path(bad.path))}: {term(bad.reason)}", highlight=False)
    if result.misattributed_files:
        # A forged or mistaken stamp: the file says it is a listed paper, its first page says otherwise.
        count = len(result.misattributed_files)
        out.print(
            f"{count:,} file{'' if count == 1 else 's'} carrying a listed paper's arXiv id but not its title, not "
            "attached to it:",
            highlight=False,
        )
        for wrong in result.misattributed_files:
            said = f"{shown_path(wrong.path)}: arXiv:{wrong.paper_id} is “{wrong.record_title[:80]}”; the file reads"
            out.print(f"  {term(said)} “{term(wrong.document_title[:80])}”", highlight=False)
    if result.repaired_files:
        # Read, but not whole: characters its text layer could not give (e.g. a font mapping a glyph to half a
        # UTF-16 pair) are U+FFFD in its text.
        files = f"{len(result.repaired_files):,} file{'' if len(result.repaired_files) == 1 else 's'}"
        out.print(f"{files} read with undecodable characters (now U+FFFD):", highlight=False)
        for repaired in result.repaired_files:
            characters = f"{repaired.replaced:,} character{'' if repaired.replaced == 1 else 's'}"
            out.print(f"  {term(shown_path(repaired.path))}: {characters}", highlight=False)
    paper = "ID|FILE" if meta.documents else "ID"  # a library paper is also found by its file
    out.print(
        term(f"search it with: sovereign run --corpus {meta.name}{db_flag} --paper {paper} --question TEXT"),
        highlight=False,
    )


def _bundled_size() -> int:
    from sovereign_graph.sources.snapshot import SNAPSHOT_FILES

    data = resources.files("sovereign_graph.data")
    return sum(len(data.joinpath(name).read_bytes()) for name in SNAPSHOT_FILES)


def _duration(seconds: float) -> str:
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= length:
            return f"{seconds / length:.0f} {unit}"
    return f"{seconds:.0f} s"


def _build_line(build: UnfinishedBuild) -> str:
    """`.x.building-PID-XXXX  corpus 'x', 156.0 MB, pid PID gone; abandoned: removed by ...`, markup escaped."""

    from sovereign_graph.sources.corpora import ABANDONED_AFTER_SECONDS

    if not build.pid_alive:
        process, state = "gone", ABANDONED_HINT
    elif build.abandoned:
        process = f"alive, but nothing written for {_duration(build.idle_seconds)}"
        state = f"{ABANDONED_HINT} (idle over {_duration(ABANDONED_AFTER_SECONDS)}: likely a reused pid)"
    else:
        process, state = f"alive, last write {_duration(build.idle_seconds)} ago", "building"
    where = f"{shown_path(build.path.name)}  corpus {shown(build.corpus)}, {human_size(build.size_bytes)}"
    return term(f"{where}, pid {build.pid} {process}; {state}")


@corpus_app.command("list")
def list_(
    all_: Annotated[
        bool, typer.Option("--all", help="Also the hidden directories of unfinished builds (running or abandoned).")
    ] = False,
    db: Annotated[
        str | None, typer.Option("--db", help="List the corpora in this PostgreSQL database instead.")
    ] = None,
) -> None:
    """The corpora `sovereign run --corpus NAME` can search (--all: and unfinished builds)."""
    from rich.table import Table

    from sovereign_graph.sources.corpora import corpora_dir, list_corpora, unfinished_builds
    from sovereign_graph.sources.snapshot import bundled_snapshot

    with cli_errors():
        if db is not None:
            _list_database(db)
            return
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
        builds = unfinished_builds()
        if all_:
            if not builds:
                out.print("no unfinished builds", highlight=False)
                return
            out.print(f"unfinished builds (hidden directories in {term(shown_path(corpora_dir()))}):", highlight=False)
            for build in builds:
                out.print("  " + _build_line(build), highlight=False)
            return
        abandoned = [b for b in builds if b.abandoned]
        if abandoned:
            size = human_size(sum(b.size_bytes for b in abandoned))
            err.print(
                f"{len(abandoned)} abandoned build director{'y' if len(abandoned) == 1 else 'ies'} ({size}): "
                "see `sovereign corpus list --all`, remove with `sovereign corpus clean`",
                highlight=False,
            )


def _list_database(db: str) -> None:
    """The corpora in a PostgreSQL database (a failed build leaves nothing there, so nothing to clean)."""
    from rich.table import Table

    from sovereign_graph.sources.pgcorpus import list_pg_corpora

    table = Table("name", "papers", "size in the database", "built", "source files")
    for name, meta, size in list_pg_corpora(db, sizes=True):
        if meta is None:
            table.add_row(name, "?", human_size(size), "—", "built by another version: rebuild it")
            continue
        sources = ", ".join(Path(s).name for s in meta.sources)
        table.add_row(name, f"{meta.papers:,}", human_size(size), meta.built[:19].replace("T", " "), sources)
    out.print(table)


@corpus_app.command("clean")
def clean() -> None:
    """Remove the hidden directories of abandoned builds (killed before they could clean up); never one
    whose process is alive and still writing."""
    from sovereign_graph.sources.corpora import remove_abandoned_builds, unfinished_builds

    with cli_errors():
        removed = remove_abandoned_builds()
        for build in removed:
            out.print("removed " + _build_line(build).replace(ABANDONED_HINT, "abandoned"), highlight=False)
        for build in unfinished_builds():
            if not build.abandoned:
                out.print("kept " + _build_line(build), highlight=False)
        freed = sum(b.size_bytes for b in removed)
        count = f"{len(removed)} director{'y' if len(removed) == 1 else 'ies'}"
        out.print(f"freed {human_size(freed)} ({freed:,} bytes) in {count}", highlight=False)
