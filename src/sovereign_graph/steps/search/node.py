"""search: one branch per query (a `Send`), run in parallel; the state's reducer merges and de-duplicates."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import Send

from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import ResearchState, SearchHit, SearchTask


def fan_out_search(state: ResearchState) -> list[Send]:
    return [Send("search", SearchTask(query=q, round=state["round"])) for q in state["round_queries"]]


def search(task: SearchTask, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    emit("search_started", query=task["query"], round=task["round"])
    results = context.paper_source().search(task["query"], context.hits_per_query)
    emit("search_finished", query=task["query"], round=task["round"], hits=len(results))
    return {"hits": [SearchHit(paper=p, score=round(s, 4), queries=[task["query"]]) for p, s in results]}
