"""The graph's wiring, top to bottom. Each step lives in its own package under `steps/` (node, rules, model).

plan ─► search ×4 (Send, parallel) ─► read (full text) ─► index ─► extract ─► verify
     ─► skeptic | validator | synthesizer ─► tribunal ─► answer ─► policy ─► owner (interrupt) ─► report
tribunal ─► revise ─► search ...   when the score is below 6.5 and an automatic round is left
owner    ─► revise ─► search ...   when the owner answers "revise" (then the owner is asked again)
"""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.runtime.context import Context
from sovereign_graph.runtime.injected import ENGINES_KEY, Engines, VectorStoreFactory
from sovereign_graph.sources.base import PaperSource
from sovereign_graph.state import ResearchInput, ResearchOutput, ResearchState
from sovereign_graph.steps.answer.node import answer
from sovereign_graph.steps.extract.node import extract
from sovereign_graph.steps.index.node import index
from sovereign_graph.steps.owner.final import report
from sovereign_graph.steps.owner.node import after_owner, owner
from sovereign_graph.steps.plan.node import plan
from sovereign_graph.steps.policy.node import policy
from sovereign_graph.steps.read.node import read
from sovereign_graph.steps.review.node import reviewer
from sovereign_graph.steps.revise.node import revise
from sovereign_graph.steps.search.node import fan_out_search, search
from sovereign_graph.steps.tribunal.node import after_tribunal, tribunal
from sovereign_graph.steps.verify.node import verify as verify_node

REVIEWERS = ("skeptic", "validator", "synthesizer")


def build_graph(
    checkpointer: BaseCheckpointSaver[Any] | None = None,
    *,
    source: PaperSource | None = None,
    embeddings: Embeddings | None = None,
    vector_store: VectorStoreFactory | None = None,
    llm: BaseChatModel | RoleModels | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled graph. Defaults are the embedded engines; a host app may inject its own search source
    (any `PaperSource`), LangChain `Embeddings`, a vector store factory (`embeddings -> VectorStore`, e.g.
    `InMemoryVectorStore`) and chat models for the LLM roles (one `BaseChatModel` for all, or `RoleModels`
    per role). Under LangGraph Server, leave `checkpointer` None: the server brings its own."""
    builder = StateGraph(
        ResearchState, context_schema=Context, input_schema=ResearchInput, output_schema=ResearchOutput
    )

    builder.add_node("plan", plan)
    builder.add_node("search", search)  # type: ignore[call-overload]
    builder.add_node("read", read)
    builder.add_node("index", index)
    builder.add_node("extract", extract)
    builder.add_node("verify", verify_node)
    builder.add_node("skeptic", reviewer("SKEPTIC"))
    builder.add_node("validator", reviewer("VALIDATOR"))
    builder.add_node("synthesizer", reviewer("SYNTHESIZER"))
    builder.add_node("tribunal", tribunal)
    builder.add_node("answer", answer)
    builder.add_node("revise", revise)
    builder.add_node("policy", policy)
    builder.add_node("owner", owner)
    builder.add_node("report", report)

    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", fan_out_search, ["search"])
    builder.add_edge("search", "read")
    builder.add_edge("read", "index")
    builder.add_edge("index", "extract")
    builder.add_edge("extract", "verify")
    for name in REVIEWERS:
        builder.add_edge("verify", name)
    builder.add_edge(list(REVIEWERS), "tribunal")
    builder.add_conditional_edges("tribunal", after_tribunal, ["revise", "answer"])
    builder.add_conditional_edges("revise", fan_out_search, ["search"])
    builder.add_edge("answer", "policy")
    builder.add_edge("policy", "owner")
    builder.add_conditional_edges("owner", after_owner, ["revise", "report"])
    builder.add_edge("report", END)

    graph = builder.compile(checkpointer=checkpointer, name="sovereign")
    engines = Engines(
        source=source,
        embeddings=embeddings,
        vector_store=vector_store,
        llm=RoleModels.of(llm) if llm is not None else None,
    )
    return graph.with_config(configurable={ENGINES_KEY: engines}) if engines.any() else graph
