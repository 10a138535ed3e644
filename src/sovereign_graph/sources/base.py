"""What the graph needs from a source of papers: look-up by id, by title, and ranked search."""

from __future__ import annotations

from typing import Protocol

from sovereign_graph.state import Paper


class PaperSource(Protocol):
    name: str

    def __len__(self) -> int: ...

    def get(self, paper_id: str) -> Paper | None:
        """The paper with this bare arXiv id, or None."""
        ...

    def find_title(self, title: str) -> list[Paper]:
        """Papers whose normalised title equals this one's."""
        ...

    def search(self, query: str, k: int) -> list[tuple[Paper, float]]:
        """The k most relevant papers, best first, with a score in [0, 1]."""
        ...

    def texts(self) -> list[str]:
        """Title + abstract of every paper: what local embedders are fitted on."""
        ...
