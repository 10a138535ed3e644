"""How a live role call survives what real endpoints do: rate limits, errors, timeouts, bad answers.

Each test drives the planner role through the unpatched ChatNVIDIA client against the loopback NIM."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sovereign_graph.errors import ModelError
from sovereign_graph.llm.models import chat_model
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.steps.plan.model import plan_queries_llm
from tests.conftest import QUESTION, SMOES
from tests.nim_loopback import MODEL, NimLoopback, nim_loopback

SPEC = f"nvidia:{MODEL}"
FAST = RetryPolicy(attempts=3, backoff=0.05)


@pytest.fixture
def nim() -> Iterator[NimLoopback]:
    with nim_loopback(NimLoopback(retry_after=0.6, hang_seconds=1.5)) as server:
        yield server


def plan(server: NimLoopback, policy: RetryPolicy = FAST, timeout: float = 2.0) -> list[str]:
    from sovereign_graph.steps.plan.facets.grammar import split_facets

    target = RoleModel(model=chat_model(SPEC, base_url=server.base_url, timeout=timeout), label=SPEC)
    subject = bundled_snapshot().get(SMOES)
    assert subject is not None
    queries, usage, fallback = plan_queries_llm(target, policy, QUESTION, subject, split_facets(QUESTION))
    assert usage.calls == len(server.chat("planner"))
    assert fallback is None, "a well-behaved planner's queries all stand"
    return [q.text for q in queries]


def test_a_429_waits_for_retry_after_then_succeeds(nim: NimLoopback) -> None:
    nim.queue.append(("planner", "429"))
    assert len(plan(nim)) == 4
    calls = nim.chat("planner")
    limited = [r for r in calls if r.status == 429]
    assert limited and calls[-1].status == 200
    # The client tries its three structured-output formats at once; then tenacity waits the server's Retry-After.
    assert calls[-1].started - limited[0].started >= 0.6


@pytest.mark.parametrize("fault", ["500", "bad_json", "wrong_schema", "empty"])
def test_a_failed_or_unusable_answer_is_retried_then_succeeds(nim: NimLoopback, fault: str) -> None:
    nim.queue.append(("planner", fault))
    assert len(plan(nim)) == 4
    calls = nim.chat("planner")
    assert [r.status for r in calls] == [500, 200] if fault == "500" else [200, 200]
    # The retry is the client's own fallback: `guided_json` after `response_format` did not give the schema.
    assert [r.mode for r in calls] == ["response_format", "guided_json"]


def test_a_timeout_is_retried(nim: NimLoopback) -> None:
    nim.queue.append(("planner", "hang"))
    assert len(plan(nim, timeout=0.5)) == 4
    assert len(nim.chat("planner")) == 2


def test_a_reasoning_models_think_block_before_the_json_is_parsed(nim: NimLoopback) -> None:
    nim.queue.append(("planner", "think"))
    queries = plan(nim)
    assert len(queries) == 4 and len(nim.chat("planner")) == 1


def test_an_endpoint_that_never_answers_in_the_schema_is_a_clear_error_after_the_retries(nim: NimLoopback) -> None:
    nim.down["planner"] = "wrong_schema"
    with pytest.raises(ModelError, match=rf"^the planner model {SPEC} failed after 2 attempt\(s\): UnusableAnswer"):
        plan(nim, RetryPolicy(attempts=2, backoff=0.05))
    # Each attempt tried all three structured-output formats.
    assert [r.mode for r in nim.chat("planner")] == ["response_format", "guided_json", "nvext"] * 2


def test_a_bad_key_is_not_retried(nim: NimLoopback) -> None:
    nim.expected_key = "the-right-key"
    with pytest.raises(ModelError, match=r"failed after 1 attempt\(s\): Exception: \[401\]"):
        plan(nim)
