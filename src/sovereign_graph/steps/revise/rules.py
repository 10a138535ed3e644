"""Offline reviser: turns the tribunal's objections (or the owner's note) into concrete changes.

uncovered / partial facet -> a query for that facet in the subject's domain
unsupported facet         -> a corroboration query
no counter-evidence search, single source -> a counter-evidence query (origin "counter-evidence ...")
off-topic claim           -> its passage is dropped from extraction
owner's note              -> new outcome facets and queries from its key phrases
Nothing specific to chase -> broader queries, so the round always changes the dossier.
"""

from __future__ import annotations

from sovereign_graph.state import Claim, Facet, Objection, Paper, Query, QueryPurpose, Revision
from sovereign_graph.steps.plan.facets.coverage import required_facets
from sovereign_graph.steps.plan.facets.grammar import note_facets
from sovereign_graph.steps.plan.purpose import COUNTER_TERMS
from sovereign_graph.steps.plan.rules import domain_phrase, title_core
from sovereign_graph.text.prose import join_distinct, stems

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

    def add_query(candidates: list[str], origin: str, purpose: QueryPurpose) -> None:
        for text in candidates:
            key = frozenset(stems(text))
            if key and key not in asked and len(queries) < MAX_NEW_QUERIES:
                asked.add(key)
                queries.append(Query(text=text, round=round_number, origin=origin, purpose=purpose))
                actions.append(f"query '{text}' ({origin})")
                return

    if owner_note:
        for facet in note_facets(owner_note):
            facet = facet.model_copy(update={"id": f"F{len(new_facets) + 1}"})
            new_facets.append(facet)
            actions.append(f"new facet {facet.id} '{facet.text}' from the owner's note")
            add_query(
                [join_distinct(facet.text, domain), join_distinct(facet.text, core), facet.text],
                f"owner note: {facet.id}",
                "owner_note",
            )

    off_topic = {o.target for o in objections if o.kind == "off_topic"}
    dropped = [c for c in claims if c.id in off_topic]
    for objection in objections:
        target = by_id.get(objection.target)
        if target is None:
            continue
        if objection.kind in ("uncovered_facet", "partial_facet"):
            add_query(
                [join_distinct(target.text, domain), join_distinct(target.text, core), target.text],
                f"{objection.kind.replace('_', ' ')} {target.id}",
                "facet",
            )
        elif objection.kind == "unsupported_facet":
            add_query(
                [join_distinct(target.text, domain, "evaluation results"), join_distinct(target.text, "comparison")],
                f"corroboration for {target.id}",
                "corroboration",
            )
        elif objection.kind == "no_counter_search":
            add_query(
                [join_distinct(target.text, domain, COUNTER_TERMS), join_distinct(target.text, COUNTER_TERMS)],
                f"counter-evidence for {target.id}",
                "counter_evidence",
            )
    if any(o.kind == "single_source" for o in objections):
        outcome = required_facets(facets)[0] if facets else None
        subject = outcome.text if outcome else core
        add_query(
            [join_distinct(subject, domain, COUNTER_TERMS)], "counter-evidence beyond one source", "counter_evidence"
        )
    if not queries:
        add_query([join_distinct(f.text, "results") for f in facets] + [f"{core} results"], "broader search", "broader")

    return record_revision(round_number, owner_note, actions, queries, dropped), queries, new_facets


def record_revision(
    round_number: int, owner_note: str | None, actions: list[str], queries: list[Query], dropped: list[Claim]
) -> Revision:
    """What a round changed, as the report shows it: its trigger, actions, new queries and dropped claims."""
    return Revision(
        round=round_number,
        trigger="owner" if owner_note is not None else "tribunal",
        note=owner_note or "",
        actions=actions + [f"drop off-topic claim {c.id} ({c.passage_id})" for c in dropped],
        new_queries=[q.text for q in queries],
        dropped_passages=[c.passage_id for c in dropped],
    )
