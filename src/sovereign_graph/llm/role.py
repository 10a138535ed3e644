"""What a model role hands back to its step: the value it produced, what the call cost, and why the step's offline
engine had to stand in for part of it. One shape for every role, so a node does its bookkeeping in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

from sovereign_graph.errors import ModelError
from sovereign_graph.state import Fallback, RoleUsage

T = TypeVar("T")


class RoleResult(NamedTuple, Generic[T]):
    value: T
    usage: RoleUsage
    # Why the model's answer did not stand as it was (None: it did), in the words the report shows the owner.
    fallback: str | None = None

    def bookkeeping(self, role: str, round_number: int) -> dict[str, Any]:
        """The state update every live role makes: its usage, and its fallback line when it had one."""
        update: dict[str, Any] = {"usage": {role: self.usage}}
        if self.fallback:
            update["fallbacks"] = [Fallback(role=role, round=round_number, reason=self.fallback)]
        return update


def live_or_embedded(live: Callable[[], RoleResult[T]], embedded: Callable[[], T]) -> RoleResult[T]:
    """The live role's result; when its model keeps failing, the step's embedded engine's, with a fallback line
    naming the failure, so one role's outage costs that step its model, not the run. A refusal for good (a bad
    key, an unknown model) still stops the run: every other step would fail alike, and the owner must fix it."""
    try:
        return live()
    except ModelError as error:
        if error.final:
            raise
        return RoleResult(embedded(), RoleUsage(), f"{error}; the embedded engine ran this step instead")
