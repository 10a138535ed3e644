"""`langgraph dev` (the server Studio talks to) serving langgraph.json, driven through `langgraph_sdk`:
a thread runs to the owner's interrupt, its payload is read, the run resumes with the owner's decision."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import QUESTION, SMOES

REPO = Path(__file__).resolve().parents[2]
API_LINE = re.compile(r"API: \S*http://127\.0\.0\.1:(\d+)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    langgraph = shutil.which("langgraph")
    if langgraph is None:
        pytest.skip('langgraph CLI missing: pip install -e ".[studio]"')
    log_path = tmp_path / "langgraph-dev.log"
    env = {
        **os.environ,
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "1",
        "SOVEREIGN_HOME": str(tmp_path / "home"),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [langgraph, "dev", "--no-browser", "--no-reload", "--port", str(_free_port())],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            # The server moves to another port if ours was taken meanwhile: read the real one back.
            found = API_LINE.search(re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text()))
            if found:
                url = f"http://127.0.0.1:{found.group(1)}"
                try:
                    if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        else:
            pytest.fail(f"langgraph dev did not start:\n{log_path.read_text()[-3000:]}")
        assert url is not None
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_sdk_runs_to_the_owner_and_resumes_with_a_decision(server: str) -> None:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=server)
    schemas = client.assistants.get_schemas(client.assistants.search(graph_id="sovereign")[0]["assistant_id"])
    assert schemas["input_schema"]["required"] == ["paper", "question"]
    assert schemas["context_schema"]["properties"]["max_claims"]["description"]

    thread = client.threads.create()["thread_id"]
    events = [
        part.data
        for part in client.runs.stream(
            thread,
            "sovereign",
            input={"paper": SMOES, "question": QUESTION, "max_revisions": 0},
            context={"max_claims": 5},
            stream_mode="custom",
        )
        if part.event == "custom"
    ]
    assert {e["role"] for e in events if e["event"] == "reviewer_scored"} == {"SKEPTIC", "VALIDATOR", "SYNTHESIZER"}
    assert len([e for e in events if e["event"] == "search_finished"]) == 4

    state = client.threads.get_state(thread)
    assert state["next"] == ["owner"]
    payload = state["interrupts"][0]["value"]
    assert payload["recommendation"] in ("ACCEPT", "REVISE", "REJECT")
    assert payload["draft"].startswith("# SMoES") and "DRAFT" in payload["draft"]
    assert len(state["values"]["claims"]) <= 5  # the context reached the nodes

    final = client.runs.wait(
        thread, "sovereign", command={"resume": {"decision": "approve", "note": "approved from the SDK"}}
    )
    assert isinstance(final, dict)
    report = final["report"]
    assert report["status"] == "approved"
    assert report["owner_decision"] == {"decision": "approve", "note": "approved from the SDK"}
    assert report["paper"]["id"] == SMOES and report["recommendation"] == payload["recommendation"]
