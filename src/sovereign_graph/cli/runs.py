"""`sovereign run | resume | threads | show`: run a question, pause for the owner, resume, inspect."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sovereign_graph.app.stopping import exit_code, said_stopped
from sovereign_graph.cli.common import app, cli_errors, err, out, term
from sovereign_graph.cli.options import (
    RESUME_FLAGS,
    DbOption,
    resume_changes,
    run_settings,
    with_flags,
)
from sovereign_graph.errors import InputError, ReportWriteError
from sovereign_graph.home import db_flag, default_db_path, is_postgres_url
from sovereign_graph.names import shell_word

if TYPE_CHECKING:  # the graph and its engines load only when a command runs them
    from rich.status import Status

    from sovereign_graph.app.runner import Runner, RunOutcome
    from sovereign_graph.report.model import Report
    from sovereign_graph.runtime.context import Context


@contextmanager
def open_runner(
    db: str | None, *, must_exist: bool, context: Context | None = None, for_new_threads: bool = False
) -> Iterator[Runner]:
    """A runner on --db. Without a context: this process's settings (environment, defaults), which only a thread
    that recorded none runs by; every other thread resumes by its own."""
    from sovereign_graph.app.checkpoints import open_saver
    from sovereign_graph.app.runner import Runner
    from sovereign_graph.runtime.context import Context
    from sovereign_graph.settings.run import RunSettings

    context = context or Context.from_settings(RunSettings.from_env(), db=db)
    with open_saver(db, must_exist=must_exist, for_new_threads=for_new_threads) as saver:
        yield Runner(saver, context)


@contextmanager
def stoppable(db: str | None) -> Iterator[None]:
    """A run stopped by Ctrl-C or SIGTERM: say where, and how to continue (its finished steps are saved)."""
    from sovereign_graph.app.runner import RunStopped

    try:
        yield
    except RunStopped as stop:
        again = f"sovereign resume {shell_word(stop.thread_id)}{db_flag(db)}"
        if stop.status == "awaiting_owner":
            line = f"stopped at the owner's pause; decide with: {again} --decision approve|reject|revise"
        elif stop.status in ("approved", "rejected"):
            shown = f"sovereign show {shell_word(stop.thread_id)}{db_flag(db)}"
            line = f"stopped after the run finished ({stop.status}); see it with: {shown}"
        else:
            line = f"{stop.status}; continue with: {again}"
        err.print(line, highlight=False)
        said_stopped()
        raise typer.Exit(exit_code(stop)) from None


def check_places(
    db: str | None, out_dir: Path | None, *, db_must_exist: bool = False, refuse_damaged: bool = False
) -> None:
    """Every place the command will write, before any work: one line naming the place that fails.
    `refuse_damaged`: a damaged database file is refused too (no work, new or resumed, writes into it: a lease or
    a decision written before the damage shows would change the file its owner must recover from)."""
    from sovereign_graph.app.database_errors import require_sound_sqlite
    from sovereign_graph.app.writable import check_db_path, require_writable_db, require_writable_dir

    if out_dir is not None:
        require_writable_dir(out_dir, "--out")
    if db is None or not is_postgres_url(db):
        path = check_db_path(Path(db) if db else default_db_path(), must_exist=db_must_exist)
        require_writable_db(path, is_default=db is None)
        if refuse_damaged:
            require_sound_sqlite(path)


def check_out(out_dir: Path) -> Path:
    from sovereign_graph.app.writable import require_writable_dir

    return require_writable_dir(out_dir, "--out")


class LiveProgress:
    """Renders a run live on stderr: a line per finished node, a dim line per progress event, and a spinner
    with the latest event while a node works (the spinner only on a terminal)."""

    def __init__(self) -> None:
        self.status: Status | None = None

    def __enter__(self) -> LiveProgress:
        self.status = err.status("starting…")
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.__exit__(None, None, None)

    def callbacks(self) -> dict[str, Any]:
        """The runner's progress arguments: a line per node, and the events a node streams."""
        return {"on_progress": self.node, "on_event": self.event}

    def node(self, node: str, update: dict[str, Any], seconds: float) -> None:
        from sovereign_graph.progress import describe_node

        line = term(describe_node(node, update))
        err.print(f"[dim]{seconds:6.1f}s[/] [bold cyan]{node:<11}[/] {line}", highlight=False)

    def event(self, event: dict[str, Any], seconds: float) -> None:
        from sovereign_graph.progress import describe_event

        line = term(describe_event(event))
        err.print(f"[dim]{seconds:6.1f}s             · {line}[/]", highlight=False)
        if self.status is not None:
            self.status.update(line)


