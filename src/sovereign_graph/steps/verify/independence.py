"""Which retrieved papers may vouch for a claim: corroboration counts independent evidence only.

- near-copies are one source: papers whose title and abstract are copies of each other (`text.similarity`) form
  one group, and a group vouches once, never for a claim of its own;
- degenerate records (one phrase repeated, a length no abstract has) never vouch;
- a paper that shares an author with the claim's paper is not independent of it (self-citation);
- a sentence that is a copy of the claim's own quote restates it; it does not corroborate it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sovereign_graph.state import Paper, Passage
from sovereign_graph.text.similarity import COPY_CONTAINMENT, containment, is_degenerate, shingles


def _author_key(name: str) -> str:
    """An author as a comparable key: the whole name, case and spacing aside. Initials alone ('Y. Wang') would
    make thousands of different people one author, and turn every shared surname into a self-citation."""
    return " ".join(name.replace(".", " ").replace(",", " ").split()).casefold()


@dataclass(frozen=True)
class Sources:
    group: dict[str, str]  # paper id -> the id of its near-copy group (the group's first paper)
    degenerate: frozenset[str]
    authors: dict[str, frozenset[str]]

    @classmethod
    def of(cls, papers: Sequence[Paper]) -> Sources:
        unique = list({p.id: p for p in papers}.values())
        texts = [f"{p.title}. {p.abstract}" for p in unique]
        sets = [shingles(t) for t in texts]
        group = {p.id: p.id for p in unique}
        for i, paper in enumerate(unique):
            for j in range(i):
                if group[unique[j].id] == unique[j].id and _copies(sets[i], sets[j]):
                    group[paper.id] = unique[j].id
                    break
        return cls(
            group=group,
            degenerate=frozenset(p.id for p in unique if is_degenerate(p.abstract)),
            authors={p.id: frozenset(filter(None, map(_author_key, p.authors))) for p in unique},
        )

    def source_of(self, paper_id: str) -> str:
        return self.group.get(paper_id, paper_id)

    def can_vouch_for(self, claim_paper: str, other: str) -> bool:
        """May `other` corroborate (or contradict) a claim of `claim_paper`?"""
        if other in self.degenerate or self.source_of(other) == self.source_of(claim_paper):
            return False
        return not (self.authors.get(claim_paper, frozenset()) & self.authors.get(other, frozenset()))


def _copies(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> bool:
    return containment(a, b) >= COPY_CONTAINMENT


@dataclass(frozen=True)
class Restatements:
    """Which passages restate a claim's quote (copies of it): a restatement is not corroboration. Each passage's
    shingles are computed once per verify step, not once per claim."""

    shingled: dict[str, set[tuple[str, ...]]]

    @classmethod
    def of(cls, passages: Sequence[Passage]) -> Restatements:
        return cls({p.id: shingles(p.text) for p in passages})

    def of_quote(self, quote: str) -> frozenset[str]:
        """The ids of the passages that are copies of `quote`."""
        target = shingles(quote)
        return frozenset(pid for pid, held in self.shingled.items() if _copies(held, target))


def set_aside(claim_papers: Sequence[str], sources: Sources) -> str:
    """What the report says was not counted as independent evidence for these claims' papers ('' when nothing):
    near-copies of a claim's paper, papers that share its authors, degenerate records."""
    copies: set[str] = set()
    shared: set[str] = set()
    for claim_paper in set(claim_papers):
        for other in sources.group:
            if other == claim_paper or other in sources.degenerate:
                continue
            if sources.source_of(other) == sources.source_of(claim_paper):
                copies.add(other)
            elif sources.authors.get(claim_paper, frozenset()) & sources.authors.get(other, frozenset()):
                shared.add(other)
    parts = [
        f"{label} ({', '.join(sorted(ids))})"
        for label, ids in (
            ("near-copies of a claim's paper", copies),
            ("papers sharing a claim paper's authors", shared),
            ("degenerate records", set(sources.degenerate)),
        )
        if ids
    ]
    return "; not counted as independent evidence: " + "; ".join(parts) if parts else ""
