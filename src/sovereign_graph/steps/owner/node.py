"""owner: pause for the owner's decision. Its own node, so nothing before it re-runs on resume.

The graph resumes with `Command(resume={"decision": "approve"|"reject"|"revise", "note": "..."})`, the same
payload from the CLI, Python, the SDK or Studio. An answer that is not one of those pauses again, with
the reason in the new interrupt's payload, instead of failing the run.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import ValidationError

from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.report.model import build_report
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.settings.run import RunSettings
from sovereign_graph.state import OwnerDecision, ResearchState

DECISIONS = ("approve", "reject", "revise")


def parse_decision(answer: object) -> OwnerDecision:
    """Accepts {"decision": ..., "note": ...} or a bare decision string."""
    if isinstance(answer, str):
        answer = {"decision": answer}
    if isinstance(answer, dict) and isinstance(answer.get("decision"), str):
        answer = {**answer, "decision": answer["decision"].strip().lower()}
    try:
        return OwnerDecision.model_validate(answer)
    except ValidationError:
        raise ValueError(
            f"the owner's answer must be {{'decision': one of {', '.join(DECISIONS)}, 'note': text}}, got {answer!r}"
        ) from None


def owner_payload(
    state: ResearchState, thread_id: str | None, problem: str | None = None, settings: RunSettings | None = None
) -> dict[str, Any]:
    draft = build_report(state, thread_id=thread_id, status="awaiting_owner", settings=settings)
    payload: dict[str, Any] = {
        "question": state["question"],
        "paper": state["subject"].id,
        "recommendation": state["recommendation"],
        "escalated": state["escalated"],
        "score": state["score"],
        "options": list(DECISIONS),
        "resume_with": {"decision": "approve|reject|revise", "note": "optional text"},
        "draft": to_markdown(draft),
    }
    if problem:
        payload["problem"] = problem
    return payload


def owner(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    thread_id = get_config().get("configurable", {}).get("thread_id")
    settings = context_of(runtime).settings()  # the draft states the thresholds the run used
    problem: str | None = None
    while True:
        answer = interrupt(owner_payload(state, thread_id, problem, settings))
        try:
            decision = parse_decision(answer)
            break
        except ValueError as error:
            problem = str(error)
    if decision.decision == "revise":
        return {"owner_decision": decision, "pending_owner_note": decision.note}
    return {"owner_decision": decision}


def after_owner(state: ResearchState) -> Literal["revise", "report"]:
    decision = state.get("owner_decision")
    return "revise" if decision is not None and decision.decision == "revise" else "report"
