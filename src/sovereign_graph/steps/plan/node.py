"""plan: resolve the subject paper, split the question into facets, write four search queries."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from sovereign_graph.errors import InputError
from sovereign_graph.llm.role import live_or_embedded
from sovereign_graph.names import require_thread_id
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.sources.base import describe_source
from sovereign_graph.sources.resolve import require_question, resolve_subject
from sovereign_graph.state import ResearchState, SearchHit
from sovereign_graph.steps.plan.facets.grammar import split_facets
from sovereign_graph.steps.plan.model import plan_queries_llm
from sovereign_graph.steps.plan.rules import method_name, plan_queries

MAX_REVISIONS_CAP = 3


def require_max_revisions(value: int) -> int:
    if not 0 <= value <= MAX_REVISIONS_CAP:
        raise InputError(f"max revisions must be between 0 and {MAX_REVISIONS_CAP}, not {value}.")
    return value


def plan(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    # The graph's first step, so a host driving the graph itself (not through `Runner.start`, which checks first)
    # cannot make a thread whose id the desk, `show` or a report's file name cannot use ("a/b?c#d").
    try:
        thread_id = get_config().get("configurable", {}).get("thread_id")
    except RuntimeError:  # called outside a graph (a test of the node): no thread
        thread_id = None
    if thread_id is not None:
        require_thread_id(str(thread_id))
    context = context_of(runtime)
    question = require_question(state["question"])
    subject = resolve_subject(state["paper"], context.paper_source())
    facets = split_facets(question, subject_names=(method_name(subject),))
    live: dict[str, Any] = {}
    target = context.model_for("planner")
    if target is None:
        queries = plan_queries(question, subject, facets)
    else:
        result = live_or_embedded(
            lambda: plan_queries_llm(target, target.retry, question, subject, facets),
            lambda: plan_queries(question, subject, facets),
        )
        queries, live = result.value, result.bookkeeping("planner", 0)
    return {
        **live,
        "question": question,
        "subject": subject,
        "facets": facets,
        "queries": queries,
        "round_queries": [q.text for q in queries],
        "round": 0,
        "max_revisions": require_max_revisions(state.get("max_revisions", 1)),
        # The subject is always part of the evidence base, whatever the queries find.
        "hits": [SearchHit(paper=subject, score=1.0, queries=["(subject paper)"])],
        "dropped_passages": [],
        "owner_decision": None,
        "pending_owner_note": None,
        "method": {
            "source": describe_source(context.paper_source()),
            "plan": "facets split by rules; "
            + (f"queries written by {target.label} (steps/plan/planner.md)" if target else "offline keyphrase queries"),
        },
    }
