"""Running, resuming and inspecting research threads on a checkpointer: what the CLI (and a host app
that wants the same behaviour) calls. Input is checked before anything is written."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from sovereign_graph.checkpoint import thread_ids
from sovereign_graph.context import Context
from sovereign_graph.errors import InputError, ResumableError
from sovereign_graph.graph import build_graph
from sovereign_graph.history import CheckpointRow, fork_checkpoint, history
from sovereign_graph.injected import Engines
from sovereign_graph.llm.config import LiveConfig
from sovereign_graph.llm.settings import RoleModels, embeddings_from_config
from sovereign_graph.nodes.owner import DECISIONS
from sovereign_graph.nodes.plan import require_max_revisions
from sovereign_graph.report import Report, build_report, status_of, to_markdown
from sovereign_graph.sources.resolve import require_question, resolve_subject
from sovereign_graph.state import Paper, ResearchInput

OUT_DIR_KEY = "sovereign_out_dir"
# The context is not checkpointed: the source a thread searched is, so a resume searches the same one.
SOURCE_KEY = "sovereign_source"
ARXIV_URL_KEY = "sovereign_arxiv_url"
CORPUS_KEY = "sovereign_corpus"
# The live models a thread ran on, by name (a LiveConfig as JSON, never a key), so a resume rebuilds them.
LIVE_KEY = "sovereign_live"
ProgressCallback = Callable[[str, dict[str, Any], float], None]  # node, its update, seconds since start
EventCallback = Callable[[dict[str, Any], float], None]  # a progress event (see progress.py), seconds


@dataclass(frozen=True)
class RunOutcome:
    thread_id: str
    report: Report
    paused: bool


@dataclass(frozen=True)
class ThreadSummary:
    thread_id: str
    paper: str
    status: str
    score: float | None
    recommendation: str | None
    updated: str


def new_thread_id(paper: Paper) -> str:
    return f"{paper.id.replace('/', '_')}-{uuid.uuid4().hex[:8]}"


def check_run_input(paper: str, question: str, max_revisions: int, context: Context) -> tuple[Paper, str]:
    """Everything `run` can reject, checked before a database or a file is touched."""
    question = require_question(question)
    require_max_revisions(max_revisions)
    return resolve_subject(paper, context.paper_source()), question


def check_decision(decision: str) -> str:
    decision = decision.strip().lower()
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not '{decision}'.")
    return decision


def write_report_files(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """<thread>.md and <thread>.json, each replaced atomically so a reader never sees half a report."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report.thread_id or "report"
    paths = (out_dir / f"{stem}.md", out_dir / f"{stem}.json")
    contents = (
        to_markdown(report),
        json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
    )
    for path, text in zip(paths, contents, strict=True):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return paths


