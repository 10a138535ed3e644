"""The run options of a batch, as plain values: they cross into worker processes (and queue jobs), where each
builds its own `Context` from them. The settings travel whole, as JSON (`RunSettings`: the live models by name;
their key stays in the environment, never in these values), so every row runs by the settings the batch command
resolved, on whichever machine takes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.settings.run import RunSettings

if TYPE_CHECKING:  # the graph's modules load in the worker processes, not in the command that hands out rows
    from sovereign_graph.runtime.context import Context

# The fields of a queue job that an older version enqueued (its options, one by one).
LEGACY_FIELDS = ("source", "corpus", "verifier", "fulltext", "live")


@dataclass(frozen=True)
class RunOptions:
    settings: str  # RunSettings.to_json()
    max_revisions: int = 1

    @classmethod
    def of(cls, settings: RunSettings, max_revisions: int = 1) -> RunOptions:
        return cls(settings=settings.to_json(), max_revisions=max_revisions)

    @classmethod
    def from_job(cls, options: dict[str, Any]) -> RunOptions:
        """A queue job's options; a job an older version enqueued named a few settings, the rest came from the
        worker's environment (as they still do for it)."""
        if "settings" in options:
            return cls(settings=str(options["settings"]), max_revisions=int(options.get("max_revisions", 1)))
        given = {k: options.get(k) for k in LEGACY_FIELDS}
        recorded_live = given.pop("live")
        live = LiveConfig.from_json(str(recorded_live)) if recorded_live else None
        settings = RunSettings.from_env(**given, live=live)
        return cls.of(settings, int(options.get("max_revisions", 1)))

    def run_settings(self) -> RunSettings:
        return RunSettings.from_json(self.settings)

    def context(self, db: str | None) -> Context:
        """The context a row runs in; `db`: the batch's database (a PostgreSQL one also holds corpora)."""
        from sovereign_graph.runtime.context import Context

        return Context.from_settings(self.run_settings(), db=db)
