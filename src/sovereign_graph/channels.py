"""Channels whose value the checkpointer stores once, with the write that made it, instead of in every checkpoint.

A checkpointer keeps every step of a run so that it can resume or fork from any of them; a plain channel's value
is stored again in each checkpoint after it was written. The channels that carry corpus-side text (abstracts,
passages, quotes) would so be stored some 20 times a run. LangGraph's `DeltaChannel` stores a sentinel instead and
rebuilds the value on reading by replaying the thread's writes through a reducer, which therefore must not depend
on how writes are batched. `state.py` names these channels in its annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langgraph.channels.delta import DeltaChannel


def stored_once_channel(reducer: Any) -> DeltaChannel[Any]:
    return DeltaChannel(reducer)


class StoredOnceValue(DeltaChannel[Any]):
    """A stored-once channel for one model (the subject paper), absent until a step writes it, as a plain channel
    is: the writes replace the value, and no empty value of the model is ever made."""

    def __init__(self, reducer: Any, typ: Any = None, *, snapshot_frequency: int = 100) -> None:
        super().__init__(reducer, typ, snapshot_frequency=snapshot_frequency)

    def from_checkpoint(self, checkpoint: Any) -> StoredOnceValue:
        try:
            return super().from_checkpoint(checkpoint)
        except (TypeError, ValueError):  # nothing stored: DeltaChannel would build an empty model, which has none
            empty = StoredOnceValue(self.reducer, self.typ, snapshot_frequency=self.snapshot_frequency)
            empty.key = self.key
            return empty

    def update(self, values: Sequence[Any]) -> bool:
        if not values:
            return False
        self.value = values[-1]
        return True

    def replay_writes(self, writes: Sequence[Any]) -> None:
        if writes:
            self.value = writes[-1][2]  # a write is (task id, channel, value)
