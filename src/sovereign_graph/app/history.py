"""Threads over time: the checkpoints of a run, and forks that re-run from any of them.

A fork copies one checkpoint (its state and pending writes, e.g. the owner's open question) into a new
thread, so the original thread is never touched: the owner can compare what "revise" would have given
against what "approve" gave.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.channels.delta import DeltaChannel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph

from sovereign_graph.errors import InputError, shown
from sovereign_graph.steps.plan.node import require_max_revisions

INTERRUPT_CHANNEL = "__interrupt__"  # where LangGraph keeps an interrupt's payload among the pending writes
FORKED_FROM_KEY = "sovereign_forked_from"  # checkpoint metadata: "<thread>@<checkpoint id>"


@dataclass(frozen=True)
class CheckpointRow:
    checkpoint_id: str
    step: int
    wrote: tuple[str, ...]  # the nodes whose writes made this checkpoint ("input" for the caller's input)
    next: tuple[str, ...]  # what runs from here
    created_at: str
    score: float | None
    round: int | None
    paused: bool  # the owner's question is open at this checkpoint


def _config(thread_id: str, checkpoint_id: str | None = None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def _name(node: str) -> str:
    return "start" if node == "__start__" else node


def history(graph: CompiledStateGraph[Any, Any, Any, Any], thread_id: str) -> list[CheckpointRow]:
    """Every checkpoint of the thread, oldest first."""
    snapshots = list(graph.get_state_history(_config(thread_id)))
    if not snapshots:
        raise InputError(f"no thread {shown(thread_id)} in this database (see: sovereign threads).")
    by_id = {s.config["configurable"]["checkpoint_id"]: s for s in snapshots}
    rows: list[CheckpointRow] = []
    for snapshot in reversed(snapshots):
        metadata: dict[str, Any] = dict(snapshot.metadata or {})
        parent_id = (snapshot.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        parent = by_id.get(parent_id) if parent_id else None
        if parent is not None:
            wrote = tuple(dict.fromkeys(_name(n) for n in parent.next))
        elif FORKED_FROM_KEY in metadata:
            wrote = (f"fork of {metadata[FORKED_FROM_KEY]}",)
        else:
            wrote = ("input",) if metadata.get("source") == "input" else ()
        values = snapshot.values or {}
        rows.append(
            CheckpointRow(
                checkpoint_id=snapshot.config["configurable"]["checkpoint_id"],
                step=int(metadata.get("step", -1)),
                wrote=wrote,
                next=tuple(dict.fromkeys(_name(n) for n in snapshot.next)),
                created_at=snapshot.created_at or "",
                score=values.get("score"),
                round=values.get("round"),
                paused=bool(snapshot.interrupts),
            )
        )
    return rows


def fork_checkpoint(
    graph: CompiledStateGraph[Any, Any, Any, Any],
    checkpointer: BaseCheckpointSaver[Any],
    thread_id: str,
    checkpoint_id: str,
    *,
    new_thread_id: str | None = None,
    max_revisions: int | None = None,
) -> str:
    """Copy one checkpoint of `thread_id` into a new thread (the original stays as it is); returns its id.

    `max_revisions` changes that setting in the copy, for a re-run with another revision budget.
    """
    saved = checkpointer.get_tuple(_config(thread_id, checkpoint_id))
    if saved is None or saved.config["configurable"].get("checkpoint_id") != checkpoint_id:
        raise InputError(
            f"thread {shown(thread_id)} has no checkpoint {shown(checkpoint_id)} (see: sovereign history)."
        )
    new_thread_id = new_thread_id or f"{thread_id.rsplit('-fork-', 1)[0]}-fork-{uuid.uuid4().hex[:6]}"
    if checkpointer.get_tuple(_config(new_thread_id)) is not None:
        raise InputError(f"thread {shown(new_thread_id)} already exists: pick another id.")
    checkpoint = saved.checkpoint.copy()
    # A channel stored once (state.stored_once) is rebuilt from the writes of the thread that made it, which the copy
    # does not have: the copy's first checkpoint holds its value whole.
    stored_once = [name for name, channel in graph.channels.items() if isinstance(channel, DeltaChannel)]
    values = graph.get_state(_config(thread_id, checkpoint_id)).values
    held = {name: values[name] for name in stored_once if name in values and name in checkpoint["channel_versions"]}
    checkpoint["channel_values"] = {**checkpoint["channel_values"], **held}
    if max_revisions is not None:
        require_max_revisions(max_revisions)
        checkpoint["channel_values"] = {**checkpoint["channel_values"], "max_revisions": max_revisions}
    metadata: Any = {**saved.metadata, FORKED_FROM_KEY: f"{thread_id}@{checkpoint_id}"}
    stored = checkpointer.put(_config(new_thread_id), checkpoint, metadata, dict(checkpoint["channel_versions"]))
    # Pending writes carry what the checkpoint was waiting on: the owner's open question, and on a stopped
    # run's head the branches that finished. On an older checkpoint every task finished (its writes made the
    # next checkpoint, the owner's answer among them): only the question is copied, so the fork asks again.
    head = checkpointer.get_tuple(_config(thread_id))
    is_head = head is not None and head.config["configurable"].get("checkpoint_id") == checkpoint_id
    by_task: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    for task_id, channel, value in saved.pending_writes or []:
        if is_head or channel == INTERRUPT_CHANNEL:
            by_task[task_id].append((channel, value))
    for task_id, writes in by_task.items():
        checkpointer.put_writes(stored, writes, task_id)
    return new_thread_id
