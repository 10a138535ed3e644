"""`sovereign mcp` as an assistant meets it: a real server process, driven by the official MCP client over stdio and
streamable HTTP. An agent can start a run to the owner's pause, read its report, list threads and search the
corpus; it cannot decide unless the server allows it, and then the report says an agent decided."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.conftest import QUESTION, SMOES
from tests.mcp_process import McpPlace, http_client, http_server, stdio_client

httpx2 = pytest.importorskip("httpx2")

READ_TOOLS = {"analyze_paper", "continue_analysis", "read_report", "list_threads", "search_corpus"}


def text_of(result: Any) -> str:
    return "\n".join(getattr(part, "text", "") for part in result.content)


def sovereign(place: McpPlace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sovereign_graph", *args, "--db", str(place.db)],
        env=place.environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def place(tmp_path: Path) -> McpPlace:
    return McpPlace(tmp_path)


def test_stdio_an_agent_runs_to_the_owners_pause_and_reads_the_draft(place: McpPlace) -> None:
    async def scenario() -> dict[str, Any]:
        async with stdio_client(place) as client:
            listed = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(listed) == READ_TOOLS  # no decide tool without --allow-decisions
            schema = listed["analyze_paper"].input_schema
            assert set(schema["required"]) == {"paper", "question"}
            assert "arXiv id" in schema["properties"]["paper"]["description"]

            progress: list[tuple[float, str | None]] = []

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                progress.append((value, message))

            ran = await client.call_tool(
                "analyze_paper", {"paper": SMOES, "question": QUESTION}, progress_callback=on_progress
            )
            assert not ran.is_error, text_of(ran)
            summary = dict(ran.structured_content or {})
            # Progress arrived while it ran: a notification per step and event, in order.
            assert len(progress) >= 10 and [p for p, _ in progress] == sorted(p for p, _ in progress)
            assert any(m and m.split(" ", 1)[1].startswith("plan:") for _, m in progress)

            thread = summary["thread_id"]
            report = await client.call_tool("read_report", {"thread_id": thread})
            as_json = await client.call_tool("read_report", {"thread_id": thread, "format": "json"})
            threads = await client.call_tool("list_threads", {"status": "awaiting_owner"})
            resources = [str(r.uri) for r in (await client.list_resources()).resources]
            attached = await client.read_resource(f"sovereign://threads/{thread}/report.md")
            found = await client.call_tool("search_corpus", {"query": "SMoES Soft Modality-Guided Expert", "limit": 3})
            return {
                "summary": summary,
                "report": text_of(report),
                "json": json.loads(text_of(as_json)),
                "threads": threads.structured_content,
                "resources": resources,
                "attached": attached.contents[0].text,  # type: ignore[union-attr]
                "found": found.structured_content,
            }

    seen = anyio.run(scenario)
    summary = seen["summary"]
    thread = summary["thread_id"]
    assert summary["status"] == "awaiting_owner" and summary["recommendation"] in ("ACCEPT", "REVISE", "REJECT")
    assert summary["answer"].startswith("**Bottom line:**") and summary["claims"]
    claim = summary["claims"][0]
    assert claim["quote"] and claim["source"] and isinstance(claim["verified"], bool)
    assert summary["evidence_gap"] and "data" in summary["notice"]
    # Where the owner decides: the CLI's own command, naming this database.
    assert summary["decide_with"].startswith(f"sovereign resume {thread} --db {place.db}")

    # The same draft the CLI shows, written where --out said, and in the database for the owner.
    assert (place.out / f"{thread}.md").read_text() == seen["report"] == seen["attached"]
    assert "**DRAFT**" in seen["report"]
    assert seen["json"]["thread_id"] == thread and seen["json"]["score"] == pytest.approx(summary["score"], abs=0.01)
    assert [t["thread_id"] for t in seen["threads"]["result"]] == [thread]
    assert f"sovereign://threads/{thread}/report.md" in seen["resources"]
    assert seen["found"]["result"][0]["id"] == SMOES
    shown = sovereign(place, "show", thread)
    assert shown.returncode == 0 and shown.stdout == seen["report"]


def test_bad_input_is_a_tool_error_with_the_clis_line_and_the_server_goes_on(place: McpPlace) -> None:
    cli = sovereign(place, "run", "--paper", "9999.99999", "--question", QUESTION)
    assert cli.returncode == 2
    cli_line = cli.stderr.strip().removeprefix("error: ")

    async def scenario() -> list[Any]:
        async with stdio_client(place) as client:
            calls = [
                ("analyze_paper", {"paper": "9999.99999", "question": QUESTION}),
                ("analyze_paper", {"paper": SMOES, "question": "   "}),
                ("analyze_paper", {"paper": SMOES, "question": QUESTION, "max_revisions": 7}),
                ("analyze_paper", {"paper": SMOES, "question": QUESTION, "thread_id": "../../etc/x"}),
                ("analyze_paper", {"paper": SMOES, "question": QUESTION, "corpus": "../../elsewhere"}),
                ("read_report", {"thread_id": "no-such-thread"}),
                ("continue_analysis", {"thread_id": "no-such-thread"}),
                ("decide", {"thread_id": "x", "decision": "approve"}),
            ]
            results = [await client.call_tool(name, args) for name, args in calls]
            results.append(await client.list_tools())  # still serving
            results.append(await client.call_tool("list_threads", {}))
            return results

    *errors, tools, threads = anyio.run(scenario)
    assert all(result.is_error for result in errors), [text_of(r) for r in errors]
    texts = [text_of(r) for r in errors]
    assert cli_line in texts[0]
    assert "question" in texts[1].lower()
    assert "max_revisions" in texts[2]
    assert "thread" in texts[3].lower()
    assert "corpus" in texts[4].lower()
    assert "no thread" in texts[5] and "no thread" in texts[6]
    assert "decide" in texts[7]
    assert not any("Traceback" in t for t in texts)
    assert {t.name for t in tools.tools} == READ_TOOLS
    assert threads.structured_content == {"result": []}  # a refused call starts no thread


def test_two_calls_at_once_on_one_database_both_reach_the_pause(place: McpPlace) -> None:
    questions = [QUESTION, "Does soft routing of visual tokens reduce expert-parallel communication overhead?"]

    async def scenario() -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = [{}, {}]
        async with stdio_client(place) as client:

            async def one(index: int) -> None:
                ran = await client.call_tool("analyze_paper", {"paper": SMOES, "question": questions[index]})
                assert not ran.is_error, text_of(ran)
                results[index] = dict(ran.structured_content or {})

            async with anyio.create_task_group() as group:
                group.start_soon(one, 0)
                group.start_soon(one, 1)
        return results

    first, second = anyio.run(scenario)
    assert first["thread_id"] != second["thread_id"]
    assert [first["question"], second["question"]] == questions
    listed = sovereign(place, "threads").stdout
    assert listed.count("awaiting_owner") == 2


def test_a_cancelled_call_stops_at_its_next_step_and_sovereign_resume_continues_it(place: McpPlace) -> None:
    async def scenario() -> str:
        async with stdio_client(place) as client:
            started = anyio.Event()

            async def on_progress(value: float, total: float | None, message: str | None) -> None:
                started.set()

            async def call() -> None:
                await client.call_tool(
                    "analyze_paper",
                    {"paper": SMOES, "question": QUESTION, "thread_id": "cancelled"},
                    progress_callback=on_progress,
                )

            async with anyio.create_task_group() as group:
                group.start_soon(call)
                await started.wait()
                group.cancel_scope.cancel()  # the client sends notifications/cancelled
            # The run lets go of its thread once stopped; what it saved is the thread's state.
            for _ in range(100):
                listed = await client.call_tool("list_threads", {})
                rows = (listed.structured_content or {}).get("result", [])
                if rows and rows[0]["status"] != "running":
                    return str(rows[0]["status"])
                await anyio.sleep(0.1)
            return "still running"

    status = anyio.run(scenario)
    assert status.startswith("stopped before"), status
    resumed = sovereign(place, "resume", "cancelled")
    assert resumed.returncode == 0, resumed.stderr
    assert "paused for the owner: sovereign resume cancelled" in resumed.stdout


def test_decisions_only_with_the_flag_and_marked_as_the_agents(place: McpPlace) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        desk = ("--desk-url", "http://127.0.0.1:8765/")
        async with stdio_client(place, "--allow-decisions", *desk, name="Claude Code") as client:
            assert "decide" in {tool.name for tool in (await client.list_tools()).tools}
            ran = await client.call_tool("analyze_paper", {"paper": SMOES, "question": QUESTION, "thread_id": "t1"})
            # Continuing a draft is not deciding it.
            refused = await client.call_tool("continue_analysis", {"thread_id": "t1"})
            assert refused.is_error and "owner" in text_of(refused)
            decided = await client.call_tool("decide", {"thread_id": "t1", "decision": "approve", "note": "ok"})
            assert not decided.is_error, text_of(decided)
            return dict(ran.structured_content or {}), dict(decided.structured_content or {})

    draft, final = anyio.run(scenario)
    assert draft["status"] == "awaiting_owner" and final["status"] == "approved"
    assert draft["desk_url"] == "http://127.0.0.1:8765/threads/t1"  # where the owner reads and decides it
    assert final["decide_with"] is None and final["desk_url"] is None
    markdown = (place.out / "t1.md").read_text()
    assert "approved by an AI agent over MCP (client 'Claude Code')" in markdown
    assert "not by the owner in person" in markdown
    report = json.loads((place.out / "t1.json").read_text())
    assert report["owner_decision"]["by"] == "an AI agent over MCP (client 'Claude Code')"


def test_http_needs_its_token_and_serves_the_same_tools(place: McpPlace) -> None:
    token = "test-token-0123456789"

    async def scenario(url: str) -> tuple[int, dict[str, Any]]:
        async with httpx2.AsyncClient() as plain:
            refused = await plain.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
        async with http_client(url, token) as client:
            assert {t.name for t in (await client.list_tools()).tools} == READ_TOOLS
            ran = await client.call_tool("analyze_paper", {"paper": SMOES, "question": QUESTION})
            assert not ran.is_error, text_of(ran)
            return refused.status_code, dict(ran.structured_content or {})

    with http_server(place, "--token", token) as url:
        status, summary = anyio.run(scenario, url)
    assert status == 401
    assert summary["status"] == "awaiting_owner" and (place.out / f"{summary['thread_id']}.md").exists()
    assert token not in place.stderr.read_text().replace("given with --token", "")


def test_a_live_run_through_the_server_never_shows_or_writes_the_key(place: McpPlace) -> None:
    from tests.nim_loopback import EMBEDDER, MODEL, NimLoopback, nim_loopback

    secret = "nvapi-MCP-SECRET-5c1e9b7a3d2f4e6a80"
    place.env["NVIDIA_API_KEY"] = secret
    with nim_loopback(NimLoopback(expected_key=secret, fabricate=True)) as nim:
        nim.down["validator"] = "500"  # its error body echoes the Authorization header

        async def scenario() -> list[str]:
            live = ["--model", f"nvidia:{MODEL}", "--base-url", nim.base_url, "--embeddings", f"nvidia:{EMBEDDER}"]
            async with stdio_client(place, *live) as client:
                tools = await client.list_tools()
                # No tool takes a key: a live model is the server's to configure.
                assert not any("key" in json.dumps(t.input_schema).lower() for t in tools.tools)
                ran = await client.call_tool(
                    "analyze_paper", {"paper": SMOES, "question": QUESTION, "thread_id": "live"}
                )
                assert not ran.is_error, text_of(ran)
                report = await client.call_tool("read_report", {"thread_id": "live", "format": "json"})
                threads = await client.call_tool("list_threads", {})
                return [text_of(ran), json.dumps(ran.structured_content), text_of(report), text_of(threads)]

        responses = anyio.run(scenario)
        assert {r.authorization for r in nim.requests} == {f"Bearer {secret}"}  # the key was used
    summary = json.loads(responses[1])
    assert any("validator" in line for line in summary["fallbacks"])  # the failure is reported, its header redacted
    written = [p.read_bytes().decode("utf-8", "replace") for p in place.root.rglob("*") if p.is_file()]
    everything = "\n".join([*responses, *written])
    assert "Bearer ***" in everything
    assert secret not in everything and secret[6:] not in everything


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--http", "nonsense"], "--http nonsense: give HOST:PORT"),
        (["--http", "127.0.0.1:0", "--token", "short"], "--token: at least 8 characters"),
        (["--desk-url", "javascript:alert(1)"], "--desk-url javascript:alert(1): give the desk's http(s) address"),
        (["--max-claims", "-1"], "--max-claims"),
    ],
)
def test_the_server_refuses_bad_options_with_one_line_before_serving(
    place: McpPlace, args: list[str], says: str
) -> None:
    refused = subprocess.run(
        place.command(*args),
        env=place.environment(),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert refused.returncode == 2 and says in refused.stderr, refused.stderr
    assert refused.stdout == "" and not place.db.exists()  # stdout is the protocol's: nothing printed there
