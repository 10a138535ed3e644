"""Running, resuming and inspecting research threads on a checkpointer: what the CLI (and a host app
that wants the same behaviour) calls. Input is checked before anything is written."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from sovereign_graph.checkpoint import thread_ids
from sovereign_graph.context import Context
from sovereign_graph.errors import InputError
from sovereign_graph.graph import build_graph
from sovereign_graph.nodes.owner import DECISIONS
from sovereign_graph.nodes.plan import require_max_revisions
from sovereign_graph.report import Report, build_report, status_of, to_markdown
from sovereign_graph.sources.resolve import require_question, resolve_subject
from sovereign_graph.state import Paper, ResearchInput

OUT_DIR_KEY = "sovereign_out_dir"
ProgressCallback = Callable[[str, dict[str, Any], float], None]


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
    def __init__(self, checkpointer: BaseCheckpointSaver[Any], context: Context | None = None) -> None:
        self.checkpointer = checkpointer
        self.context = context or Context()
        self.graph = build_graph(checkpointer)

    def _config(self, thread_id: str, out_dir: Path | None = None) -> RunnableConfig:
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        if out_dir is not None:
            config["metadata"] = {OUT_DIR_KEY: str(out_dir)}
        return config

    def start(
        self,
        paper: str,
        question: str,
        *,
        thread_id: str | None = None,
        max_revisions: int = 1,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> RunOutcome:
        subject, question = check_run_input(paper, question, max_revisions, self.context)
        thread_id = thread_id or new_thread_id(subject)
        if self.graph.get_state(self._config(thread_id)).values:
            raise InputError(f"thread '{thread_id}' already exists: pick another --thread, or resume it.")
        graph_input: ResearchInput = {"paper": paper, "question": question, "max_revisions": max_revisions}
        return self._drive(graph_input, thread_id, out_dir, on_progress)

    def resume(
        self,
        thread_id: str,
        decision: str,
        note: str = "",
        *,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> RunOutcome:
        decision = check_decision(decision)
        status = self.status(thread_id)
        if status in ("approved", "rejected"):
            raise InputError(f"thread '{thread_id}' is already final ({status}); nothing to resume.")
        if status != "awaiting_owner":
            raise InputError(f"thread '{thread_id}' is not paused for the owner (it is {status}).")
        command: Command[Any] = Command(resume={"decision": decision, "note": note})
        return self._drive(command, thread_id, out_dir or self.out_dir(thread_id), on_progress)

    def _drive(
        self, graph_input: Any, thread_id: str, out_dir: Path | None, on_progress: ProgressCallback | None
    ) -> RunOutcome:
        config = self._config(thread_id, out_dir)
        started = time.perf_counter()
        for chunk in self.graph.stream(graph_input, config, context=self.context, stream_mode="updates"):
            for node, update in chunk.items():
                if on_progress is not None and node != "__interrupt__":
                    on_progress(node, update or {}, time.perf_counter() - started)
        snapshot = self.graph.get_state(self._config(thread_id))
        return RunOutcome(thread_id=thread_id, report=self.report(thread_id), paused=bool(snapshot.interrupts))

    def status(self, thread_id: str) -> str:
        snapshot = self.graph.get_state(self._config(thread_id))
        if not snapshot.values:
            raise InputError(f"no thread '{thread_id}' in this database (see: sovereign threads).")
        if snapshot.interrupts:
            return "awaiting_owner"
        if snapshot.next:
            return f"stopped before {', '.join(snapshot.next)}"
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
        for checkpoint in self.checkpointer.list(self._config(thread_id)):
            if OUT_DIR_KEY in checkpoint.metadata:
                return Path(str(checkpoint.metadata[OUT_DIR_KEY]))  # type: ignore[literal-required]
        return None

    def threads(self) -> list[ThreadSummary]:
        summaries: list[ThreadSummary] = []
        for thread_id in thread_ids(self.checkpointer):  # type: ignore[arg-type]
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
