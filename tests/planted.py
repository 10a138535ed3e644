"""A corpus with an order planted in it: the bundled snapshot, every paper it returns (the subject's too) carrying
`INJECTION` in its abstract, so the order reaches what a model is shown. Used by the hostile tests and by
`evals/hostile_live_bench.py`, which plants it in every result sentence as well."""

from __future__ import annotations

from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Paper
from tests.nim_loopback import INJECTION


class PlantedSnapshot:
    def __init__(self) -> None:
        self.inner = bundled_snapshot()
        self.name = f"{self.inner.name}+planted"

    def __len__(self) -> int:
        return len(self.inner)

    def planted(self, paper: Paper) -> Paper:
        """The paper as this corpus returns it: the order appended to its abstract."""
        return paper.model_copy(update={"abstract": f"{paper.abstract} {INJECTION}"})

    def get(self, paper_id: str) -> Paper | None:
        paper = self.inner.get(paper_id)
        return None if paper is None else self.planted(paper)

    def find_title(self, title: str) -> list[Paper]:
        return [self.planted(p) for p in self.inner.find_title(title)]

    def texts(self) -> list[str]:
        return self.inner.texts()

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        return [(self.planted(p), s) for p, s in self.inner.search(query, k)]
