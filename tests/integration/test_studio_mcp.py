"""LangGraph Server's `/mcp` endpoint (langgraph-api serves each assistant as an MCP tool) under `langgraph dev`,
driven by the official MCP client over streamable HTTP, as Claude Code or Cursor would: the `sovereign` tool is
listed with the graph's input schema, a call runs to the owner's pause and returns the state there with the
interrupt payload, and bad arguments come back as a tool error from a server that keeps serving."""

from __future__ import annotations

import ast
import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import QUESTION, SMOES
from tests.studio_server import langgraph_dev

mcp = pytest.importorskip("mcp", reason='MCP SDK missing: pip install -e ".[mcp]"')
if not hasattr(mcp, "Client"):  # v1 has no `Client`; the tests use the v2 client API
    pytest.skip("needs mcp>=2 (mcp.Client)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # One server for the module: its start dominates the run time, and the tool calls are stateless.
    with langgraph_dev(tmp_path_factory.mktemp("langgraph-dev")) as url:
        yield url


def _thread_ids(server: str) -> set[str]:
    threads = httpx.post(f"{server}/threads/search", json={"limit": 1000}, timeout=10).json()
    return {t["thread_id"] for t in threads}


def _values(result: Any) -> dict[str, Any]:
    """The run's output as the tool returns it: one text block holding Python's repr() of the values dict
    (langgraph-api's `repr(value)`, so single quotes and None: not JSON)."""
    assert not result.is_error, result.content
    [block] = result.content
    assert block.type == "text"
    values = ast.literal_eval(block.text)
    assert isinstance(values, dict)
    return values


def test_the_graph_is_listed_as_a_tool_with_its_input_schema(server: str) -> None:
    async def list_tools() -> list[Any]:
        async with mcp.Client(f"{server}/mcp") as client:
            return list((await client.list_tools()).tools)

    [tool] = asyncio.run(list_tools())
    assert tool.name == "sovereign"
    schema = tool.input_schema
    assert schema["type"] == "object" and schema["required"] == ["paper", "question"]
    assert {"paper", "question"} <= set(schema["properties"])
    assert schema["properties"]["question"]["description"]
    # langgraph.json's graph description, not langgraph-api's "Tool based on the sovereign assistant".
    assert "owner's decision" in (tool.description or "")


def test_a_call_returns_the_state_at_the_owners_pause(server: str) -> None:
    before = _thread_ids(server)

    async def call() -> Any:
        async with mcp.Client(f"{server}/mcp") as client:
            return await client.call_tool("sovereign", {"paper": SMOES, "question": QUESTION})

    values = _values(asyncio.run(call()))
    assert values["paper"] == SMOES and values["question"] == QUESTION
    assert values["recommendation"] in ("ACCEPT", "REVISE", "REJECT")
    assert 0 <= values["score"] <= 10
    assert values["owner_decision"] is None and "report" not in values  # nothing is final before the owner

    [interrupt] = values["__interrupt__"]
    payload = interrupt["value"]
    assert payload["recommendation"] == values["recommendation"] and payload["score"] == values["score"]
    assert payload["options"] == ["approve", "reject", "revise"]
    assert payload["draft"].startswith("# SMoES") and "DRAFT" in payload["draft"]

    # The tool runs statelessly (runs.wait without a thread): the server drops the run's temporary thread, so
    # the pause it reached cannot be resumed from here. The deletion may trail the response by a moment.
    deadline = time.monotonic() + 10
    while (left := _thread_ids(server) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"the MCP call left threads behind: {left}"


def test_bad_arguments_are_a_tool_error_and_the_server_keeps_serving(server: str) -> None:
    async def calls() -> tuple[Any, Any, list[Any]]:
        async with mcp.Client(f"{server}/mcp") as client:
            missing = await client.call_tool("sovereign", {"paper": SMOES})
            with pytest.raises(mcp.MCPError) as unknown:
                await client.call_tool("no_such_graph", {"paper": SMOES, "question": QUESTION})
            # The same session still works after both failures.
            return missing, unknown.value, list((await client.list_tools()).tools)

    missing, unknown, tools = asyncio.run(calls())
    # A graph error surfaces as isError with one text block: the exception's class name ("KeyError" today),
    # since langgraph-api drops the message.
    assert missing.is_error
    assert [block.type for block in missing.content] == ["text"] and missing.content[0].text.strip()
    assert unknown.code == -32602 and "Unknown tool" in unknown.error.message
    assert [t.name for t in tools] == ["sovereign"]
    assert httpx.get(f"{server}/ok", timeout=5).status_code == 200
