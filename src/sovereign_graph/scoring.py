"""Two figures the report shares with the engines, kept apart from them so rendering a report (`show`)
loads no engine: when a facet counts as fully addressed, and how the tribunal's score is made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

FULL_COVERAGE = 0.75  # a claim covering this share of a facet's terms (or more) addresses it fully


class Scored(Protocol):
    @property
    def score(self) -> float: ...


def aggregate(reviews: Sequence[Scored]) -> float:
    """The tribunal's score: the mean of the round's reviews, one decimal."""
    return round(sum(r.score for r in reviews) / len(reviews), 1) if reviews else 0.0
