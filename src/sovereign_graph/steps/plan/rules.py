"""Offline planner: the question's facets and four search queries that cover them from different angles."""

from __future__ import annotations

from sovereign_graph.state import Facet, Paper, Query, QueryPurpose
from sovereign_graph.text.prose import join_distinct, key_phrases, stems

QUERIES_PER_PLAN = 4


def method_name(paper: Paper) -> str:
    """The paper's own name for its method: the acronym before a colon, else the whole title."""
    head, sep, _ = paper.title.partition(":")
    return head.strip() if sep and len(head.split()) <= 3 else paper.title


def title_core(paper: Paper) -> str:
    """The descriptive part of the title (after 'NAME:'), which names the method's ideas in words."""
    head, sep, tail = paper.title.partition(":")
    return tail.strip() if sep and len(head.split()) <= 3 and tail.strip() else paper.title


def domain_phrase(paper: Paper) -> str:
    phrases = key_phrases(title_core(paper))
    return phrases[-1] if len(phrases) > 1 else title_core(paper)


def plan_queries(question: str, paper: Paper, facets: list[Facet]) -> list[Query]:
    """Four distinct queries: the question whole, the method x the first facet, and each other facet in
    the paper's domain; gaps are filled with facet x method pairs so there are always four."""
    core, domain = title_core(paper), domain_phrase(paper)
    # Outcomes first: they are what the question measures, so they lead the combined queries.
    ordered = sorted(facets, key=lambda f: (f.kind != "outcome", f.kind != "intervention", int(f.id[1:])))
    texts = [f.text for f in ordered] or [question]
    candidates: list[tuple[str, str, QueryPurpose]] = [
        (join_distinct(*texts), "the question's facets together", "facets"),
        (join_distinct(core, texts[0]), f"the subject's method x facet '{texts[0]}'", "facet"),
    ]
    candidates += [(join_distinct(t, domain), f"facet '{t}' in the subject's domain", "facet") for t in texts[1:]]
    candidates += [(join_distinct(t, core), f"facet '{t}' x the subject's method", "facet") for t in texts]
    candidates += [
        (core, "the subject's method", "subject_method"),
        (paper.title, "the subject's title", "subject_method"),
    ]
    queries: list[Query] = []
    seen: set[frozenset[str]] = set()
    for text, origin, purpose in candidates:
        key = frozenset(stems(text))
        if key and key not in seen:
            seen.add(key)
            queries.append(Query(text=text, round=0, origin=origin, purpose=purpose))
        if len(queries) == QUERIES_PER_PLAN:
            break
    return queries
