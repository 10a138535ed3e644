"""The run options of a batch, as plain values: they cross into worker processes (and queue jobs), where each
builds its own `Context` from them. A live model travels by name (a `LiveConfig` as JSON); its key stays in
the environment, never in these values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the graph's modules load in the worker processes, not in the command that hands out rows
    from sovereign_graph.runtime.context import Context


@dataclass(frozen=True)
class RunOptions:
    source: str = "snapshot"
    corpus: str | None = None
    verifier: str | None = None
    fulltext: int | None = None
    max_revisions: int = 1
    live: str | None = None  # LiveConfig.to_json(), or None for the embedded engines

    def context(self) -> Context:
        from sovereign_graph.llm.role_models import RoleModels, embeddings_from_config
        from sovereign_graph.runtime.context import Context
        from sovereign_graph.settings.live import LiveConfig

        models = LiveConfig.from_json(self.live) if self.live else LiveConfig()
        context = Context(
            source_name=self.source, llm=RoleModels.from_config(models), embeddings=embeddings_from_config(models)
        )
        if self.corpus is not None:
            context.corpus = self.corpus
        if self.verifier is not None:
            context.verifier = self.verifier
        if self.fulltext is not None:
            context.fulltext = self.fulltext
        return context
