"""Running, resuming and inspecting research threads on a checkpointer: what the CLI (and a host app
that wants the same behaviour) calls. Input is checked before anything is written."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command, StateSnapshot

from sovereign_graph.app.checkpoints import thread_ids
from sovereign_graph.app.coordination import (
    Coordinator,
    DecisionRecord,
    Holder,
    IndexEntry,
    LeaseKeeper,
    coordinator_for,
    hold,
)
from sovereign_graph.app.history import CheckpointRow, fork_checkpoint, history
from sovereign_graph.app.recorded_settings import recorded_settings, settings_metadata
from sovereign_graph.app.thread_index import ThreadSummary
from sovereign_graph.errors import (
    DecidedMeanwhileError,
    InputError,
    LeaseLostError,
    ResumableError,
    StoppedRunError,
    ThreadBusyError,
    require_text,
    shown,
)
from sovereign_graph.graph import build_graph
from sovereign_graph.names import require_thread_id
from sovereign_graph.report.files import write_report_files
from sovereign_graph.report.model import Report, build_report, status_of
from sovereign_graph.runtime.context import Context
from sovereign_graph.runtime.injected import Engines
from sovereign_graph.settings.run import RunSettings
from sovereign_graph.sources.fulltext.library import is_library_file
from sovereign_graph.sources.resolve import require_question, resolve_subject
from sovereign_graph.state import Paper, ResearchInput
from sovereign_graph.steps.owner.node import DECISIONS
from sovereign_graph.steps.plan.node import require_max_revisions

OUT_DIR_KEY = "sovereign_out_dir"
ProgressCallback = Callable[[str, dict[str, Any], float], None]  # node, its update, seconds since start
EventCallback = Callable[[dict[str, Any], float], None]  # a progress event (see progress.py), seconds
LEASE_WAIT_SECONDS = 10.0  # a run that just reached the pause may still be letting go of its thread
FIRST_NODE = "plan"

__all__ = ["RunOutcome", "RunStopped", "Runner", "ThreadSummary", "write_report_files"]


@dataclass(frozen=True)
class RunOutcome:
    thread_id: str
    report: Report
    paused: bool


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
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}, not {shown(decision)}.")
    return decision


def check_note(note: str) -> str:
    """The owner's note, refused where it is not text (a byte that is not UTF-8 would fail only when stored)."""
    return require_text(note, "the owner's note")


class RunStopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run between (or inside) steps; every finished step is saved."""

    def __init__(self, thread_id: str, status: str) -> None:
        super().__init__(f"{thread_id}: {status}")
        self.thread_id = thread_id
        self.status = status


class Runner:
    def __init__(
        self,
        checkpointer: BaseCheckpointSaver[Any],
        context: Context | None = None,
        engines: Engines | None = None,
        coordinator: Coordinator | None = None,
    ) -> None:
        self.checkpointer = checkpointer
        self.coordinator = coordinator or coordinator_for(checkpointer)
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
        if context is not None:
            # The context is not checkpointed: its settings are, whole, so a resume runs by the same ones.
            metadata.update(settings_metadata(context.settings()))
        if metadata:
            config["metadata"] = metadata
        return config

    def _metadata(self, thread_id: str, key: str) -> str | None:
        """The newest value of `key` in the thread's checkpoint metadata."""
        for checkpoint in self.checkpointer.list(self._config(thread_id)):
            if key in checkpoint.metadata:
                return str(checkpoint.metadata[key])  # type: ignore[literal-required]
        return None

    def settings_for(self, thread_id: str, changes: Mapping[str, Any] | None = None) -> RunSettings:
        """The settings the thread recorded (this runner's own for a thread that recorded none), with a resume's
        explicit `changes` (only where they say how to reach a service: `RunSettings.resumed`)."""
        settings = self._recorded_settings(thread_id) or self.context.settings()
        return settings.resumed(changes) if changes else settings

    def _recorded_settings(self, thread_id: str) -> RunSettings | None:
        return recorded_settings(partial(self._metadata, thread_id), self.context.settings())

    def context_for(self, thread_id: str, changes: Mapping[str, Any] | None = None) -> Context:
        """The context that continues the thread: its recorded settings (`settings_for`), with this runner's
        database, injected engines, and a host's own models if it was given some."""
        return self._context_with(self.settings_for(thread_id, changes))

    def _context_with(self, settings: RunSettings) -> Context:
        own = self.context
        if settings == own.settings():
            return own
        same_models = settings.live == own.live_config()
        host_models = own.llm is not None and own.llm.config is None
        # Embeddings the live config did not name are a host's own: they stay, as its chat models do.
        host_embeddings = own.embeddings is not None and own.live_config().embeddings is None
        context = Context.from_settings(
            settings,
            llm=own.llm if same_models or host_models else None,
            embeddings=own.embeddings if same_models or host_embeddings else None,
        )
        context.corpus_db = own.corpus_db
        return context.with_engines(own.engines)

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
        thread_id = require_thread_id(thread_id) if thread_id is not None else new_thread_id(subject)
        with hold(self.coordinator, thread_id) as lease:
            if self.checkpointer.get_tuple(self._config(thread_id)) is not None:
                raise InputError(f"thread {shown(thread_id)} already exists: pick another --thread, or resume it.")
            # A file of the library (`--paper ./papers/x.pdf`) is recorded by the paper's id: a resume or a fork may
            # run in another directory, where the relative path names nothing.
            reference = subject.id if is_library_file(Path(paper.strip())) else paper
            graph_input: ResearchInput = {"paper": reference, "question": question, "max_revisions": max_revisions}
            return self._drive(graph_input, thread_id, out_dir, on_progress, on_event, self.context, lease)

    def resume(
        self,
        thread_id: str,
        decision: str | None,
        note: str = "",
        *,
        changes: Mapping[str, Any] | None = None,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunOutcome:
        """The owner's decision on a paused thread; or, with no decision, continue a thread that stopped
        (a failure, a kill, Ctrl-C), applying a decision that was recorded but not yet applied.

        The thread runs by the settings it recorded; `changes` may change only how a service is reached (an
        arXiv mirror, a model server that moved: `RunSettings.resumed`), and are recorded with this resume.
        A decision is applied only to the pause it was read from: of two owners answering at once, the
        first recorded wins and the other gets `DecidedMeanwhileError`; nothing is dropped silently.
        """
        # Before a decision is recorded: a change that is refused, or a model that cannot be built, costs nothing.
        context = self.context_for(thread_id, changes)
        if decision is not None:
            self.record_decision(thread_id, decision, note)
        else:
            self._snapshot(thread_id)  # an unknown thread is refused before any lease is taken
        with self._hold_waiting(thread_id) as lease:
            snapshot = self._snapshot(thread_id)
            status = self._status(thread_id, snapshot, holder=None)
            if status in ("approved", "rejected"):
                raise InputError(f"thread {shown(thread_id)} is already final ({status}); nothing to resume.")
            graph_input: Any = None  # carry on from the last checkpoint: finished steps are not run again
            if snapshot.interrupts:
                recorded = self.coordinator.decision_for(thread_id, _checkpoint_id(snapshot))
                if recorded is None:
                    raise InputError(
                        f"thread {shown(thread_id)} is paused for the owner: give --decision approve|reject|revise."
                    )
                graph_input = Command(resume=_answer(recorded))
            out_dir = out_dir or self.out_dir(thread_id)
            return self._drive(graph_input, thread_id, out_dir, on_progress, on_event, context, lease)

    def record_decision(
        self, thread_id: str, decision: str, note: str = "", *, pause: str | None = None, decided_by: str = ""
    ) -> DecisionRecord:
        """Record the owner's decision on the thread's open pause, without applying it (`resume(thread_id, None)`
        applies it, here or in any other process). `pause`: the checkpoint id of the pause the owner read; a
        decision on a pause that is no longer the thread's open one is refused (`DecidedMeanwhileError`).
        `decided_by`: '' for the owner; otherwise who decided in the owner's stead (an agent over MCP), which the
        report's owner section then says."""
        decision = check_decision(decision)
        check_note(note)
        snapshot = self._snapshot(thread_id)
        self._refuse_if_not_open(thread_id, snapshot)
        if pause is not None and pause != _checkpoint_id(snapshot):
            raise DecidedMeanwhileError(
                f"thread {shown(thread_id)} was decided and has moved on since this draft was read; read it again."
            )
        return self._record(thread_id, _checkpoint_id(snapshot), decision, note, require_text(decided_by, "decided_by"))

    def open_pause(self, thread_id: str) -> str | None:
        """The checkpoint id of the thread's pause for the owner, if it is paused with no decision recorded."""
        snapshot = self._snapshot(thread_id)
        if not snapshot.interrupts or self.coordinator.live_holder(thread_id) is not None:
            return None
        pause = _checkpoint_id(snapshot)
        return None if self.coordinator.decision_for(thread_id, pause) is not None else pause

    def _refuse_if_not_open(self, thread_id: str, snapshot: StateSnapshot) -> None:
        """A decision needs an open pause: say why there is none, and never drop the decision silently."""
        if snapshot.interrupts:
            recorded = self.coordinator.decision_for(thread_id, _checkpoint_id(snapshot))
            if recorded is not None:
                raise _decided_meanwhile(thread_id, recorded, applied=False)
            return
        holder = self.coordinator.live_holder(thread_id)
        latest = self.coordinator.latest_decision(thread_id)
        status = self._status(thread_id, snapshot, holder)
        if status in ("approved", "rejected"):
            when = f" at {latest.when()}" if latest is not None else ""
            raise DecidedMeanwhileError(
                f"thread {shown(thread_id)} is already final ({status}{when}); nothing to decide."
            )
        if latest is not None and holder is not None:
            raise _decided_meanwhile(thread_id, latest, applied=True)
        if holder is not None:
            raise ThreadBusyError(
                f"thread {shown(thread_id)} is running in another process ({holder.describe()}) and not yet paused "
                "for the owner: decide once `sovereign threads` shows it awaiting_owner."
            )
        raise StoppedRunError(
            f"thread {shown(thread_id)} is {status}, not paused for the owner, so the decision was not recorded: "
            f"continue it first with `sovereign resume {thread_id}` (no --decision), then decide."
        )

    def _record(
        self, thread_id: str, checkpoint_id: str, decision: str, note: str, decided_by: str = ""
    ) -> DecisionRecord:
        mine = DecisionRecord(thread_id, checkpoint_id, decision, note, time.time(), uuid.uuid4().hex, decided_by)
        standing = self.coordinator.record_decision(mine)
        if standing.token != mine.token:
            raise _decided_meanwhile(thread_id, standing, applied=False)
        return standing

    def _hold_waiting(self, thread_id: str) -> Any:
        """`hold`, waiting a little for a holder that is about to let go (a run that just paused)."""
        deadline = time.monotonic() + LEASE_WAIT_SECONDS
        while True:
            holder = self.coordinator.live_holder(thread_id)
            if holder is None or time.monotonic() > deadline:
                return hold(self.coordinator, thread_id)
            time.sleep(0.1)

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
        changes: Mapping[str, Any] | None = None,
        new_thread_id: str | None = None,
        out_dir: Path | None = None,
        on_progress: ProgressCallback | None = None,
        on_event: EventCallback | None = None,
    ) -> RunOutcome:
        """Re-run from one checkpoint of a thread in a new thread, leaving the original intact.

        From a checkpoint before the owner's pause the copy runs on to the pause; with a decision, the
        owner's answer is then given to the copy. The copy runs by the settings recorded with that checkpoint,
        with `changes` as a resume takes them.
        """
        decision = check_decision(decision) if decision is not None else None
        check_note(note)
        self._snapshot(thread_id)  # an unknown thread is bad input
        self.settings_for(thread_id, changes)  # and so is a change a resume would refuse
        if new_thread_id is not None:
            require_thread_id(new_thread_id)
        new = fork_checkpoint(
            self.graph,
            self.checkpointer,
            thread_id,
            checkpoint_id,
            new_thread_id=new_thread_id,
            max_revisions=max_revisions,
        )
        with hold(self.coordinator, new) as lease:
            out_dir = out_dir or self.out_dir(new)
            context = self.context_for(new, changes)
            snapshot = self._snapshot(new)
            if not snapshot.interrupts and not snapshot.next:
                if decision is not None:
                    raise InputError(
                        f"checkpoint {shown(checkpoint_id)} is after the owner's decision; fork an earlier one to "
                        "decide again."
                    )
                return RunOutcome(thread_id=new, report=self.report(new), paused=False)
            if not snapshot.interrupts:
                outcome = self._drive(None, new, out_dir, on_progress, on_event, context, lease)
                if not outcome.paused or decision is None:
                    return outcome
                snapshot = self._snapshot(new)
            elif decision is None:
                return RunOutcome(thread_id=new, report=self.report(new), paused=True)
            recorded = self._record(new, _checkpoint_id(snapshot), decision, note)
            answer: Command[Any] = Command(resume=_answer(recorded))
            return self._drive(answer, new, out_dir, on_progress, on_event, context, lease)

    def _drive(
        self,
        graph_input: Any,
        thread_id: str,
        out_dir: Path | None,
        on_progress: ProgressCallback | None,
        on_event: EventCallback | None,
        context: Context,
        lease: LeaseKeeper | None = None,
    ) -> RunOutcome:
        config = self._config(thread_id, out_dir, context)
        started = time.perf_counter()
        try:
            # "sync": each step's checkpoint is on disk before the next step starts, so a kill loses at most
            # the step in progress (LangGraph's default writes them in the background).
            chunks: Any = self.graph.stream(
                graph_input, config, context=context, stream_mode=["updates", "custom"], durability="sync"
            )
            for mode, chunk in chunks:
                seconds = time.perf_counter() - started
                if mode == "custom":
                    if on_event is not None:
                        on_event(chunk, seconds)
                    continue
                for node, update in chunk.items():
                    if on_progress is not None and node != "__interrupt__":
                        on_progress(node, update or {}, seconds)
                if lease is not None and lease.lost.is_set():
                    raise LeaseLostError(
                        f"thread {shown(thread_id)} was taken over by another process while this one was "
                        "frozen or cut off; this process stopped (the thread continues there)."
                    )
        except KeyboardInterrupt as stop:
            where = self._status(thread_id, self.graph.get_state(self._config(thread_id)), holder=None)
            raise RunStopped(thread_id, where) from stop
        except ResumableError as error:
            if not self.graph.get_state(self._config(thread_id)).values:
                raise
            raise type(error)(
                f"{error} The run's progress is saved: `sovereign resume {thread_id}` continues it."
            ) from error
        snapshot = self.graph.get_state(self._config(thread_id))
        report = self._report_of(thread_id, snapshot, context.settings())
        self.coordinator.save_index(
            IndexEntry(
                thread_id=thread_id,
                checkpoint_id=_checkpoint_id(snapshot),
                status=self._status(thread_id, snapshot, holder=None),
                paper=report.paper.id,
                score=report.score,
                recommendation=report.recommendation,
                updated=snapshot.created_at or "",
                report=report.model_dump_json(),
            )
        )
        return RunOutcome(thread_id=thread_id, report=report, paused=bool(snapshot.interrupts))

    def _snapshot(self, thread_id: str) -> StateSnapshot:
        if self.checkpointer.get_tuple(self._config(thread_id)) is None:
            raise InputError(f"no thread {shown(thread_id)} in this database (see: sovereign threads).")
        return self.graph.get_state(self._config(thread_id))

    def has_thread(self, thread_id: str) -> bool:
        return self.checkpointer.get_tuple(self._config(thread_id)) is not None

    def question_of(self, thread_id: str) -> str | None:
        """The question the thread was started with (None for a thread with no state yet)."""
        question = self._snapshot(thread_id).values.get("question")
        return str(question) if question is not None else None

    def status(self, thread_id: str) -> str:
        """running (a live process holds the thread) | awaiting_owner | stopped before <node> |
        approved | rejected."""
        return self._status(thread_id, self._snapshot(thread_id), self.coordinator.live_holder(thread_id))

    def _status(self, thread_id: str, snapshot: StateSnapshot, holder: Holder | None) -> str:
        if holder is not None:
            return "running"
        if snapshot.interrupts:
            recorded = self.coordinator.decision_for(thread_id, _checkpoint_id(snapshot))
            if recorded is not None:
                return f"stopped before owner (decision '{recorded.decision}' recorded, not yet applied)"
            return "awaiting_owner"
        waiting = snapshot.next or tuple(task.name for task in snapshot.tasks)
        if waiting:
            names = (FIRST_NODE if name == "__start__" else name for name in waiting)
            return f"stopped before {', '.join(dict.fromkeys(names))}"
        return status_of(snapshot.values)

    def report(self, thread_id: str) -> Report:
        snapshot = self._snapshot(thread_id)
        # A thread that recorded no settings (Studio's, the SDK's) reports none rather than this process's.
        return self._report_of(thread_id, snapshot, self._recorded_settings(thread_id))

    def _report_of(self, thread_id: str, snapshot: StateSnapshot, settings: RunSettings | None) -> Report:
        values = snapshot.values
        if "subject" not in values or "score" not in values:
            raise InputError(f"thread {shown(thread_id)} has no report yet (it is {self.status(thread_id)}).")
        return build_report(values, thread_id=thread_id, status=status_of(values), settings=settings)

    def out_dir(self, thread_id: str) -> Path | None:
        stored = self._metadata(thread_id, OUT_DIR_KEY)
        return Path(stored) if stored is not None else None

    def threads(self) -> list[ThreadSummary]:
        summaries: list[ThreadSummary] = []
        holders = self.coordinator.live_holders()
        for thread_id in thread_ids(self.checkpointer):
            snapshot = self.graph.get_state(self._config(thread_id))
            values = snapshot.values
            subject = values.get("subject")
            summaries.append(
                ThreadSummary(
                    thread_id=thread_id,
                    paper=subject.id if subject is not None else str(values.get("paper", "?")),
                    status=self._status(thread_id, snapshot, holders.get(thread_id)),
                    score=values.get("score"),
                    recommendation=values.get("recommendation"),
                    updated=snapshot.created_at or "",
                )
            )
        return summaries


def _answer(recorded: DecisionRecord) -> dict[str, str]:
    """The owner step's resume value; `by` only when someone other than the owner decided."""
    answer = {"decision": recorded.decision, "note": recorded.note}
    return {**answer, "by": recorded.decided_by} if recorded.decided_by else answer


def _checkpoint_id(snapshot: StateSnapshot) -> str:
    return str(snapshot.config["configurable"]["checkpoint_id"])


def _decided_meanwhile(thread_id: str, recorded: DecisionRecord, *, applied: bool) -> DecidedMeanwhileError:
    state = "" if applied else f"; `sovereign resume {thread_id}` applies it if it was not applied yet"
    return DecidedMeanwhileError(
        f"the thread was decided meanwhile ({_past(recorded.decision)} at {recorded.when()}){state}."
    )


def _past(decision: str) -> str:
    return {"approve": "approved", "reject": "rejected", "revise": "sent back for revision"}.get(decision, decision)
