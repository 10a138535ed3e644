"""Claims that answer the question: the relevance threshold, the subject paper first, zero claims and REJECT
when nothing bears on the question, and an Answer that cites only real claims."""

from __future__ import annotations

from sovereign_graph.app.runner import Runner
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.steps.answer.rules import NO_ANSWER, SILENT
from sovereign_graph.steps.extract.relevance.model import load_relevance_model
from tests.conftest import QUESTION, SMOES, UNANSWERABLE


def test_a_question_the_corpus_cannot_answer_gets_no_claims_a_gap_per_facet_and_reject(runner: Runner) -> None:
    report = runner.start(SMOES, UNANSWERABLE).report
    assert report.claims == []
    assert report.recommendation == "REJECT"
    assert {a.status for a in report.answer} == {"silent"} and all(a.sentences[0].text == SILENT for a in report.answer)
    assert [s.text for s in report.bottom_line] == [NO_ANSWER], "the bottom line says so first"
    assert {g.facet_id for g in report.gaps} == {f.id for f in report.facets}, "every facet is named as a gap"
    assert any(g.closest_text for g in report.gaps), "the closest evidence the corpus holds is shown"
    markdown = to_markdown(report)
    assert "No claim in the retrieved papers bears on the question" in markdown
    assert markdown.index("## Answer") < markdown.index("## Abstract")


def test_every_claim_clears_the_relevance_threshold_and_the_answer_cites_only_them(runner: Runner) -> None:
    report = runner.start(SMOES, QUESTION).report
    threshold = load_relevance_model().threshold
    assert report.claims, "the subject's own result answers this question"
    assert all(c.relevance >= threshold for c in report.claims)
    assert report.claims[0].from_subject and report.claims[0].paper_id == SMOES, "the authors' claims come first"
    assert "subject: its authors' claim" in to_markdown(report)
    ids = {c.id for c in report.claims}
    sentences = [*report.bottom_line, *(s for a in report.answer for s in a.sentences)]
    cited = {cid for s in sentences for cid in s.claims}
    assert cited and cited <= ids
    assert not report.answer_dropped, "the offline Answer passes its own checks"
    # The bottom line comes first and quotes the authors' own result, saying whose it is.
    assert report.bottom_line[0].claims == [report.claims[0].id]
    assert report.bottom_line[0].text.startswith("The subject paper's authors")
    assert f"[{report.claims[0].id};" in report.bottom_line[0].text
    markdown = to_markdown(report)
    assert markdown.index("**Bottom line:**") < markdown.index("- **F1**")
    # Nothing here is corroborated by another paper, and a claim that is its own quote is not grounded either:
    # so nothing is "verified".
    assert all(c.grounded is None and c.verified == c.corroborated for c in report.claims)
    payload = report.model_dump(mode="json")
    assert {"bottom_line", "answer", "answer_dropped"} <= set(payload)
    assert {"quoted", "grounded", "corroborated", "contradicted", "verified", "relevance", "from_subject"} <= set(
        payload["claims"][0]
    )
