"""The reader's training stages and the examples each reads: a public warm-up, then our own judgements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sovereign_graph.training.reader.data import Source, our_sources, public_sources

SEED = 13


@dataclass(frozen=True)
class StagePlan:
    name: str
    epochs: int
    learning_rate: float
    sources: Callable[[Path, Path], list[Source]]  # (shared data folder, evals/data) -> sources


STAGES = (
    StagePlan("public", 1, 4e-5, lambda shared, ours: public_sources(shared, SEED)),
    StagePlan("ours", 2, 3e-5, lambda shared, ours: our_sources(ours)),
)
