"""The planner's model role: four search queries written by a chat model, checked before they run.

A schema-valid answer can still be nonsense: a query that is empty, repeats one already run, or shares no word
with the question or the paper is skipped, and the offline planner (`rules.py`) fills what the model left out.
The helpers here are shared with the reviser's role, which writes queries the same way.
"""

from __future__ import annotations

from collections import Counter

from pydantic import BaseModel, Field

from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.prompts import fence, render
from sovereign_graph.llm.role import RoleResult
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.state import Facet, Paper, Query
from sovereign_graph.steps.plan.purpose import purpose_of_text
from sovereign_graph.steps.plan.rules import QUERIES_PER_PLAN, plan_queries
from sovereign_graph.text.prose import stems

PROMPT = "planner.md"


class PlannedQuery(BaseModel):
    text: str = Field(description="the search query: keywords, 3-10 words")
    angle: str = Field(description="which facet(s) or purpose it serves")


class Plan(BaseModel):
    queries: list[PlannedQuery]


def facet_lines(facets: list[Facet]) -> str:
    return "\n".join(f"{f.id} ({f.kind}): {f.text}" for f in facets) or "(none)"


def new_queries(
    proposed: list[PlannedQuery],
    asked: set[frozenset[str]],
    round_number: int,
    limit: int,
    vocabulary: frozenset[str],
    origin_prefix: str = "",
) -> tuple[list[Query], Counter[str]]:
    """The usable queries, and why the others were not: a schema-valid answer can still be nonsense."""
    queries: list[Query] = []
    skipped: Counter[str] = Counter()
    for item in proposed:
        if len(queries) == limit:
            break  # more than asked for: not a fault
        text = " ".join(item.text.split())
        key = frozenset(stems(text))
        if not key:
            skipped["empty"] += 1
        elif key in asked:
            skipped["repeated"] += 1
        elif not key & vocabulary:
            skipped["sharing no word with the question or the paper"] += 1
        else:
            asked.add(key)
            angle = " ".join(item.angle.split())
            queries.append(
                Query(text=text, round=round_number, origin=f"{origin_prefix}{angle}", purpose=purpose_of_text(text))
            )
    return queries, skipped


def query_vocabulary(question: str, paper: Paper, facets: list[Facet], extra: str = "") -> frozenset[str]:
    """The words a query may be about: the question's, its facets', the paper's title and abstract."""
    return stems(" ".join([question, paper.title, paper.abstract, extra, *(f.text for f in facets)]))


def query_reason(offered: int, usable: int, skipped: Counter[str], *, replaced_by: str, filled: int) -> str:
    """A planner's or reviser's fallback: how many of the model's queries stood, why the others did not, and
    what the offline engine wrote instead."""
    why = f" ({', '.join(f'{n} {reason}' for reason, n in skipped.most_common())})" if skipped else ""
    got = "the model proposed no query" if offered == 0 else f"{usable} of the model's {offered} queries usable{why}"
    if not filled:
        return f"{got}; {replaced_by} had none to add"
    return f"{got}; {replaced_by} wrote {filled} quer{'y' if filled == 1 else 'ies'}"


def plan_queries_llm(
    target: RoleModel, policy: RetryPolicy, question: str, subject: Paper, facets: list[Facet]
) -> RoleResult[list[Query]]:
    """The plan's queries; the fallback says why the offline planner had to fill some."""
    prompt = render(
        __package__,
        PROMPT,
        count=QUERIES_PER_PLAN,
        paper_id=subject.id,
        paper=fence(f"Title: {subject.title}\nAbstract: {subject.abstract}"),
        question=question,
        facets=facet_lines(facets),
    )
    plan, usage = ask("planner", target, Plan, prompt, policy)
    queries, skipped = new_queries(
        plan.queries, set(), 0, QUERIES_PER_PLAN, query_vocabulary(question, subject, facets), "model: "
    )
    usable = len(queries)
    if len(queries) < QUERIES_PER_PLAN:
        # Four branches always run: the offline planner fills what the model left out (its origin says so).
        asked = {frozenset(stems(q.text)) for q in queries}
        for query in plan_queries(question, subject, facets):
            if len(queries) < QUERIES_PER_PLAN and frozenset(stems(query.text)) not in asked:
                queries.append(query.model_copy(update={"origin": f"offline planner: {query.origin}"}))
    reason = None
    if usable < QUERIES_PER_PLAN:
        reason = query_reason(
            len(plan.queries), usable, skipped, replaced_by="the offline planner", filled=len(queries) - usable
        )
    return RoleResult(queries, usage, reason)
