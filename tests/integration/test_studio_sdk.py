"""`langgraph dev` (the server Studio talks to) serving langgraph.json, driven through `langgraph_sdk`:
a thread runs to the owner's interrupt, its payload is read, the run resumes with the owner's decision."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import QUESTION, SMOES
from tests.studio_server import langgraph_dev


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with langgraph_dev(tmp_path) as url:
        yield url


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
        thread, "sovereign", command={"resume": {"decision": "approve", "note": "approved from the SDK", "by": ""}}
    )
    assert isinstance(final, dict)
    report = final["report"]
    assert report["status"] == "approved"
    assert report["owner_decision"] == {"decision": "approve", "note": "approved from the SDK", "by": ""}
    assert report["paper"]["id"] == SMOES and report["recommendation"] == payload["recommendation"]