def finish_run(outcome: RunOutcome, out_dir: Path, db: str | None, *, decided: bool = False) -> None:
    """Write the report files, then say what happened: success is never reported before they exist."""
    from sovereign_graph.report.files import write_report_files

    report = outcome.report
    thread = shell_word(outcome.thread_id)
    try:
        md, js = write_report_files(report, out_dir)
    except ReportWriteError as error:
        saved = f"the decision is saved ({outcome.thread_id} is {report.status})" if decided else "the run is saved"
        raise ReportWriteError(
            f"{saved}, but {error} Print it with: sovereign show {thread}{db_flag(db)}, "
            f"or write it elsewhere with: sovereign show {thread}{db_flag(db)} --out DIR"
        ) from error
    out.print(f"{'Draft' if outcome.paused else 'Final'} report: {md} and {js}", highlight=False)
    out.print(f"Tribunal {report.score:.1f}/10 → {report.recommendation}", highlight=False)
    _print_fallbacks(report)
    if outcome.paused:
        out.print(
            f"paused for the owner: sovereign resume {thread}{db_flag(db)} "
            "--decision approve|reject|revise [--note TEXT]",
            highlight=False,
        )
    else:
        out.print(f"{outcome.thread_id}: {report.status}", highlight=False)


def _print_fallbacks(report: Report) -> None:
    """One line per role whose model output was rejected or replaced, at the end: not a stream of warnings."""
    from rich.markup import escape

    from sovereign_graph.printable import escape_controls
    from sovereign_graph.report.model import fallback_summary

    for line in fallback_summary(report.fallbacks):
        # A reason can quote what a model wrote: no markup, no terminal control sequence gets through.
        out.print(escape(escape_controls(f"fallback: {line}")), highlight=False)


def read_question(question: str | None, question_file: str | None) -> str:
    """--question TEXT, or --question-file PATH (`-`: standard input), for questions too long for argv."""
    if (question is None) == (question_file is None):
        raise InputError("give the question with --question TEXT or --question-file PATH (- for stdin), not both.")
    if question is not None:
        return question
    assert question_file is not None
    try:
        raw = sys.stdin.buffer.read() if question_file == "-" else Path(question_file).read_bytes()
    except OSError as error:
        raise InputError(f"--question-file {question_file}: {error.strerror or error}.") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"--question-file {question_file} is not UTF-8 text.") from None


@app.command()
@with_flags()
def run(
    paper: Annotated[str, typer.Option("--paper", help="arXiv id, arXiv URL or exact title of the subject paper.")],
    question: Annotated[str | None, typer.Option("--question", help="The research question.")] = None,
    question_file: Annotated[
        str | None, typer.Option("--question-file", help="Read the question from a file (- for standard input).")
    ] = None,
    thread: Annotated[
        str | None,
        typer.Option(
            "--thread", help="Thread id: letters, digits, '.', '_', '-', at most 64 [default: <paper>-<random>]."
        ),
    ] = None,
    db: DbOption = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where the report files go.")] = Path("."),
    max_revisions: Annotated[int, typer.Option("--max-revisions", help="Automatic revision rounds (0-3).")] = 1,
    *,
    flags: dict[str, Any],
) -> None:
    """Research a question about a paper, up to the owner's decision (settings: docs/settings.md)."""
    from sovereign_graph.names import require_thread_id
    from sovereign_graph.sources.resolve import require_question

    with cli_errors():
        # What can be refused without the graph, first: a bad question or id, an unwritable --out answer at once.
        text = require_question(read_question(question, question_file))
        if thread is not None:
            require_thread_id(thread)
        settings = run_settings(flags)
        out_dir = out_dir.resolve()
        check_places(db, out_dir, refuse_damaged=True)

        from sovereign_graph.app.runner import check_run_input, new_thread_id
        from sovereign_graph.runtime.context import Context

        context = Context.from_settings(settings, db=db)
        # Resolving the paper loads the corpus and fits its models: seconds on a cold start, so say so.
        with err.status("loading the corpus and resolving the paper…"):
            subject, _ = check_run_input(paper, text, max_revisions, context)
        thread = thread or new_thread_id(subject)
        with (
            stoppable(db),
            open_runner(db, must_exist=False, context=context) as runner,  # its file checked by check_places
            LiveProgress() as progress,
        ):
            outcome = runner.start(
                paper,
                text,
                thread_id=thread,
                max_revisions=max_revisions,
                out_dir=out_dir,
                **progress.callbacks(),
            )
        finish_run(outcome, out_dir, db)


