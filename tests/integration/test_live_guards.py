"""A misbehaving model cannot write the verdict, and every fallback is shown: real runs against the loopback NIM
scripted with what a small local model was seen doing (issue 18), through the unpatched ChatNVIDIA client."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_nvidia_ai_endpoints import ChatNVIDIA
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.runner import Runner
from sovereign_graph.llm.models import chat_model
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.scoring import aggregate
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Objection, Review, Role
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.plan.model import Plan, plan_queries_llm
from sovereign_graph.steps.review.guard import BAND, guard_review
from sovereign_graph.steps.review.rubrics import RUBRICS, Dossier
from tests.conftest import QUESTION, SMOES
from tests.integration.test_live_models import live_config, live_context
from tests.nim_loopback import MODEL, SMALL_MODEL, NimLoopback, nim_loopback

MISBEHAVING = {
    "planner": "nonsense",
    "extractor": "paraphrase",
    "skeptic": "ghost_objections",
    "validator": "one_token",
    "synthesizer": "perfect_yes",
    "reviser": "repeat",
}


@pytest.fixture
def small_model() -> Iterator[NimLoopback]:
    # The validator's scripted 1.0 is within the band of an empty dossier's 0: only its ':{' rationale fails.
    scores = {"skeptic": 6.0, "validator": 1.0, "synthesizer": 7.0}
    with nim_loopback(NimLoopback(scores=scores, misbehave=dict(MISBEHAVING))) as server:
        yield server


def sovereign(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}  # the warnings a user's terminal shows
    return subprocess.run(
        [sys.executable, "-m", "sovereign_graph", *args],
        capture_output=True,
        text=True,
        env={**env, "SOVEREIGN_HOME": str(home)},
        timeout=300,
        check=False,
    )


def test_the_client_would_warn_about_a_local_servers_model(small_model: NimLoopback) -> None:
    """What the CLI test below proves absent is really there without the filter."""
    client = ChatNVIDIA(model=SMALL_MODEL, base_url=small_model.base_url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.with_structured_output(Plan)
    assert any("is not known to support structured output" in str(w.message) for w in caught)


def test_a_misbehaving_small_model_cannot_write_the_verdict_and_every_fallback_is_shown(
    tmp_path: Path, small_model: NimLoopback
) -> None:
    out, db = tmp_path / "out", tmp_path / "runs.sqlite"
    args = ["--paper", SMOES, "--question", QUESTION, "--model", f"nvidia:{SMALL_MODEL}"]
    run = sovereign(
        "run", *args, "--base-url", small_model.base_url, "--thread", "small", "--out", str(out), "--db", str(db),
        home=tmp_path / "home",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert {r.body["model"] for r in small_model.chat()} == {SMALL_MODEL}
    # No warning stream on the terminal; one line per role at the end instead.
    assert "Warning" not in run.stderr and "structured output" not in run.stderr
    lines = [line for line in run.stdout.splitlines() if line.startswith("fallback: ")]
    assert [line.split(":")[1].strip() for line in lines] == [
        "planner",
        "extractor",
        *sorted(["SKEPTIC", "VALIDATOR", "SYNTHESIZER"], key=[line.split(":")[1].strip() for line in lines].index),
        "reviser",
    ]
    assert all("2 times (rounds 0, 1)" in line for line in lines if "planner" not in line and "reviser" not in line)

    report = json.loads((out / "small.json").read_text())
    markdown = (out / "small.md").read_text()
    facets = len(report["facets"])
    fallbacks = report["fallbacks"]
    assert all(set(f) == {"role", "round", "reason"} for f in fallbacks)
    by = {(f["role"], f["round"]): f["reason"] for f in fallbacks}
    assert set(by) == {("planner", 0), ("reviser", 1)} | {
        (role, n) for role in ("extractor", "skeptic", "validator", "synthesizer") for n in (0, 1)
    }

    # None of the extractor's claims stood, so none of them is trusted: the embedded extractor's claims are the
    # dossier (each its quote), and the tribunal's score is the guarded one: every review is its rubric's.
    assert report["claims"] and all(c["text"] == c["quote"] for c in report["claims"])
    rejected_texts = {r["claim"] for r in report["rejected_claims"]}
    assert not rejected_texts & {c["text"] for c in report["claims"]}
    assert not {r["rationale"] for r in report["reviews"]} & {
        "yes",
        ":{",
        "Nothing here is convincing and the claims are weak.",
    }
    assert report["score"] < 6.5 and report["recommendation"] == "REVISE"
    assert by[("synthesizer", 0)].startswith("model review rejected (")
    assert "rationale “yes” is not a sentence" in by[("synthesizer", 0)] and facets
    assert by[("validator", 0)] == "model review rejected (rationale “:{” is not a sentence); rubric review used"
    assert by[("skeptic", 0)] == (
        "model review rejected (score 1 below 6.5 with no objection naming a claim or facet); rubric review used"
    )
    assert f"round 0, SYNTHESIZER: {by[('synthesizer', 0)]}." in markdown

    # The planner's nonsense: one usable query, the offline planner wrote the rest, and says so.
    assert by[("planner", 0)] == (
        "1 of the model's 5 queries usable (2 empty, 1 repeated, 1 sharing no word with the question or the paper); "
        "the offline planner wrote 3 queries"
    )
    origins = [q["origin"].split(":")[0] for q in report["queries"] if q["round"] == 0]
    assert origins == ["model", "offline planner", "offline planner", "offline planner"]
    assert by[("reviser", 1)].startswith("0 of the model's 2 queries usable (2 repeated); the offline reviser wrote")

    # The extractor grounded nothing: every claim it proposed is recorded as rejected, and the report says why the
    # embedded extractor's claims stand instead.
    assert {r["reason"] for r in report["rejected_claims"]} == {"quote is not verbatim in its passage"}
    proposed = [sum(r["round"] == n for r in report["rejected_claims"]) for n in (0, 1)]
    for n, count in enumerate(proposed):
        what = "only claim was" if count == 1 else f"{count} claims were all"
        assert by[("extractor", n)] == (
            f"the model's {what} rejected: quotes not found in the passages; more of its claims failed the checks "
            "than stood, so none is trusted: the embedded extractor's claims stand instead"
        )
    method = markdown.split("## Method (as run)", 1)[1].split("\n## ", 1)[0]
    assert f"**fallbacks** ({len(fallbacks)}: a live model's output rejected, replaced or empty)" in method
    assert method.count("**structured output**") == 1 and "schema" in method
    assert f"{sum(proposed)} claim(s) the extractor model proposed were rejected" in " ".join(report["uncertainties"])


def scripted_review(role: Role, score: float, rationale: str, dossier: Dossier) -> Review:
    """The review the loopback writes for a role (its C99 objection dropped, as `review_llm` drops it)."""
    objections = []
    if dossier.claims:
        first = dossier.claims[0].id
        objections.append(Objection(target=first, kind="single_source", message=f"{first} alone."))
    if dossier.facets:
        objections.append(Objection(target=dossier.facets[-1].id, kind="partial_facet", message="only in part"))
    return Review(role=role, round=0, score=score, rationale=rationale, objections=objections)


def test_a_dossier_with_claims_keeps_the_sound_reviews_clamps_the_high_ones_and_replaces_the_unsupported_ones(
    saver: SqliteSaver, small_model: NimLoopback
) -> None:
    # A sound planner and extractor; the SYNTHESIZER says 10 in good sentences, the SKEPTIC is far above its rubric.
    small_model.misbehave = {"synthesizer": "perfect"}
    small_model.scores = {"skeptic": 10.0, "validator": 7.5, "synthesizer": 7.0}
    runner = Runner(saver, live_context(live_config(small_model)))
    report = runner.start(SMOES, QUESTION, thread_id="claims", max_revisions=0).report
    state = runner.graph.get_state({"configurable": {"thread_id": "claims"}}).values
    dossier = Dossier(
        state["question"], state["facets"], state["claims"], state["passages"], 0, load_relevance_model().bar,
        state["queries"],
    )  # fmt: skip
    rubric = {role: score(dossier) for role, score in RUBRICS.items()}
    sentences = {
        role: f"The {role.lower()} checked each claim against its quote; the evidence rests on few papers."
        for role in ("SKEPTIC", "VALIDATOR")
    }
    written = {
        "SKEPTIC": scripted_review("SKEPTIC", 10.0, sentences["SKEPTIC"], dossier),
        "VALIDATOR": scripted_review("VALIDATOR", 7.5, sentences["VALIDATOR"], dossier),
        "SYNTHESIZER": scripted_review(
            "SYNTHESIZER", 10.0, "The dossier was read in full and its evidence is conclusive on every facet.", dossier
        ),
    }
    expected = {role: guard_review(written[role], rubric[role], dossier, 6.5) for role in written}
    reviews = {r.role: r for r in report.reviews}
    assert report.claims and {role: reviews[role] for role in written} == {r: g.review for r, g in expected.items()}
    # No review stands above the band.
    assert all(reviews[role].score <= rubric[role].score + BAND for role in written)
    assert report.score == aggregate([g.review for g in expected.values()])
    reasons = {f.role: f.reason for f in report.fallbacks}
    assert {role.lower(): g.reason for role, g in expected.items() if g.reason} == {
        role: reason for role, reason in reasons.items() if role != "writer"
    }


def test_a_well_behaved_model_has_no_fallbacks_and_an_offline_run_none_at_all(saver: SqliteSaver) -> None:
    with nim_loopback(NimLoopback()) as nim:
        live = Runner(saver, live_context(live_config(nim))).start(SMOES, QUESTION, thread_id="sound").report
    assert live.fallbacks == [] and "structured output" in live.method
    assert "**fallbacks**: none" in to_markdown(live)
    offline = Runner(saver).start(SMOES, QUESTION, thread_id="offline").report
    assert offline.fallbacks == [] and "structured output" not in offline.method
    assert "fallbacks" not in to_markdown(offline)


def test_a_planner_answering_schema_valid_nonsense_is_filled_by_the_offline_planner(small_model: NimLoopback) -> None:
    from sovereign_graph.steps.plan.facets.grammar import split_facets

    target = RoleModel(model=chat_model(f"nvidia:{MODEL}", base_url=small_model.base_url, timeout=2), label="m")
    subject = bundled_snapshot().get(SMOES)
    assert subject is not None
    queries, _, reason = plan_queries_llm(target, RetryPolicy(attempts=1), QUESTION, subject, split_facets(QUESTION))
    assert len(queries) == 4 and len({q.text for q in queries}) == 4 and all(q.text for q in queries)
    assert reason is not None and reason.endswith("the offline planner wrote 3 queries")


def test_an_extractor_that_proposes_nothing_is_a_fallback_not_an_empty_corpus(
    saver: SqliteSaver, small_model: NimLoopback
) -> None:
    small_model.misbehave = {"extractor": "no_claims"}
    report = (
        Runner(saver, live_context(live_config(small_model)))
        .start(SMOES, QUESTION, thread_id="mute", max_revisions=0)
        .report
    )
    assert report.claims == [] and report.rejected_claims == []
    extractor = [f for f in report.fallbacks if f.role == "extractor"]
    assert len(extractor) == 1 and re.fullmatch(
        r"the model proposed no claim from the \d+ passages? it was shown", extractor[0].reason
    )
    markdown = to_markdown(report)
    assert f"- The extractor model grounded nothing in round 0: {extractor[0].reason}." in markdown
    assert "Nothing is claimed: the extractor model grounded nothing" in " ".join(report.uncertainties)
    assert "cleared the relevance model's threshold" not in " ".join(report.uncertainties)  # it is not the corpus
    assert "No claim stands: the extractor model grounded nothing" in markdown
