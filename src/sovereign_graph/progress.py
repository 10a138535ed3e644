"""Progress events a run streams while it works (LangGraph `stream_mode="custom"`).

Each event is a JSON-ready dict with an `event` name and its figures, e.g.
`{"event": "search_finished", "query": "...", "hits": 8}`. The CLI renders them live; an SDK client or
Studio receives them by streaming the run with `stream_mode="custom"`.
"""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer

from sovereign_graph.printable import escape_controls

EVENTS = (
    "search_started",  # query, round
    "search_finished",  # query, round, hits
    "full_text_read",  # paper, how, blocks, reason (None when read)
    "papers_indexed",  # papers, passages
    "claims_extracted",  # claims, gaps
    "claims_verified",  # verified, claims
    "reviewer_scored",  # role, round, score, objections
    "answer_written",  # sentences, dropped
)


def emit(event: str, **figures: Any) -> None:
    """Send one progress event; outside a running graph (a node called directly) it does nothing."""
    try:
        writer = get_stream_writer()
    except RuntimeError:
        return
    writer({"event": event, **figures})


def describe_event(event: dict[str, Any]) -> str:
    """One human line per event, for the CLI."""
    # A query can be a live model's text: printed live on a terminal, so controls are escaped.
    return escape_controls(_line(event), keep="")


def _line(event: dict[str, Any]) -> str:
    name = event.get("event")
    if name == "search_started":
        return f"searching “{event['query']}”"
    if name == "search_finished":
        return f"{event['hits']} hits for “{event['query']}”"
    if name == "full_text_read":
        if event.get("reason"):
            return f"{event['paper']}: abstract only ({event['reason']})"
        return f"{event['paper']}: full text, {event['blocks']} blocks ({event['how']})"
    if name == "papers_indexed":
        return f"{event['papers']} papers indexed into {event['passages']} passages"
    if name == "claims_extracted":
        return f"{event['claims']} claims extracted" + (f", {event['gaps']} facet gaps" if event.get("gaps") else "")
    if name == "claims_verified":
        return f"{event['verified']}/{event['claims']} claims verified"
    if name == "reviewer_scored":
        return f"{event['role']} scored {event['score']:.1f}/10 ({event['objections']} objections)"
    if name == "answer_written":
        dropped = f", {event['dropped']} dropped by the checks" if event.get("dropped") else ""
        return f"answer written: {event['sentences']} sentences{dropped}"
    return str(event)


def describe_node(node: str, update: dict[str, Any]) -> str:
    """One progress line per finished node."""
    if node == "plan":
        return f"{update['subject'].id} “{update['subject'].title}” · {len(update['queries'])} queries"
    if node == "search":
        return f"{len(update.get('hits', []))} papers"
    if node == "read":
        reads = update.get("full_texts", [])
        if not reads:
            return update.get("method", {}).get("read", "")
        return f"full text of {sum(r.reason is None for r in reads)}/{len(reads)} papers"
    if node == "index":
        return update.get("method", {}).get("index", "")
    if node == "extract":
        gap = update.get("evidence_gap") or []
        return f"{len(update['claims'])} claims" + (f" · gap: {', '.join(gap)}" if gap else "")
    if node == "verify":
        claims = update["claims"]
        return f"{sum(c.verified for c in claims)}/{len(claims)} verified"
    if node in ("skeptic", "validator", "synthesizer"):
        review = update["reviews"][0]
        return f"{review.score:.1f}/10 · {len(review.objections)} objections"
    if node == "tribunal":
        return f"score {update['score']:.1f}/10"
    if node == "answer":
        dropped = len(update.get("answer_dropped", []))
        lines = len(update.get("bottom_line", [])) + sum(len(a.sentences) for a in update.get("answer", []))
        return f"{lines} answer sentences" + (f" · {dropped} dropped by the checks" if dropped else "")
    if node == "revise":
        return f"round {update['round']}: " + "; ".join(update["revisions"][0].actions)
    if node == "policy":
        return f"{update['recommendation']}" + (" · escalated" if update.get("escalated") else "")
    if node == "owner":
        decision = update.get("owner_decision")
        return decision.decision if decision is not None else ""
    return ""
