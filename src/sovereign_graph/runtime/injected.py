"""Objects a host app injects into the graph through `build_graph(...)`: a search source, embeddings, a vector
store, chat models for the LLM roles. They cannot travel in the run's context (which must stay JSON for
Studio and the SDK) nor in a checkpoint, so `build_graph` binds them to the compiled graph's config, where
`context_of` finds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore, VectorStore
from langgraph.config import get_config
from pydantic import GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.sources.base import PaperSource

ENGINES_KEY = "sovereign_engines"  # not a str/number, so LangGraph never copies it into checkpoint metadata
VectorStoreFactory = Callable[[Embeddings], VectorStore]


@dataclass(frozen=True)
class Engines:
    source: PaperSource | None = None
    embeddings: Embeddings | None = None
    # A fresh, empty store per index step (each round indexes its own passages), e.g. `InMemoryVectorStore`.
    vector_store: VectorStoreFactory | None = None
    llm: RoleModels | None = None

    @classmethod
    def __get_pydantic_core_schema__(cls, source_type: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        # Opaque to pydantic (which derives the context's JSON schema): host objects are checked by type only.
        return core_schema.is_instance_schema(cls)

    def any(self) -> bool:
        return any(value is not None for value in (self.source, self.embeddings, self.vector_store, self.llm))

    def new_vector_store(self, embeddings: Embeddings) -> VectorStore:
        factory: VectorStoreFactory = self.vector_store or InMemoryVectorStore
        return factory(embeddings)


def bound_engines() -> Engines | None:
    """The engines the running graph was built with, or None (outside a run, or none were injected)."""
    try:
        configurable: dict[str, Any] = get_config().get("configurable", {})
    except RuntimeError:
        return None
    engines = configurable.get(ENGINES_KEY)
    return engines if isinstance(engines, Engines) else None
