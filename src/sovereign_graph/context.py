"""Runtime context: the engines, sources and thresholds a run uses (LangGraph `context_schema`).

The context is not saved in checkpoints, so a resume may arrive without one: nodes call
`context_of(runtime)`, which falls back to the defaults below (each overridable by an environment
variable). What must survive a restart, such as the revision cap, lives in the state instead.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field, fields
from typing import Any

from langchain_core.embeddings import Embeddings
from langgraph.runtime import Runtime

from sovereign_graph.engines.embeddings import LsaEmbeddings
from sovereign_graph.sources.base import PaperSource
from sovereign_graph.sources.snapshot import bundled_snapshot


@dataclass(kw_only=True)
class Context:
    corpus: str = field(
        default="bundled",
        metadata={"description": "Offline corpus to search: 'bundled' is the snapshot shipped in the package."},
    )
    hits_per_query: int = field(
        default=8, metadata={"description": "Papers kept from each search query (before de-duplication)."}
    )
    max_papers: int = field(default=24, metadata={"description": "Papers indexed into passages per round."})
    max_claims: int = field(default=8, metadata={"description": "Most claims extracted for the dossier."})
    max_claims_per_paper: int = field(
        default=3,
        metadata={"description": "Most claims from one paper, so one source cannot fill the table."},
    )
    verify_threshold: float = field(
        default=0.15,
        metadata={"description": "Seed verifier: TF-IDF cosine (word 1-2-grams) at or above which evidence counts."},
    )
    revise_below: float = field(
        default=6.5,
        metadata={"description": "Tribunal score under which a revision round runs (if one is left)."},
    )
    source: PaperSource | None = field(
        default=None,
        metadata={"description": "A search source object; overrides `corpus` (Python API only)."},
    )
    embeddings: Embeddings | None = field(
        default=None,
        metadata={"description": "A LangChain Embeddings object; default: LSA fitted on the corpus (Python API)."},
    )

    def __post_init__(self) -> None:
        # An environment variable SOVEREIGN_<FIELD> sets a field left at its default.
        for f in fields(self):
            if f.name in ("source", "embeddings"):
                continue
            env = os.environ.get(f"SOVEREIGN_{f.name.upper()}")
            default: Any = f.default
            if env is not None and getattr(self, f.name) == default:
                setattr(self, f.name, type(default)(env))

    def paper_source(self) -> PaperSource:
        if self.source is not None:
            return self.source
        if self.corpus == "bundled":
            return bundled_snapshot()
        raise ValueError(f"unknown corpus '{self.corpus}' (available: bundled)")

    def embedder(self) -> Embeddings:
        if self.embeddings is not None:
            return self.embeddings
        return _fitted_lsa(self.paper_source())


_fitted: weakref.WeakKeyDictionary[Any, LsaEmbeddings] = weakref.WeakKeyDictionary()


def _fitted_lsa(source: PaperSource) -> LsaEmbeddings:
    """One LSA model per corpus object and process: fitting is the slow part of a cold start."""
    if source not in _fitted:
        _fitted[source] = LsaEmbeddings.fit(source.texts())
    return _fitted[source]


def context_of(runtime: Runtime[Context] | Any) -> Context:
    context = getattr(runtime, "context", None)
    return context if isinstance(context, Context) else Context()
