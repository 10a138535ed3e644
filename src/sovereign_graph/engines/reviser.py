"""Offline reviser: turns the tribunal's objections (or the owner's note) into concrete changes."""

from __future__ import annotations

from sovereign_graph.engines.planner import domain_phrase, split_facets, title_core
from sovereign_graph.engines.text import join_distinct, stems
from sovereign_graph.state import Claim, Facet, Objection, Paper, Query, Revision

MAX_NEW_QUERIES = 4


def plan_revision(
    *,
    round_number: int,
    paper: Paper,
    facets: list[Facet],
    claims: list[Claim],
    objections: list[Objection],
    previous_queries: list[str],
    owner_note: str | None = None,
) -> tuple[Revision, list[Query], list[Facet]]:
    """Returns what changed, the queries to run and the (possibly extended) facets."""
    core, domain = title_core(paper), domain_phrase(paper)
    by_id = {f.id: f for f in facets}
    asked = {frozenset(stems(q)) for q in previous_queries}
    actions: list[str] = []
    queries: list[Query] = []
    new_facets = list(facets)

    def add_query(candidates: list[str], origin: str) -> None:
        for text in candidates:
            key = frozenset(stems(text))
            if key and key not in asked and len(queries) < MAX_NEW_QUERIES:
                asked.add(key)
                queries.append(Query(text=text, round=round_number, origin=origin))
                actions.append(f"query '{text}' ({origin})")
                return

    if owner_note:
        for facet in split_facets(owner_note, max_facets=3):
            facet = facet.model_copy(update={"id": f"F{len(new_facets) + 1}"})
            new_facets.append(facet)
            actions.append(f"new facet {facet.id} '{facet.text}' from the owner's note")
            add_query(
                [join_distinct(facet.text, domain), join_distinct(facet.text, core), facet.text],
                f"owner note: {facet.id}",
            )

    off_topic = {o.target for o in objections if o.kind == "off_topic"}
    dropped = [c for c in claims if c.id in off_topic]
    for objection in objections:
        target = by_id.get(objection.target)
        if objection.kind == "uncovered_facet" and target:
            add_query(
                [join_distinct(target.text, domain), join_distinct(target.text, core), target.text],
                f"uncovered facet {target.id}",
            )
        elif objection.kind == "unsupported_facet" and target:
            add_query(
                [f"{target.text} evaluation results", f"{target.text} comparison baseline"],
                f"corroboration for {target.id}",
            )
    if any(o.kind == "single_source" for o in objections):
        add_query([" ".join(f.text for f in facets) + " evaluation"], "counter-evidence beyond one source")
    if not queries:
        # Nothing specific to chase: widen the net so the round still changes the dossier.
        add_query([f"{f.text} results" for f in facets] + [f"{core} results"], "broader search")

    revision = Revision(
        round=round_number,
        trigger="owner" if owner_note is not None else "tribunal",
        note=owner_note or "",
        actions=actions + [f"drop off-topic claim {c.id} ({c.passage_id})" for c in dropped],
        new_queries=[q.text for q in queries],
        dropped_passages=[c.passage_id for c in dropped],
    )
    return revision, queries, new_facets
