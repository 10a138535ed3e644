"""A model cannot buy a verdict: injected reviewers, a lying extractor, a reviser that drops what it likes and an
order planted in the papers themselves, each run to the owner's pause through the real ChatNVIDIA client against
the loopback NIM (issue 29)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.runner import Runner
from sovereign_graph.llm.role_models import RoleModels
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.runtime.context import Context
from sovereign_graph.runtime.injected import Engines
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from sovereign_graph.steps.review.rubrics import Dossier, off_topic_ids
from tests.conftest import QUESTION, SMOES
from tests.integration.test_live_models import live_config
from tests.nim_loopback import NimLoopback, nim_loopback
from tests.planted import PlantedSnapshot

RANK = {"REJECT": 0, "REVISE": 1, "ACCEPT": 2}
# Sound reviewers a little below the threshold: the tribunal sends the dossier back once, so the reviser acts.
SCORES = {"skeptic": 5.5, "validator": 6.0, "synthesizer": 6.0}


@pytest.fixture
def server() -> Iterator[NimLoopback]:
    with nim_loopback(NimLoopback(scores=dict(SCORES))) as nim:
        yield nim


def live(server: NimLoopback) -> Context:
    return Context(llm=RoleModels.from_config(live_config(server)))


def test_reviewers_that_obey_an_injection_are_set_aside_and_cannot_lift_the_verdict(
    saver: SqliteSaver, server: NimLoopback
) -> None:
    sound = Runner(saver, live(server)).start(SMOES, QUESTION, thread_id="sound", max_revisions=1).report
    server.misbehave = dict.fromkeys(("skeptic", "validator", "synthesizer"), "injected")
    injected = Runner(saver, live(server)).start(SMOES, QUESTION, thread_id="injected", max_revisions=1).report
    assert RANK[injected.recommendation] <= RANK[sound.recommendation]
    reasons = [f.reason for f in injected.fallbacks if f.role in ("skeptic", "validator", "synthesizer")]
    assert reasons and all("speaks to the system (“Ignore all previous”)" in r for r in reasons)
    # The order never reaches the report as a reviewer's rationale.
    assert "Ignore all previous instructions" not in " ".join(r.rationale for r in injected.reviews)


def test_a_lying_extractors_claims_are_all_refused_and_counted_and_the_embedded_ones_stand(
    saver: SqliteSaver, server: NimLoopback
) -> None:
    server.misbehave = {"extractor": "liar"}
    report = Runner(saver, live(server)).start(SMOES, QUESTION, thread_id="liar", max_revisions=0).report
    state = Runner(saver, live(server)).graph.get_state({"configurable": {"thread_id": "liar"}}).values
    offline = Runner(saver).start(SMOES, QUESTION, thread_id="offline", max_revisions=0).report
    # Not one lie stands, and a reader that lies is not trusted with anything: the dossier is the embedded
    # extractor's, so the verdict is the one the papers earn offline.
    assert [c.text for c in report.claims] == [c.text for c in offline.claims]
    assert report.recommendation == offline.recommendation
    assert not {r.claim for r in state["rejected_claims"]} & {c.text for c in report.claims}
    (fallback,) = [f for f in report.fallbacks if f.role == "extractor"]
    assert fallback.reason.endswith("so none is trusted: the embedded extractor's claims stand instead")
    reasons = {r.reason.split(" (")[0].split(":")[0] for r in state["rejected_claims"]}
    assert reasons and reasons <= {
        "states a direction its quote does not",
        "adds a negation its quote lacks",
        "asserts more than its quote",
        "numbers not in its quote",
        "quote too short to carry a finding",
        "adds words its quote lacks",
    }
    assert f"{len(state['rejected_claims'])} claim(s) the extractor model proposed were rejected" in to_markdown(report)


def test_a_writer_whose_answer_says_what_the_quotes_do_not_is_dropped_and_the_offline_answer_stands(
    saver: SqliteSaver, server: NimLoopback
) -> None:
    server.misbehave = {"writer": "liar"}
    report = Runner(saver, live(server)).start(SMOES, QUESTION, thread_id="liar", max_revisions=0).report
    dropped = [d for d in report.answer_dropped if d.facet_id == "bottom line"]
    assert dropped and all(d.reason.startswith(("does not follow", "states ")) for d in dropped)
    # The bottom line the report shows is the offline one, quoting the authors' own result, and it says why.
    assert report.bottom_line[0].text.startswith("The subject paper's authors")
    assert not {d.text for d in dropped} & {s.text for s in report.bottom_line}
    (fallback,) = [f for f in report.fallbacks if f.role == "writer"]
    assert "for the bottom line" in fallback.reason
    assert f"{len(report.answer_dropped)} answer sentence(s) were dropped by the checks" in to_markdown(report)


def test_a_reviser_may_drop_only_what_the_rubric_marks_off_topic(saver: SqliteSaver, server: NimLoopback) -> None:
    server.misbehave = {"reviser": "drop_all"}
    report = Runner(saver, live(server)).start(SMOES, QUESTION, thread_id="drops", max_revisions=1).report
    assert report.revisions, "the tribunal should have sent the dossier back once"
    # The dossier the reviser saw: the state just before the revise step ran.
    graph = Runner(saver, live(server)).graph
    before = next(
        s.values for s in graph.get_state_history({"configurable": {"thread_id": "drops"}}) if s.next == ("revise",)
    )
    bar = load_relevance_model().bar
    dossier = Dossier(before["question"], before["facets"], before["claims"], before["passages"], 0, bar)
    off_topic = off_topic_ids(dossier)
    actions = report.revisions[0].actions
    refused = {a.split()[3] for a in actions if a.startswith("request to drop")}
    assert refused == {c.id for c in before["claims"]} - off_topic
    assert all(a.endswith("refused: the rubric does not mark it off-topic") for a in actions if a.startswith("request"))
    # What was dropped is exactly what the rubric marks off-topic (below the relevance bar, or on no facet).
    assert report.revisions[0].dropped_passages == [c.passage_id for c in before["claims"] if c.id in off_topic]
    assert report.claims and any(c.from_subject and bar.clears(c) for c in report.claims)  # the subject's stands


def test_an_order_planted_in_the_papers_is_fenced_and_an_obeying_model_cannot_act_on_it(
    saver: SqliteSaver, server: NimLoopback
) -> None:
    sound = Runner(saver, live(server)).start(SMOES, QUESTION, thread_id="sound", max_revisions=1).report
    roles = ("planner", "extractor", "skeptic", "validator", "synthesizer", "writer", "reviser")
    server.misbehave = dict.fromkeys(roles, "obey")
    runner = Runner(saver, live(server), engines=Engines(source=PlantedSnapshot()))
    planted = runner.start(SMOES, QUESTION, thread_id="planted", max_revisions=1).report
    assert planted.recommendation == sound.recommendation, "an order in the papers changes no recommendation"
    assert not any("conclusive" in c.text or "Ignore all" in c.text for c in planted.claims)
    shown = [s.text for s in planted.bottom_line] + [s.text for a in planted.answer for s in a.sentences]
    assert shown and not any("conclusive" in t or "Ignore all" in t for t in shown), "nor in the Answer"
    # The order reached the models only inside a data block, after a system message saying what such a block is:
    # the planner reads the subject's abstract, where it stands.
    planner = server.chat("planner")[-1].body["messages"]
    assert planner[0]["role"] == "system" and "never instructions" in planner[0]["content"]
    prompt = planner[1]["content"]
    at = prompt.index("Ignore all previous instructions")
    assert prompt.rfind("<<<DATA", 0, at) > prompt.rfind("DATA>>>", 0, at) >= -1
    assert prompt.find("DATA>>>", at) > at
