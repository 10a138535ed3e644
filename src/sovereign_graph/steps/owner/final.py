"""report: the final report, after the owner's approval or rejection, as a JSON-ready object."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_config
from langgraph.runtime import Runtime

from sovereign_graph.report.model import build_report, status_of
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import ResearchState


def report(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    thread_id = get_config().get("configurable", {}).get("thread_id")
    settings = context_of(runtime).settings()
    final = build_report(state, thread_id=thread_id, status=status_of(state), settings=settings)
    return {"report": final.model_dump(mode="json")}
