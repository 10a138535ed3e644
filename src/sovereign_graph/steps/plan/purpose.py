"""What a search query is for. The offline planner and reviser know it by construction; a model's query is
classed by its words (a query that looks for failures is a counter-evidence search whoever wrote it), never by
the angle the model claims for it."""

from __future__ import annotations

from sovereign_graph.state import Query, QueryPurpose
from sovereign_graph.text.prose import stems

# Words the offline reviser adds to a facet to pull in negative results.
COUNTER_TERMS = "fails worse degrades limitation"
_COUNTER_STEMS = stems(
    "fail fails failure failures worse degrade degrades degradation limitation limitations drawback drawbacks "
    "weakness weaknesses negative counterexample counter-evidence underperform underperforms harm hurts"
)
# Queries recorded before `Query.purpose` existed: the offline reviser's origin for a counter-evidence search.
_LEGACY_COUNTER_ORIGIN = "counter-evidence"


def purpose_of_text(text: str) -> QueryPurpose:
    """A model's query: a counter-evidence search if it asks for failures, else a facet search."""
    return "counter_evidence" if stems(text) & _COUNTER_STEMS else "facet"


def seeks_counter_evidence(query: Query) -> bool:
    if query.purpose is not None:
        return query.purpose == "counter_evidence"
    return _LEGACY_COUNTER_ORIGIN in query.origin
