"""What each tool does, as plain blocking calls on the server's database: start a run to the owner's pause,
read a report, list threads, search the corpus, record and apply a decision. Each call opens its own runner,
as each CLI command does, so calls running at once share nothing but the database and its leases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from sovereign_graph.app.checkpoints import open_saver
from sovereign_graph.app.runner import EventCallback, ProgressCallback, Runner, RunOutcome
from sovereign_graph.app.summary import RunSummary, summarize
from sovereign_graph.app.thread_index import has_database, indexed_report, indexed_threads
from sovereign_graph.app.writable import require_writable_dir
from sovereign_graph.errors import InputError, shown
from sovereign_graph.home import db_flag, default_db_path, redacted
from sovereign_graph.names import require_thread_id, shell_word
from sovereign_graph.report.files import write_report_files
from sovereign_graph.report.json_export import to_json
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.report.model import Report
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings.run import RunSettings

StatusFilter = Literal["all", "awaiting_owner", "running", "stopped", "approved", "rejected"]
MAX_SEARCH_RESULTS = 50


@dataclass(frozen=True)
class ServerConfig:
    """What `sovereign mcp` was started with: the same database, output folder and run settings (live models
    included; keys only ever from the server's environment) for every call."""

    db: str | None
    out_dir: Path
    settings: RunSettings
    allow_decisions: bool = False
    desk_url: str | None = None

    def desk_link(self, thread_id: str) -> str | None:
        return f"{self.desk_url.rstrip('/')}/threads/{thread_id}" if self.desk_url else None


class ThreadRow(BaseModel):
    thread_id: str
    paper: str
    status: str = Field(description="running | awaiting_owner | stopped before <step> | approved | rejected")
    score: float | None
    recommendation: str | None
    updated: str


class PaperRow(BaseModel):
    id: str
    title: str
    published: str = Field(description="publication date, where the corpus knows it")
    score: float | None = Field(description="search score (higher is closer); None for an exact id or title")


@contextmanager
def open_runner(config: ServerConfig, settings: RunSettings | None = None, *, must_exist: bool) -> Iterator[Runner]:
    context = Context.from_settings(settings or config.settings, db=config.db)
    with open_saver(config.db, must_exist=must_exist, for_new_threads=not must_exist) as saver:
        yield Runner(saver, context)


def call_settings(config: ServerConfig, corpus: str | None, fulltext: int | None) -> RunSettings:
    """The server's settings with a call's own corpus and full-text count: refused as the CLI refuses its flags."""
    changes: dict[str, Any] = {k: v for k, v in {"corpus": corpus, "fulltext": fulltext}.items() if v is not None}
    if not changes:
        return config.settings
    if corpus is not None and config.settings.source != "snapshot":
        raise InputError("corpus names an offline corpus: this server searches the live arXiv API.")
    return RunSettings.from_env({}, **{**dict(config.settings), **changes})


def analyze(
    config: ServerConfig,
    paper: str,
    question: str,
    *,
    corpus: str | None,
    fulltext: int | None,
    max_revisions: int,
    thread_id: str | None,
    on_progress: ProgressCallback,
    on_event: EventCallback,
) -> RunSummary:
    settings = call_settings(config, corpus, fulltext)
    if thread_id is not None:
        require_thread_id(thread_id)
    out_dir = require_writable_dir(config.out_dir, "--out")
    with open_runner(config, settings, must_exist=False) as runner:
        outcome = runner.start(
            paper,
            question,
            thread_id=thread_id,
            max_revisions=max_revisions,
            out_dir=out_dir,
            on_progress=on_progress,
            on_event=on_event,
        )
    return _written(config, outcome, out_dir)


def continue_run(
    config: ServerConfig, thread_id: str, on_progress: ProgressCallback, on_event: EventCallback
) -> RunSummary:
    """A run that stopped (a cancelled call, a failure, a kill) continues from its last finished step."""
    _require_database(config)
    with open_runner(config, must_exist=True) as runner:
        if runner.status(thread_id) == "awaiting_owner":
            raise InputError(
                f"thread {shown(thread_id)} is paused for its owner, who decides it: "
                f"sovereign resume {shell_word(thread_id)}{db_flag(config.db)} --decision approve|reject|revise."
            )
        out_dir = require_writable_dir(runner.out_dir(thread_id) or config.out_dir, "--out")
        outcome = runner.resume(thread_id, None, out_dir=out_dir, on_progress=on_progress, on_event=on_event)
    return _written(config, outcome, out_dir)


def decide(
    config: ServerConfig,
    thread_id: str,
    decision: str,
    note: str,
    decided_by: str,
    on_progress: ProgressCallback,
    on_event: EventCallback,
) -> RunSummary:
    """Record the decision as `decided_by`'s (never as the owner's), then apply it as the CLI's resume does."""
    _require_database(config)
    with open_runner(config, must_exist=True) as runner:
        runner.record_decision(thread_id, decision, note, decided_by=decided_by)
        out_dir = require_writable_dir(runner.out_dir(thread_id) or config.out_dir, "--out")
        outcome = runner.resume(thread_id, None, out_dir=out_dir, on_progress=on_progress, on_event=on_event)
    return _written(config, outcome, out_dir)


def _written(config: ServerConfig, outcome: RunOutcome, out_dir: Path) -> RunSummary:
    """The report files first, as the CLI writes them: a summary never names a draft that is not on disk."""
    write_report_files(outcome.report, out_dir)
    return summarize(outcome.report, db=config.db, desk_url=config.desk_link(outcome.thread_id))


def report(config: ServerConfig, thread_id: str) -> Report:
    _require_database(config)
    found = indexed_report(config.db, thread_id)
    if found is not None:
        return found
    with open_runner(config, must_exist=True) as runner:
        return runner.report(thread_id)


def report_text(config: ServerConfig, thread_id: str, fmt: Literal["markdown", "json"]) -> str:
    found = report(config, thread_id)
    return to_markdown(found) if fmt == "markdown" else to_json(found)


def threads(config: ServerConfig, status: StatusFilter = "all") -> list[ThreadRow]:
    if not has_database(config.db):
        return []  # nothing has run here yet: an empty list, not a new database
    quick = indexed_threads(config.db)
    if quick is not None:
        rows = [
            ThreadRow(
                thread_id=t.thread_id,
                paper=t.paper,
                status=t.status,
                score=t.score,
                recommendation=t.recommendation,
                updated=t.updated,
            )
            for t in quick
        ]
    else:
        with open_runner(config, must_exist=True) as runner:
            rows = [ThreadRow(**vars(summary)) for summary in runner.threads()]
    return [row for row in rows if status == "all" or row.status.split(" ")[0] == status]


def search(config: ServerConfig, query: str, corpus: str | None, limit: int) -> list[PaperRow]:
    """Papers of the server's corpus by arXiv id, exact title or free text, as `analyze_paper` finds them."""
    query = " ".join(query.split())
    if not query:
        raise InputError("query is empty: give an arXiv id, a title or some words of one.")
    if not 1 <= limit <= MAX_SEARCH_RESULTS:
        raise InputError(f"limit must be between 1 and {MAX_SEARCH_RESULTS}, not {limit}.")
    source = Context.from_settings(call_settings(config, corpus, None), db=config.db).paper_source()
    exact = source.get(query)
    found = [exact] if exact is not None else source.find_title(query)
    rows = [PaperRow(id=p.id, title=p.title, published=p.published, score=None) for p in found[:limit]]
    seen = {row.id for row in rows}
    for paper, score in source.search(query, limit):
        if len(rows) < limit and paper.id not in seen:
            rows.append(PaperRow(id=paper.id, title=paper.title, published=paper.published, score=round(score, 4)))
    return rows


def _require_database(config: ServerConfig) -> None:
    if not has_database(config.db):
        raise InputError(f"no thread in {shown(redacted(config.db or default_db_path()))}: nothing has run here yet.")
