"""Live mode over real HTTP: the unpatched ChatNVIDIA / NVIDIAEmbeddings clients against a loopback NIM."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_nvidia_ai_endpoints import ChatNVIDIA
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.runner import Runner
from sovereign_graph.errors import ModelError
from sovereign_graph.llm.embeddings import embeddings_from_config
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.runtime.context import Context
from sovereign_graph.settings.live import LiveConfig
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.review.rubrics import RUBRICS, Dossier
from tests.conftest import QUESTION, SMOES
from tests.nim_loopback import EMBEDDER, MODEL, NimLoopback, nim_loopback

SPEC = f"nvidia:{MODEL}"
LLM_ROLES = ("planner", "extractor", "skeptic", "validator", "synthesizer", "writer")  # a round's, the reviser's not


@pytest.fixture
def nim() -> Iterator[NimLoopback]:
    with nim_loopback(NimLoopback(fabricate=True)) as server:
        yield server


def live_config(server: NimLoopback, **overrides: object) -> LiveConfig:
    settings: dict[str, object] = {
        "model": SPEC,
        "base_url": server.base_url,
        "embeddings": f"nvidia:{EMBEDDER}",
        "timeout": 2.0,
        "attempts": 3,
        "backoff": 0.05,
    }
    return LiveConfig.model_validate({**settings, **overrides})


def live_context(config: LiveConfig) -> Context:
    return Context(llm=RoleModels.from_config(config), embeddings=embeddings_from_config(config))


def test_a_live_run_pauses_for_the_owner_and_a_fresh_runner_resumes_it_on_the_same_models(
    saver: SqliteSaver, nim: NimLoopback
) -> None:
    outcome = Runner(saver, live_context(live_config(nim))).start(SMOES, QUESTION, thread_id="live")
    assert outcome.paused
    report = outcome.report

    # Every role ran once, the extractor once a paper, through the client's structured output (response_format
    # json_schema first).
    read = len(nim.chat("extractor"))
    assert {r: len(nim.chat(r)) for r in LLM_ROLES} == {**dict.fromkeys(LLM_ROLES, 1), "extractor": read}
    papers = [
        re.findall(r"^arXiv:\S+ \((?:\d{4}|year unknown)\), ", r.body["messages"][1]["content"], re.M)
        for r in nim.chat("extractor")
    ]
    assert read > 1 and all(len(p) == 1 for p in papers)  # one paper a call
    assert sum("the SUBJECT paper" in r.body["messages"][1]["content"] for r in nim.chat("extractor")) == 1
    assert {r.mode for r in nim.chat()} == {"response_format"}
    assert {r.body["input_type"] for r in nim.embeddings()} == {"passage", "query"}
    assert {r.body["truncate"] for r in nim.embeddings()} == {"END"}
    assert all(len(r.body["input"]) <= 50 for r in nim.embeddings())  # batched

    # Claims quote their passages verbatim; the invented quote and the invented number were rejected.
    state = Runner(saver).graph.get_state({"configurable": {"thread_id": "live"}}).values
    passages = {p.id: p.text for p in state["passages"]}
    assert report.claims and all(c.quote in passages[c.passage_id] for c in report.claims)
    assert not any("97.5" in c.text or "invented" in c.text for c in report.claims)
    assert sorted(r.reason for r in report.rejected_claims) == [
        "numbers not in its quote: 97.5%",
        "quote is not verbatim in its passage",
    ]
    assert any("2 claim(s) the extractor model proposed were rejected" in u for u in report.uncertainties)
    # The only fallback: those two rejections; every other role's output stood.
    assert [(f.role, f.round) for f in report.fallbacks] == [("extractor", 0)]
    assert report.fallbacks[0].reason.startswith("2 of the model's ")

    # Reviews are the model's, with objections only on real targets (the scripted C99 is dropped).
    assert {r.role: r.score for r in report.reviews} == {"SKEPTIC": 6.0, "VALIDATOR": 7.5, "SYNTHESIZER": 7.0}
    assert all(o.target != "C99" for r in report.reviews for o in r.objections)
    assert report.queries[0].origin.startswith("model: ")

    # The writer wrote the Answer after the tribunal: its bottom line quotes a claim; its sentence with an unquoted
    # number and its citation of a claim that does not exist were dropped and counted, never shown.
    assert [s.claims for s in report.bottom_line] == [["C1"]]
    assert report.bottom_line[0].text.startswith("The evidence says: “")
    first = report.answer[0]
    assert [s.text for s in first.sentences] == ["The cited claim reports a finding on this facet."]
    assert sorted(d.reason for d in report.answer_dropped) == [
        "cites unknown or off-topic claim(s) C99",
        "states 97.5%, absent from the quotes it cites",
    ]
    assert "2 answer sentence(s) were dropped by the checks" in to_markdown(report)

    # Usage per role, from the responses' token counts.
    usage = report.model_dump(mode="json")["usage"]
    assert set(usage) == set(LLM_ROLES)
    assert all(u["input_tokens"] > 0 and u["output_tokens"] > 0 for u in usage.values())
    assert {role: u["calls"] for role, u in usage.items()} == {**dict.fromkeys(LLM_ROLES, 1), "extractor": read}
    assert "**usage** (live models): planner 1 call" in to_markdown(report)

    # A runner with no models of its own (as `sovereign resume` in another process) rebuilds them from the
    # checkpoint: the owner's "revise" runs the live reviser, extractor and reviewers again.
    resumed = Runner(saver, Context()).resume("live", "revise", "adversarial perturbations")
    assert resumed.paused
    assert len(nim.chat("reviser")) == 1 and len(nim.chat("extractor")) > read and len(nim.chat("skeptic")) == 2
    assert resumed.report.usage["reviser"].calls == 1
    assert resumed.report.usage["extractor"].calls == len(nim.chat("extractor"))
    assert Runner(saver, Context()).resume("live", "approve").report.status == "approved"


def test_a_model_that_stays_down_costs_its_step_the_model_not_the_run(saver: SqliteSaver, nim: NimLoopback) -> None:
    nim.down["skeptic"] = "500"
    runner = Runner(saver, live_context(live_config(nim, attempts=2)))
    report = runner.start(SMOES, QUESTION, thread_id="down", max_revisions=0).report
    assert report.status == "awaiting_owner"
    reasons = [f.reason for f in report.fallbacks if f.role == "skeptic"]
    assert reasons and all(
        r.startswith(f"the skeptic model {SPEC} failed after 2 attempt(s)")
        and "[500]" in r
        and r.endswith("; the embedded engine ran this step instead")
        for r in reasons
    )
    skeptic = next(r for r in report.reviews if r.role == "SKEPTIC")
    assert skeptic == RUBRICS["SKEPTIC"](dossier_of(saver, "down", skeptic.round))
    # The other roles' models ran as usual.
    assert next(r for r in report.reviews if r.role == "VALIDATOR").rationale.startswith("The validator checked")


def dossier_of(saver: SqliteSaver, thread: str, round_number: int) -> Dossier:
    state = Runner(saver, Context()).graph.get_state({"configurable": {"thread_id": thread}}).values
    return Dossier(
        state["question"], state["facets"], state["claims"], state["passages"], round_number,
        load_relevance_model().bar, state["queries"],
    )  # fmt: skip


def test_a_key_refused_for_good_stops_the_run_naming_role_and_model_and_resume_continues_from_there(
    saver: SqliteSaver, nim: NimLoopback
) -> None:
    nim.down["skeptic"] = "401"
    runner = Runner(saver, live_context(live_config(nim, attempts=2)))
    with pytest.raises(ModelError) as failed:
        runner.start(SMOES, QUESTION, thread_id="down")
    message = str(failed.value)
    assert f"the skeptic model {SPEC} failed after 1 attempt(s)" in message
    assert "[401]" in message and "sovereign resume down" in message and "\n" not in message
    assert runner.status("down").startswith("stopped before")

    del nim.down["skeptic"]
    before = {r: len(nim.chat(r)) for r in LLM_ROLES}
    outcome = Runner(saver, Context()).resume("down", None)
    assert outcome.paused
    # Nothing finished is run again: only the failed reviewer calls the model (and the writer, the step after it).
    after = {r: len(nim.chat(r)) - before[r] for r in LLM_ROLES}
    assert after == {"planner": 0, "extractor": 0, "skeptic": 1, "validator": 0, "synthesizer": 0, "writer": 1}
    assert {r.role for r in outcome.report.reviews} == {"SKEPTIC", "VALIDATOR", "SYNTHESIZER"}


def test_a_host_model_for_one_role_mixes_with_the_embedded_engines(saver: SqliteSaver, nim: NimLoopback) -> None:
    host_model = ChatNVIDIA(model=MODEL, base_url=nim.base_url, api_key="host-app-key")
    context = Context(llm=RoleModels(roles={"skeptic": host_model}))
    report = Runner(saver, context).start(SMOES, QUESTION, thread_id="mixed").report
    # Only the skeptic reaches the server, once per tribunal round (a revision round asks it again).
    assert [r.role for r in nim.chat()] == ["skeptic"] * len(report.round_scores) and not nim.embeddings()
    skeptic = next(r for r in report.reviews if r.role == "SKEPTIC")
    assert skeptic.rationale.startswith("The skeptic checked each claim")
    validator = next(r for r in report.reviews if r.role == "VALIDATOR")
    assert "verbatim quotes" in validator.rationale  # the embedded rubric
    assert set(report.usage) == {"skeptic"} and report.rejected_claims == []
    assert nim.chat()[0].authorization == "Bearer host-app-key"


def test_build_graph_takes_a_host_chat_model_for_every_role(nim: NimLoopback) -> None:
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.types import Command

    from sovereign_graph import build_graph
    from sovereign_graph.app.checkpoints import state_serializer

    host_model = ChatNVIDIA(model=MODEL, base_url=nim.base_url, api_key="host-app-key")
    graph = build_graph(InMemorySaver(serde=state_serializer()), llm=host_model)
    config = {"configurable": {"thread_id": "host"}}
    graph.invoke({"paper": SMOES, "question": QUESTION, "max_revisions": 0}, config)
    assert {r.role for r in nim.chat()} >= {"planner", "extractor", "skeptic", "validator", "synthesizer"}
    graph.invoke(Command(resume={"decision": "approve"}), config)
    report = graph.get_state(config).values["report"]
    assert report["status"] == "approved"
    assert set(report["usage"]) >= {"planner", "extractor", "skeptic"}


def test_cost_is_reported_when_a_price_is_configured(saver: SqliteSaver, nim: NimLoopback) -> None:
    config = live_config(nim, embeddings=None, price_in=1.0, price_out=2.0, roles={"skeptic": {"price_in": 10.0}})
    report = Runner(saver, live_context(config)).start(SMOES, QUESTION, thread_id="priced").report
    planner, skeptic = report.usage["planner"], report.usage["skeptic"]
    assert planner.cost == pytest.approx(planner.input_tokens / 1000 + 2 * planner.output_tokens / 1000, abs=1e-6)
    assert skeptic.cost == pytest.approx(10 * skeptic.input_tokens / 1000 + 2 * skeptic.output_tokens / 1000, abs=1e-6)
    assert json.loads(report.model_dump_json())["usage"]["validator"]["cost"] is not None


def test_the_cli_runs_live_models_and_rejects_a_broken_config(tmp_path: Path, nim: NimLoopback) -> None:
    from typer.testing import CliRunner

    from sovereign_graph.cli import app

    cli = CliRunner()
    config = tmp_path / "models.toml"
    config.write_text(f'base_url = "{nim.base_url}"\nbackoff = 0.05\n[roles.skeptic]\nmodel = "{SPEC}"\n')
    db, out = tmp_path / "r.sqlite", tmp_path / "out"
    args = ["run", "--paper", SMOES, "--question", QUESTION, "--db", str(db), "--out", str(out), "--thread", "t"]
    result = cli.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    rounds = len(json.loads((out / "t.json").read_text())["round_scores"])
    assert [r.role for r in nim.chat()] == ["skeptic"] * rounds, "only the skeptic, once per tribunal round"
    assert json.loads((out / "t.json").read_text())["usage"]["skeptic"]["calls"] == rounds
    assert json.loads((out / "t.json").read_text())["fallbacks"] == [] and "fallback:" not in result.output

    config.write_text('[roles.critic]\nmodel = "nvidia:x"\n')
    bad = cli.invoke(app, [*args, "--thread", "t2", "--config", str(config)])
    assert bad.exit_code == 2 and "--config" in bad.output and "critic" in bad.output
    unnamed = cli.invoke(app, [*args, "--thread", "t3", "--model", "llama"])
    assert unnamed.exit_code == 2 and "provider:model" in unnamed.output
