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


def is_live(source: PaperSource) -> bool:
    """A live source (an API) declares `live = True`; it has no fixed corpus, and `len()` counts what it fetched."""
    return bool(getattr(source, "live", False))


def describe_source(source: PaperSource) -> str:
    """How the report names a source: a corpus with its size, an API by its name."""
    return source.name if is_live(source) else f"{source.name} ({len(source)} papers)"


def sample_texts(source: PaperSource, most: int) -> list[str]:
    """An even sample of about `most` of the source's texts; a source that can sample without loading every
    text (a built corpus) does so."""
    sampler = getattr(source, "sample_texts", None)
    if callable(sampler):
        return list(sampler(most))
    texts = source.texts()
    return texts[:: max(1, len(texts) // most)]
