"""Runs go on through ordinary model behaviour: answers cut off at max_tokens shrink the job instead of being
repeated, and a role whose model keeps failing hands its step to the embedded engine, visibly (issue 29).
Real runs through the unpatched ChatNVIDIA client against the loopback NIM."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.runner import Runner
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings.live import ROLE_MAX_TOKENS, LiveConfig
from tests.conftest import QUESTION, SMOES
from tests.integration.test_live_models import live_config
from tests.nim_loopback import NimLoopback, nim_loopback


@pytest.fixture
def nim() -> Iterator[NimLoopback]:
    with nim_loopback(NimLoopback()) as server:
        yield server


def live(config: LiveConfig) -> Context:
    return Context(llm=RoleModels.from_config(config))


def test_each_role_sends_its_own_max_tokens_temperature_and_seed(saver: SqliteSaver, nim: NimLoopback) -> None:
    config = live_config(nim, seed=7, roles={"skeptic": {"max_tokens": 3000, "temperature": 0.3}})
    Runner(saver, live(config)).start(SMOES, QUESTION, thread_id="settings", max_revisions=0)
    sent = {r.role: r.body for r in nim.chat()}
    assert sent["planner"]["max_tokens"] == ROLE_MAX_TOKENS["planner"]
    assert sent["extractor"]["max_tokens"] == ROLE_MAX_TOKENS["extractor"]
    assert sent["skeptic"]["max_tokens"] == 3000 and sent["skeptic"]["temperature"] == 0.3
    assert sent["validator"]["temperature"] == 0.0
    assert {body["seed"] for body in sent.values()} == {7}


def test_an_extraction_cut_off_at_max_tokens_asks_for_half_as_much(saver: SqliteSaver, nim: NimLoopback) -> None:
    # One paper at a time, the subject's first: its answer is cut off in each of the client's three
    # structured-output forms; the smaller job's is not.
    nim.queue = [("extractor", "length")] * 3
    config = live_config(nim, concurrency=1)
    report = Runner(saver, live(config)).start(SMOES, QUESTION, thread_id="cut", max_revisions=0).report
    requests = nim.chat("extractor")
    first, again = (r.body["messages"][1]["content"] for r in (requests[0], requests[3]))
    assert "the SUBJECT paper" in first and "the SUBJECT paper" in again
    assert requests[1].body["messages"] == requests[0].body["messages"]  # the client's other forms, same prompt
    shown = [re.findall(r"^\[([^\]]+)\] ", prompt, re.MULTILINE) for prompt in (first, again)]
    assert 0 < len(shown[1]) < len(shown[0]) and shown[1] == shown[0][: len(shown[1])]  # the better half
    reasons = [f.reason for f in report.fallbacks if f.role == "extractor"]
    assert reasons and reasons[0].startswith("the model's answer was cut off at its max_tokens for 1 paper; each was")
    assert report.claims and report.status == "awaiting_owner"


def test_a_role_always_cut_off_falls_back_to_its_embedded_engine_and_the_run_reaches_the_pause(
    saver: SqliteSaver, nim: NimLoopback
) -> None:
    nim.down["synthesizer"] = "length"
    runner = Runner(saver, live(live_config(nim)))
    report = runner.start(SMOES, QUESTION, thread_id="always-cut", max_revisions=0).report
    assert report.status == "awaiting_owner"
    reason = next(f.reason for f in report.fallbacks if f.role == "synthesizer")
    assert "cut off at the role's max_tokens" in reason and reason.endswith("the embedded engine ran this step instead")
    # Cut off once, never retried with the same prompt.
    assert len(nim.chat("synthesizer")) == 3  # the client's three structured-output forms, one request each
    synthesizer = next(r for r in report.reviews if r.role == "SYNTHESIZER")
    assert not synthesizer.rationale.startswith("The synthesizer checked")  # the rubric's review


def test_a_5xx_for_one_role_is_a_named_fallback_never_a_halt(saver: SqliteSaver, nim: NimLoopback) -> None:
    nim.down["extractor"] = "500"
    report = Runner(saver, live(live_config(nim, attempts=2))).start(SMOES, QUESTION, thread_id="5xx").report
    assert report.status == "awaiting_owner"
    reason = next(f.reason for f in report.fallbacks if f.role == "extractor")
    assert "[500]" in reason and reason.endswith("the embedded engine ran this step instead")
    # The embedded extractor's claims are their quotes.
    assert report.claims and all(c.text == c.quote for c in report.claims)


def test_a_writer_cut_off_leaves_the_offline_answer_and_names_the_fallback(
    saver: SqliteSaver, nim: NimLoopback
) -> None:
    nim.down["writer"] = "length"
    report = (
        Runner(saver, live(live_config(nim))).start(SMOES, QUESTION, thread_id="writer-cut", max_revisions=0).report
    )
    assert report.status == "awaiting_owner"
    reason = next(f.reason for f in report.fallbacks if f.role == "writer")
    assert "cut off at the role's max_tokens" in reason and reason.endswith("the embedded engine ran this step instead")
    assert len(nim.chat("writer")) == 3  # cut off once (in each structured-output form), never asked again
    # The Answer is the one built offline from the live extractor's claims: the authors' own result first.
    assert report.bottom_line and report.bottom_line[0].claims == [report.claims[0].id]
    assert report.bottom_line[0].text.startswith("The subject paper's authors")