class Runner:
    def __init__(
        self, checkpointer: BaseCheckpointSaver[Any], context: Context | None = None, engines: Engines | None = None
    ) -> None:
        self.checkpointer = checkpointer
        engines = engines or Engines()
        self.context = (context or Context()).with_engines(engines if engines.any() else None)
        self.graph = build_graph(
            checkpointer,
            source=engines.source,
            embeddings=engines.embeddings,
            vector_store=engines.vector_store,
            llm=engines.llm,
        )

    def _config(self, thread_id: str, out_dir: Path | None = None, context: Context | None = None) -> RunnableConfig:
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        metadata: dict[str, Any] = {}
        if out_dir is not None:
            metadata[OUT_DIR_KEY] = str(out_dir)
        if context is not None and context.injected_source() is None:
            metadata[SOURCE_KEY] = context.source_name
            metadata[CORPUS_KEY] = context.corpus
            if context.source_name == "arxiv":
                metadata[ARXIV_URL_KEY] = context.arxiv_url
        if context is not None and context.llm is not None and context.llm.config is not None:
            metadata[LIVE_KEY] = context.llm.config.to_json()
        if metadata:
            config["metadata"] = metadata
        return config

    def _metadata(self, thread_id: str, key: str) -> str | None:
        """The newest value of `key` in the thread's checkpoint metadata."""
        for checkpoint in self.checkpointer.list(self._config(thread_id)):
            if key in checkpoint.metadata:
                return str(checkpoint.metadata[key])  # type: ignore[literal-required]
        return None

    def context_for(self, thread_id: str) -> Context:
        """This runner's context, searching the source the thread was started with (unless one was injected),
        on the live models it was started with (unless this runner was given its own)."""
        context = self._live_context(thread_id)
        if context.injected_source() is not None:
            return context
        source_name = self._metadata(thread_id, SOURCE_KEY)
        if source_name is None:
            return context
        arxiv_url = self._metadata(thread_id, ARXIV_URL_KEY) or context.arxiv_url
        corpus = self._metadata(thread_id, CORPUS_KEY) or context.corpus
        return replace(context, source_name=source_name, arxiv_url=arxiv_url, corpus=corpus)

    def _live_context(self, thread_id: str) -> Context:
        if self.context.llm is not None:
            return self.context
        recorded = self._metadata(thread_id, LIVE_KEY)
        if recorded is None:
            return self.context
        config = LiveConfig.from_json(recorded)
        embeddings = self.context.embeddings or embeddings_from_config(config)
        return replace(self.context, llm=RoleModels.from_config(config), embeddings=embeddings)

    def start(
        self,
        paper: str,
        question: str,
        *,
        thread_id: str | None = None,
        max_revisions: int = 1,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunOutcome:
        subject, question = check_run_input(paper, question, max_revisions, self.context)
        thread_id = thread_id or new_thread_id(subject)
        if self.graph.get_state(self._config(thread_id)).values:
            raise InputError(f"thread '{thread_id}' already exists: pick another --thread, or resume it.")
        graph_input: ResearchInput = {"paper": paper, "question": question, "max_revisions": max_revisions}
        return self._drive(graph_input, thread_id, out_dir, on_progress, on_event, self.context)

    def resume(
        self,
        thread_id: str,
        decision: str | None,
        note: str = "",
        *,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunOutcome:
        """The owner's decision on a paused thread; or, with no decision, continue a thread a failure stopped."""
        decision = check_decision(decision) if decision is not None else None
        status = self.status(thread_id)
        if status in ("approved", "rejected"):
            raise InputError(f"thread '{thread_id}' is already final ({status}); nothing to resume.")
        graph_input: Any
        if status == "awaiting_owner":
            if decision is None:
                raise InputError(
                    f"thread '{thread_id}' is paused for the owner: give --decision approve|reject|revise."
                )
            graph_input = Command(resume={"decision": decision, "note": note})
        elif decision is not None:
            raise InputError(
                f"thread '{thread_id}' is not paused for the owner (it is {status}); resume it without a decision."
            )
        else:
            graph_input = None  # carry on from the last checkpoint: finished steps are not run again
        out_dir = out_dir or self.out_dir(thread_id)
        return self._drive(graph_input, thread_id, out_dir, on_progress, on_event, self.context_for(thread_id))

    def history(self, thread_id: str) -> list[CheckpointRow]:
        return history(self.graph, thread_id)

    def fork(
        self,
        thread_id: str,
        checkpoint_id: str,
        decision: str | None = None,
        note: str = "",
        *,
        max_revisions: int | None = None,
        new_thread_id: str | None = None,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunOutcome:
        """Re-run from one checkpoint of a thread in a new thread, leaving the original intact.

        From a checkpoint before the owner's pause the copy runs on to the pause; with a decision, the
        owner's answer is then given to the copy.
        """
        decision = check_decision(decision) if decision is not None else None
        self.status(thread_id)  # an unknown thread is bad input
        new = fork_checkpoint(
            self.checkpointer, thread_id, checkpoint_id, new_thread_id=new_thread_id, max_revisions=max_revisions
        )
        out_dir = out_dir or self.out_dir(new)
        context = self.context_for(new)
        snapshot = self.graph.get_state(self._config(new))
        if not snapshot.interrupts and not snapshot.next:
            if decision is not None:
                raise InputError(
                    f"checkpoint '{checkpoint_id}' is after the owner's decision; fork an earlier one to decide again."
                )
            return RunOutcome(thread_id=new, report=self.report(new), paused=False)
        if not snapshot.interrupts:
            outcome = self._drive(None, new, out_dir, on_progress, on_event, context)
            if not outcome.paused or decision is None:
                return outcome
        elif decision is None:
            return RunOutcome(thread_id=new, report=self.report(new), paused=True)
        answer: Command[Any] = Command(resume={"decision": decision, "note": note})
        return self._drive(answer, new, out_dir, on_progress, on_event, context)

    def _drive(
        self,
        graph_input: Any,
        thread_id: str,
        out_dir: Path | None,
        on_progress: ProgressCallback | None,
        on_event: EventCallback | None,
        context: Context,
    ) -> RunOutcome:
        config = self._config(thread_id, out_dir, context)
        started = time.perf_counter()
        try:
            chunks: Any = self.graph.stream(graph_input, config, context=context, stream_mode=["updates", "custom"])
            for mode, chunk in chunks:
                seconds = time.perf_counter() - started
                if mode == "custom":
                    if on_event is not None:
                        on_event(chunk, seconds)
                    continue
                for node, update in chunk.items():
                    if on_progress is not None and node != "__interrupt__":
                        on_progress(node, update or {}, seconds)
        except ResumableError as error:
            if not self.graph.get_state(self._config(thread_id)).values:
                raise
            raise type(error)(
                f"{error} The run's progress is saved: `sovereign resume {thread_id}` continues it."
            ) from error
        snapshot = self.graph.get_state(self._config(thread_id))
        return RunOutcome(thread_id=thread_id, report=self.report(thread_id), paused=bool(snapshot.interrupts))

    def status(self, thread_id: str) -> str:
        snapshot = self.graph.get_state(self._config(thread_id))
        if not snapshot.values:
            raise InputError(f"no thread '{thread_id}' in this database (see: sovereign threads).")
        if snapshot.interrupts:
            return "awaiting_owner"
        if snapshot.next:
            return f"stopped before {', '.join(dict.fromkeys(snapshot.next))}"
        return status_of(snapshot.values)

    def report(self, thread_id: str) -> Report:
        snapshot = self.graph.get_state(self._config(thread_id))
        values = snapshot.values
        if not values:
            raise InputError(f"no thread '{thread_id}' in this database (see: sovereign threads).")
        if "subject" not in values or "score" not in values:
            raise InputError(f"thread '{thread_id}' has no report yet (it is {self.status(thread_id)}).")
        return build_report(values, thread_id=thread_id, status=status_of(values))

    def out_dir(self, thread_id: str) -> Path | None:
        stored = self._metadata(thread_id, OUT_DIR_KEY)
        return Path(stored) if stored is not None else None

    def threads(self) -> list[ThreadSummary]:
        summaries: list[ThreadSummary] = []
        for thread_id in thread_ids(self.checkpointer):
            snapshot = self.graph.get_state(self._config(thread_id))
            values = snapshot.values
            subject = values.get("subject")
            summaries.append(
                ThreadSummary(
                    thread_id=thread_id,
                    paper=subject.id if subject is not None else str(values.get("paper", "?")),
                    status=self.status(thread_id),
                    score=values.get("score"),
                    recommendation=values.get("recommendation"),
                    updated=snapshot.created_at or "",
                )
            )
        return summaries