@app.command()
@with_flags(RESUME_FLAGS)
def resume(
    thread: Annotated[str, typer.Argument(help="The thread to resume (see: sovereign threads).")],
    decision: Annotated[
        str | None,
        typer.Option("--decision", help="approve | reject | revise (none: continue a run a failure stopped)"),
    ] = None,
    note: Annotated[str, typer.Option("--note", help="The owner's note (for revise: what to look for).")] = "",
    db: DbOption = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="[default: where the draft went]")] = None,
    *,
    flags: dict[str, Any],
) -> None:
    """Give the owner's decision on a paused run (approve, reject, or revise once more), or continue a stopped one.

    The thread runs by the settings it started with; only how the live models and the arXiv API are reached may
    be given again (a server that moved, a mirror), and that change is recorded with this resume."""
    from sovereign_graph.app.runner import check_decision

    with cli_errors():
        if decision is not None:
            check_decision(decision)
        changes = resume_changes(flags)
        check_places(db, None, db_must_exist=True, refuse_damaged=True)
        with stoppable(db), open_runner(db, must_exist=True) as runner:
            target = check_out((out_dir or runner.out_dir(thread) or Path(".")).resolve())  # before deciding
            with LiveProgress() as live:
                outcome = runner.resume(
                    thread,
                    decision,
                    note,
                    changes=changes,
                    out_dir=target,
                    **live.callbacks(),
                )
        finish_run(outcome, target, db, decided=decision is not None)


@app.command()
def threads(db: DbOption = None) -> None:
    """List the research threads in the database."""
    from rich.table import Table

    table = Table("thread", "paper", "status", "score", "recommendation", "updated")
    with cli_errors():
        for summary in _quick_threads(db) or _full_threads(db):
            # A thread written through the Python API or another version may carry anything: every cell inert.
            table.add_row(
                term(summary.thread_id),
                term(summary.paper),
                term(summary.status),
                f"{summary.score:.1f}" if summary.score is not None else "—",
                term(summary.recommendation or "—"),
                term(summary.updated[:19].replace("T", " ")),
            )
    out.print(table)


def _quick_threads(db: str | None) -> list[Any] | None:
    from sovereign_graph.app.thread_index import indexed_threads

    return indexed_threads(db)


def _quick_report(db: str | None, thread: str) -> Any:
    from sovereign_graph.app.thread_index import indexed_report

    return indexed_report(db, thread)


def _full_threads(db: str | None) -> list[Any]:
    with open_runner(db, must_exist=True) as runner:
        return list(runner.threads())


@app.command()
def show(
    thread: Annotated[str, typer.Argument(help="The thread to show.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report's JSON object.")] = False,
    as_html: Annotated[
        bool,
        typer.Option("--html", help="Print the report as one standalone HTML page (the desk's; extra `web`)."),
    ] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Also write <thread>.md and <thread>.json (and .html with --html) into this directory."
        ),
    ] = None,
) -> None:
    """Print a thread's report (markdown, --json or --html); --out also writes its files."""
    from sovereign_graph.report.files import write_report_files
    from sovereign_graph.report.json_export import to_json
    from sovereign_graph.report.markdown import to_markdown

    with cli_errors():
        if as_json and as_html:
            raise InputError("--json and --html: give one of them.")
        if as_html:
            from sovereign_graph.cli.common import require_web_extra

            require_web_extra()
        if out_dir is not None:
            check_out(out_dir.resolve())
        report = _quick_report(db, thread)
        if report is None:
            with open_runner(db, must_exist=True) as runner:
                report = runner.report(thread)
        page = _html_page(report) if as_html else None
        if out_dir is not None:
            md, js = write_report_files(report, out_dir.resolve(), html=page)
            err.print(f"wrote {md} and {js}" + (" (and its .html)" if page is not None else ""), highlight=False)
    if page is not None:
        sys.stdout.write(page)
    elif as_json:
        sys.stdout.write(to_json(report))
    else:
        sys.stdout.write(to_markdown(report))


def _html_page(report: Report) -> str:
    from sovereign_graph.desk.pages import standalone_page

    return standalone_page(report)
