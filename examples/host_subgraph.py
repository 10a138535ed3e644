"""A host app's own LangGraph that uses sovereign-graph's compiled graph as a subgraph node.

The host's graph: intake (the host's request -> paper + question) -> research (our graph) -> publish.
The owner's interrupt inside `research` surfaces to the host's caller, who answers with the same
`Command(resume={"decision": ..., "note": ...})` on the host's thread.

    python3 examples/host_subgraph.py
"""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from typing_extensions import TypedDict

from sovereign_graph import Context, build_graph
from sovereign_graph.app.checkpoints import state_serializer


class HostState(TypedDict, total=False):
    request: str  # the host's own input: "<arXiv id>: <question>"
    paper: str  # shared with the research subgraph's input and output
    question: str
    report: dict[str, Any]  # the subgraph's final report
    published: str  # what the host does with it


def intake(state: HostState) -> dict[str, Any]:
    paper, _, question = state["request"].partition(":")
    return {"paper": paper.strip(), "question": question.strip()}


def publish(state: HostState) -> dict[str, Any]:
    report = state["report"]
    return {"published": f"{report['status']}: {report['paper']['title']} (score {report['score']:.1f})"}


def build_host_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    builder = StateGraph(HostState)
    builder.add_node("intake", intake)
    builder.add_node("research", build_graph())  # compiled without a checkpointer: it uses the host's
    builder.add_node("publish", publish)
    builder.add_edge(START, "intake")
    builder.add_edge("intake", "research")
    builder.add_edge("research", "publish")
    builder.add_edge("publish", END)
    # The host's checkpointer keeps the subgraph's state too: register our state models with it.
    return builder.compile(checkpointer=InMemorySaver(serde=state_serializer()))


def main() -> None:
    host = build_host_graph()
    config: Any = {"configurable": {"thread_id": "host-1"}}
    request = "2604.23996: How does expert specialization in SMoES affect cross-modal reasoning robustness?"
    result = host.invoke({"request": request}, config, context=Context())
    question = result["__interrupt__"][0].value  # the owner's question, surfaced to the host's caller
    print(f"owner asked: {question['recommendation']} at {question['score']:.1f}/10")
    result = host.invoke(Command(resume={"decision": "approve", "note": "host approved"}), config, context=Context())
    print(result["published"])


if __name__ == "__main__":
    main()
