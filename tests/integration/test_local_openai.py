"""`--model openai:NAME --base-url URL`: a local OpenAI-compatible server (llama.cpp, Ollama, vLLM, LM Studio) as a
first-class engine — no key needed, the NVIDIA key never sent to it, the same structured output, usage and
secrets rules as NIM. Against the loopback server speaking the same /v1/chat/completions protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import QUESTION, SMOES
from tests.nim_loopback import SMALL_MODEL, NimLoopback, nim_loopback

NVIDIA_SECRET = "nvapi-NOT-FOR-A-LOCAL-SERVER-0123456789"


@pytest.fixture
def local_server() -> Iterator[NimLoopback]:
    with nim_loopback(NimLoopback()) as server:
        yield server


def _run(tmp_path: Path, server: NimLoopback, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "PYTHONWARNINGS"}
    args = ["run", "--paper", SMOES, "--question", QUESTION, "--model", f"openai:{SMALL_MODEL}"]
    args += ["--base-url", server.base_url, "--thread", "local", "--out", str(tmp_path / "out")]
    args += ["--db", str(tmp_path / "runs.sqlite")]
    return subprocess.run(
        [sys.executable, "-m", "sovereign_graph", *args],
        capture_output=True,
        text=True,
        env={**base, "SOVEREIGN_HOME": str(tmp_path / "home"), **env},
        timeout=300,
        check=False,
    )


def test_a_local_server_runs_every_role_with_no_key_and_never_sees_the_nvidia_key(
    tmp_path: Path, local_server: NimLoopback
) -> None:
    run = _run(tmp_path, local_server, NVIDIA_API_KEY=NVIDIA_SECRET)
    assert run.returncode == 0, run.stderr
    assert "paused for the owner" in run.stdout
    chats = local_server.chat()
    assert {r.role for r in chats} >= {"planner", "extractor", "skeptic", "validator", "synthesizer"}
    assert {r.body["model"] for r in chats} == {SMALL_MODEL}
    assert {r.authorization for r in chats} == {"Bearer no-key"}  # a placeholder, not the NVIDIA key
    assert {r.mode for r in chats} == {"response_format"}  # JSON schema: what llama.cpp turns into a grammar
    assert "Warning" not in run.stderr
    report = json.loads((tmp_path / "out" / "local.json").read_text(encoding="utf-8"))
    assert report["usage"]["planner"]["calls"] >= 1 and report["usage"]["planner"]["input_tokens"] > 0
    assert f"openai:{SMALL_MODEL}" in report["method"]["plan"]
    everything = run.stdout + run.stderr + json.dumps(report)
    assert NVIDIA_SECRET not in everything


def test_a_server_that_wants_a_key_gets_openai_api_key(tmp_path: Path) -> None:
    secret = "sk-local-server-secret-0123456789"
    with nim_loopback(NimLoopback(expected_key=secret)) as server:
        refused = _run(tmp_path / "without", server)
        assert refused.returncode == 1 and secret not in refused.stderr
        accepted = _run(tmp_path / "with", server, OPENAI_API_KEY=secret)
    assert accepted.returncode == 0, accepted.stderr
    assert secret not in accepted.stdout + accepted.stderr
