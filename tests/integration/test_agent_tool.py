"""The research graph as a LangChain tool inside a prebuilt ReAct agent, driven by a scripted chat model: the agent
starts a real run on a SQLite database, gets the draft back at the owner's pause (never deciding it), and gets bad
input back as a one-line tool error it can go on from."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolCall, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.prebuilt import create_react_agent
from pydantic import Field

from sovereign_graph.app.agent_tool import research_tool
from sovereign_graph.app.runner import Runner
from sovereign_graph.app.summary import summarize
from sovereign_graph.report.files import report_paths
from tests.conftest import QUESTION, SMOES

# create_react_agent is deprecated for `langchain.agents.create_agent`, which needs the `langchain` package this
# project does not install; the prebuilt agent is the one a host on langgraph alone has.
pytestmark = pytest.mark.filterwarnings("ignore::langgraph.warnings.LangGraphDeprecatedSinceV10")

FINAL = "The draft is waiting for the paper's owner."
UNKNOWN_PAPER = "9999.99999"


class ScriptedChatModel(BaseChatModel):
    """Answers each call with the next scripted message, and keeps what it was sent."""

    script: list[AIMessage]
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.script[len(self.seen) - 1])])

    def tool_messages(self) -> list[ToolMessage]:
        """The tool results the model was shown on its last call."""
        return [m for m in self.seen[-1] if isinstance(m, ToolMessage)]


def _calling(paper: str, question: str) -> ScriptedChatModel:
    call = ToolCall(name="sovereign_research", args={"paper": paper, "question": question}, id="call-1")
    return ScriptedChatModel(script=[AIMessage(content="", tool_calls=[call]), AIMessage(content=FINAL)])


def test_the_agent_gets_the_paused_draft_and_the_thread_waits_for_the_owner(runner: Runner, tmp_path: Path) -> None:
    model = _calling(SMOES, QUESTION)
    # An agent with its own checkpointer: the run's pause must stay the runner's, not become the agent's interrupt.
    agent = create_react_agent(
        model, [research_tool(runner, out_dir=tmp_path / "reports", max_revisions=0)], checkpointer=InMemorySaver()
    )
    config: Any = {"configurable": {"thread_id": "agent"}}
    result = agent.invoke({"messages": [("user", f"Analyse {SMOES}: {QUESTION}")]}, config)

    assert result["messages"][-1].content == FINAL
    assert not agent.get_state(config).interrupts
    [thread] = [t.thread_id for t in runner.threads()]
    assert runner.status(thread) == "awaiting_owner"
    report = runner.report(thread)
    assert all(path.is_file() for path in report_paths(thread, tmp_path / "reports"))

    [shown] = model.tool_messages()
    assert shown.status == "success"
    text = str(shown.content)
    assert f"thread: {thread}\n" in text
    assert "status: awaiting_owner" in text
    assert f"recommendation: {report.recommendation} (tribunal score {round(report.score, 2):g}/10)" in text
    assert report.claims
    assert all(f"- {claim.id} (" in text for claim in report.claims)
    assert f"sovereign resume {thread} --decision" in text
    # The full summary travels beside the text, for the host; the model is never sent it.
    [returned] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    assert returned.artifact == summarize(report).model_dump()
    assert returned.artifact["claims"][0]["id"] in text


def test_a_bad_paper_comes_back_as_a_one_line_tool_error_and_the_agent_goes_on(runner: Runner) -> None:
    model = _calling(UNKNOWN_PAPER, QUESTION)
    agent = create_react_agent(model, [research_tool(runner)])
    result = agent.invoke({"messages": [("user", f"Analyse {UNKNOWN_PAPER}")]})

    assert result["messages"][-1].content == FINAL
    [error] = model.tool_messages()
    assert error.status == "error"
    assert str(error.content).startswith(f"arXiv:{UNKNOWN_PAPER} is not in the bundled arXiv snapshot")
    assert "\n" not in str(error.content) and "Traceback" not in str(error.content)
    assert runner.threads() == []


def test_arguments_the_schema_refuses_come_back_as_a_tool_error(runner: Runner) -> None:
    call = ToolCall(name="sovereign_research", args={"paper": SMOES, "max_revisions": 7}, id="call-1", type="tool_call")
    refused = research_tool(runner).invoke(call)

    assert isinstance(refused, ToolMessage) and refused.status == "error"
    assert refused.content == (
        "invalid arguments: question: Field required; max_revisions: Input should be less than or equal to 3."
    )
    assert runner.threads() == []


def test_the_schema_asks_for_paper_and_question_and_says_what_each_is(runner: Runner) -> None:
    schema = research_tool(runner).tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    properties = schema["properties"]

    assert sorted(schema["required"]) == ["paper", "question"]
    assert "arXiv id" in properties["paper"]["description"] and "title" in properties["paper"]["description"]
    assert "research question" in properties["question"]["description"]
    assert (properties["max_revisions"]["minimum"], properties["max_revisions"]["maximum"]) == (0, 3)
    assert properties["max_revisions"]["default"] == 1
    host_default = research_tool(runner, max_revisions=0).tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert host_default["properties"]["max_revisions"]["default"] == 0
