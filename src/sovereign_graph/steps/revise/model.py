"""The reviser's model role: new queries and claims to drop, proposed by a chat model from the tribunal's
objections. The owner's note becomes facets deterministically, as offline; when the model proposes no usable
query, the offline reviser's queries run (a round must change the dossier)."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, Field

from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.prompts import fence, render
from sovereign_graph.llm.role import RoleResult
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import Claim, Facet, Objection, Paper, Query, Revision
from sovereign_graph.steps.plan.facets.grammar import note_facets
from sovereign_graph.steps.plan.model import PlannedQuery, facet_lines, new_queries, query_reason, query_vocabulary
from sovereign_graph.steps.revise.rules import MAX_NEW_QUERIES, plan_revision, record_revision
from sovereign_graph.text.prose import stems

PROMPT = "reviser.md"


class RevisionPlan(BaseModel):
    queries: list[PlannedQuery]
    drop_claims: list[str] = Field(description="ids of off-topic claims to drop")


class Revised(NamedTuple):
    revision: Revision
    queries: list[Query]
    facets: list[Facet]


def revise_llm(
    target: RoleModel,
    policy: RetryPolicy,
    *,
    round_number: int,
    question: str,
    paper: Paper,
    facets: list[Facet],
    claims: list[Claim],
    objections: list[tuple[str, Objection]],
    previous_queries: list[str],
    owner_note: str | None,
    droppable: set[str] | None = None,
) -> RoleResult[Revised]:
    """Queries and drops from the model; the fallback says why the offline reviser's queries ran instead.
    `droppable`: the claims the rubric marks off-topic, the only ones the model may drop (an injected or careless
    reviser must not drop the subject's own verified finding); any other request is recorded as refused."""
    prompt = render(
        __package__,
        PROMPT,
        max_queries=MAX_NEW_QUERIES,
        question=question,
        paper_id=paper.id,
        title=fence(paper.title),
        facets=facet_lines(facets),
        claims=fence(
            "\n".join(
                f"{c.id} ({reference(c.paper_id)}, facets {', '.join(c.facets) or 'none'}): {c.text}" for c in claims
            )
            or "(none)"
        ),
        objections=fence("\n".join(f"{who} {o.target} {o.kind}: {o.message}" for who, o in objections) or "(none)"),
        queries=fence("\n".join(f"- {q}" for q in previous_queries) or "(none)"),
        note=owner_note or "(none)",
    )
    answer, usage = ask("reviser", target, RevisionPlan, prompt, policy)
    new_facets = list(facets)
    actions: list[str] = []
    if owner_note:
        for facet in note_facets(owner_note):
            facet = facet.model_copy(update={"id": f"F{len(new_facets) + 1}"})
            new_facets.append(facet)
            actions.append(f"new facet {facet.id} '{facet.text}' from the owner's note")
    asked = {frozenset(stems(q)) for q in previous_queries}
    vocabulary = query_vocabulary(question, paper, new_facets, " ".join([owner_note or "", *(c.text for c in claims)]))
    queries, skipped = new_queries(answer.queries, asked, round_number, MAX_NEW_QUERIES, vocabulary, "model: ")
    reason = None
    if not queries:
        # A round must change the dossier: the offline reviser's queries when the model proposes nothing new.
        _, fallback, _ = plan_revision(
            round_number=round_number,
            paper=paper,
            facets=facets,
            claims=claims,
            objections=[o for _, o in objections],
            previous_queries=previous_queries,
        )
        queries = [q.model_copy(update={"origin": f"offline reviser: {q.origin}"}) for q in fallback]
        reason = query_reason(len(answer.queries), 0, skipped, replaced_by="the offline reviser", filled=len(queries))
    actions += [f"query '{q.text}' ({q.origin})" for q in queries]
    drop = {cid.strip() for cid in answer.drop_claims}
    allowed = droppable or set()
    dropped = [c for c in claims if c.id in drop and c.id in allowed]
    refused = [c for c in claims if c.id in drop and c.id not in allowed]
    actions += [f"request to drop {c.id} refused: the rubric does not mark it off-topic" for c in refused]
    revision = record_revision(round_number, owner_note, actions, queries, dropped)
    return RoleResult(Revised(revision, queries, new_facets), usage, reason)
