"""The desk's view of one database: the threads (any process's runs on it), a thread's report, status and open
pause, and the owner's decision — recorded at once through `Runner.record_decision` (the CLI's atomic path:
of two decisions on one pause the first wins), then applied in the background by `Runner.resume`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sovereign_graph.app.checkpoints import open_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.app.thread_index import has_database, quick_threads
from sovereign_graph.desk.jobs import Job, Jobs
from sovereign_graph.errors import InputError
from sovereign_graph.home import default_db_path, is_postgres_url
from sovereign_graph.names import is_safe_name
from sovereign_graph.report.files import write_report_files
from sovereign_graph.report.model import Report
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings.run import RunSettings

AWAITING = "awaiting_owner"
# A question as the list shows it: enough to recognise it; the thread's page has it whole.
LISTED_QUESTION = 240
MAX_THREAD_ID = 256


@dataclass(frozen=True)
class DeskThread:
    """A row of the list: what a thread is about and where it stands."""

    thread_id: str
    paper: str
    title: str
    question: str
    status: str
    score: float | None
    recommendation: str | None
    updated: str

    @property
    def awaiting(self) -> bool:
        return self.status == AWAITING

    @property
    def listed_question(self) -> str:
        """The question cut for the list: a pasted document must not fill the page (or megabytes of it)."""
        text = " ".join(self.question[: LISTED_QUESTION * 4].split())
        return text if len(text) <= LISTED_QUESTION else text[: LISTED_QUESTION - 1].rstrip() + "…"

    @property
    def openable(self) -> bool:
        """Whether the desk can open the thread: an id made outside its rules (an older version, a host driving
        the graph itself) is listed, without a link that could not work."""
        return is_safe_name(self.thread_id)

    @property
    def status_group(self) -> str:
        """The filter a status belongs to: 'stopped before verify' is 'stopped'."""
        return self.status.split(" ")[0]


@dataclass(frozen=True)
class ThreadView:
    thread_id: str
    status: str
    report: Report | None  # None before the tribunal has scored
    pause: str | None  # the open pause's checkpoint id: the decision form is shown only with one
    question: str


def shown_db(db: str | None) -> str:
    """The database as a page may show it: never a password, never a URL's query (which may hold one)."""
    if db is None:
        return str(default_db_path())
    if not is_postgres_url(db):
        return db
    parts = urlsplit(db)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{parts.hostname or ''}{port}{parts.path}"


class DeskStore:
    def __init__(self, db: str | None, out_dir: Path | None = None) -> None:
        self.db = db
        self.out_dir = out_dir
        self.jobs = Jobs()

    @contextmanager
    def runner(self) -> Iterator[Runner]:
        # A decision resumes the thread by the settings it recorded; these are only for a thread that has none.
        context = Context.from_settings(RunSettings.from_env(), db=self.db)
        with open_saver(self.db, must_exist=False) as saver:
            yield Runner(saver, context)

    def _has_database(self) -> bool:
        return has_database(self.db)

    def threads(self) -> list[DeskThread]:
        """Newest first."""
        if not self._has_database():
            return []  # nothing has run here yet: an empty list, not a new file
        quick = self._quick_threads()
        if quick is not None:
            return quick
        rows = []
        with self.runner() as runner:
            for summary in runner.threads():
                report = _report_or_none(runner, summary.thread_id)
                question = report.question if report is not None else runner.question_of(summary.thread_id) or ""
                status = "running" if self.jobs.running(summary.thread_id) else summary.status
                rows.append(
                    DeskThread(
                        thread_id=summary.thread_id,
                        paper=summary.paper,
                        title=report.paper.title if report is not None else "",
                        question=question,
                        status=status,
                        score=summary.score,
                        recommendation=summary.recommendation,
                        updated=summary.updated,
                    )
                )
        return rows

    def _quick_threads(self) -> list[DeskThread] | None:
        """From the thread index a run writes when it pauses or finishes (SQLite; `app/thread_index.py`): no graph, no
        checkpoint decoded. None when any entry is stale: then every thread is read from its checkpoints."""
        if self.db is not None and is_postgres_url(self.db):
            return None
        entries = quick_threads(Path(self.db) if self.db else default_db_path())
        if entries is None:
            return None
        rows = []
        for entry in entries:
            report = Report.model_validate_json(entry.report)
            status = "running" if self.jobs.running(entry.thread_id) else entry.status
            rows.append(
                DeskThread(
                    thread_id=entry.thread_id,
                    paper=entry.paper,
                    title=report.paper.title,
                    question=report.question,
                    status=status,
                    score=entry.score,
                    recommendation=entry.recommendation,
                    updated=entry.updated,
                )
            )
        return rows

    def thread(self, thread_id: str) -> ThreadView:
        """Raises InputError for an unknown thread (any id a thread can have: the SDK's and Studio's too)."""
        if not thread_id or len(thread_id) > MAX_THREAD_ID or not self._has_database():
            raise InputError(f"no thread '{thread_id}' in this database.")
        with self.runner() as runner:
            if not runner.has_thread(thread_id):
                raise InputError(f"no thread '{thread_id}' in this database.")
            status = runner.status(thread_id)
            if self.jobs.running(thread_id):
                status = "running"
            report = _report_or_none(runner, thread_id)
            pause = runner.open_pause(thread_id) if status == AWAITING else None
            question = report.question if report is not None else runner.question_of(thread_id) or ""
            return ThreadView(thread_id, status, report, pause, question)

    def decide(self, thread_id: str, decision: str, note: str, pause: str) -> Job:
        """Record the decision on `pause` (raises DecidedMeanwhileError if it lost), then apply it in the background."""
        with self.runner() as runner:
            recorded = runner.record_decision(thread_id, decision, note, pause=pause)
        return self.jobs.start(thread_id, recorded.decision, lambda job: self._apply(thread_id, job))

    def _apply(self, thread_id: str, job: Job) -> None:
        with self.runner() as runner:
            out_dir = (self.out_dir or runner.out_dir(thread_id) or Path(".")).resolve()
            outcome = runner.resume(thread_id, None, out_dir=out_dir, on_progress=job.node)
        md, js = write_report_files(outcome.report, out_dir)
        job.lines.append(f"report written: {md} and {js}")


def _report_or_none(runner: Runner, thread_id: str) -> Report | None:
    try:
        return runner.report(thread_id)
    except InputError:
        return None
