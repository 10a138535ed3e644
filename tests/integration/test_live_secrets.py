"""No API key in a checkpoint, a log line, an error, a report or the JSON; NVIDIA telemetry off by default."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sovereign_graph.cli import app
from sovereign_graph.llm.models import chat_model, embeddings_model
from tests.conftest import QUESTION, SMOES
from tests.nim_loopback import EMBEDDER, MODEL, NimLoopback, nim_loopback

SECRET = "nvapi-TEST-SECRET-7f3a9c1d2e4b5a6978"


def test_a_live_run_with_failures_and_resumes_never_writes_or_prints_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("NVIDIA_API_KEY", SECRET)
    cli = CliRunner()
    outputs: list[str] = []
    with nim_loopback(NimLoopback(expected_key=SECRET, fabricate=True)) as nim:
        config = tmp_path / "live.json"
        config.write_text('{"attempts": 2, "backoff": 0.05}')
        db, out = tmp_path / "runs.sqlite", tmp_path / "out"
        nim.down["validator"] = "500"  # its error body echoes the Authorization header
        ran = cli.invoke(
            app,
            [
                "run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--out", str(out),
                "--thread", "secret", "--model", f"nvidia:{MODEL}", "--base-url", nim.base_url,
                "--embeddings", f"nvidia:{EMBEDDER}", "--config", str(config),
            ],
        )  # fmt: skip
        outputs.append(ran.output)
        # The validator's step fell back to its rubric; the run reached the owner's pause and says why.
        assert ran.exit_code == 0, ran.output
        assert "the validator model nvidia:meta/llama-3.3-70b-instruct failed" in ran.output
        assert "Bearer ***" in ran.output  # the echoed header, redacted
        assert "Bearer ***" in (out / "secret.md").read_text()

        nim.down["validator"] = "401"  # a key refused for good stops the next run, which a resume continues
        failed = cli.invoke(app, ["resume", "secret", "--decision", "revise", "--note", "robustness", "--db", str(db)])
        outputs.append(failed.output)
        assert failed.exit_code == 1 and "ModelError: the validator model" in failed.output

        del nim.down["validator"]
        for args in (["resume", "secret"], ["resume", "secret", "--decision", "approve"]):
            result = cli.invoke(app, [*args, "--db", str(db)])
            outputs.append(result.output)
            assert result.exit_code == 0, result.output
        # The key did reach the server, so the run really used it.
        assert {r.authorization for r in nim.requests} == {f"Bearer {SECRET}"}

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != config]
    assert db in written and (out / "secret.json") in written and (out / "secret.md") in written
    assert "approved" in (out / "secret.json").read_text()
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
    for text in [*outputs, caplog.text, *(r.getMessage() for r in caplog.records)]:
        assert SECRET not in text


def test_nvidia_telemetry_is_off_unless_the_user_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NVIDIA_USAGE_TELEMETRY_ENABLED", raising=False)
    url = "http://127.0.0.1:9/v1"  # nothing is sent: the clients make no request when built with a model
    chat = chat_model(f"nvidia:{MODEL}", base_url=url, timeout=1)
    embedder = embeddings_model(f"nvidia:{EMBEDDER}", base_url=url, truncate="END", timeout=1)
    assert chat.usage_telemetry_enabled is False  # type: ignore[attr-defined]
    assert embedder._client.usage_telemetry_enabled is False  # type: ignore[attr-defined]
    monkeypatch.setenv("NVIDIA_USAGE_TELEMETRY_ENABLED", "1")
    assert chat_model(f"nvidia:{MODEL}", base_url=url, timeout=1).usage_telemetry_enabled is True  # type: ignore[attr-defined]


def test_the_hosted_api_without_a_key_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NVIDIA_API_KEY", raising=False)
    result = CliRunner().invoke(app, ["run", "--paper", SMOES, "--question", QUESTION, "--model", f"nvidia:{MODEL}"])
    assert result.exit_code == 2 and "set NVIDIA_API_KEY" in result.output
