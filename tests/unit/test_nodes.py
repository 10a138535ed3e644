"""Each node's behaviour on real inputs from the bundled snapshot."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from sovereign_graph.evaluation.questions import indexed_state
from sovereign_graph.runtime.context import Context
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Revision, merge_hits
from sovereign_graph.steps.extract.node import extract
from sovereign_graph.steps.plan.facets.grammar import split_facets
from sovereign_graph.steps.plan.rules import plan_queries
from sovereign_graph.steps.policy.node import policy
from sovereign_graph.steps.review.node import reviewer
from sovereign_graph.steps.search.node import fan_out_search
from sovereign_graph.steps.tribunal.node import after_tribunal, tribunal
from sovereign_graph.steps.verify.node import verify
from sovereign_graph.text.prose import stems
from tests.conftest import QUESTION, SMOES

RUNTIME: Any = SimpleNamespace(context=Context())


@pytest.fixture(scope="module")
def dossier() -> dict[str, Any]:
    """The state after plan -> search -> index -> extract -> verify, built node by node."""
    state = indexed_state(SMOES, QUESTION, Context())
    state.update(extract(state, RUNTIME))  # type: ignore[arg-type]
    state.update(verify(state, RUNTIME))  # type: ignore[arg-type]
    return state


def test_plan_resolves_the_subject_and_writes_four_distinct_queries(dossier: dict[str, Any]) -> None:
    assert dossier["subject"].id == SMOES
    queries = [q.text for q in dossier["queries"]]
    assert len(queries) == 4
    assert len({frozenset(stems(q)) for q in queries}) == 4
    question_stems = stems(QUESTION)
    assert all(stems(q) & question_stems for q in queries), "every query carries words of the question"


def test_facets_are_the_questions_key_phrases() -> None:
    facets = split_facets(QUESTION)
    texts = [f.text for f in facets]
    assert "accuracy and efficiency" in texts
    assert "modality-agnostic routing" in texts
    assert all(f.terms for f in facets)


def test_planner_fills_four_queries_even_for_a_one_facet_question() -> None:
    paper = bundled_snapshot().get(SMOES)
    assert paper is not None
    facets = split_facets("Is routing stable?")
    assert len(plan_queries("Is routing stable?", paper, facets)) == 4


def test_search_fans_out_one_branch_per_query(dossier: dict[str, Any]) -> None:
    sends = fan_out_search(dossier)  # type: ignore[arg-type]
    assert [s.node for s in sends] == ["search"] * 4
    assert [s.arg["query"] for s in sends] == dossier["round_queries"]


def test_search_results_are_merged_deduplicated_and_relevance_sorted(dossier: dict[str, Any]) -> None:
    hits = dossier["hits"]
    ids = [h.paper.id for h in hits]
    assert len(ids) == len(set(ids))
    assert ids[0] == SMOES
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any(len(h.queries) > 1 for h in hits), "a paper found by two queries keeps both"


def test_merge_hits_keeps_best_score_and_every_query() -> None:
    paper = bundled_snapshot().get(SMOES)
    assert paper is not None
    from sovereign_graph.state import SearchHit

    merged = merge_hits(
        [SearchHit(paper=paper, score=0.2, queries=["a"])],
        [SearchHit(paper=paper, score=0.5, queries=["b"]), SearchHit(paper=paper, score=0.1, queries=["a"])],
    )
    assert len(merged) == 1
    assert merged[0].score == 0.5
    assert merged[0].queries == ["a", "b"]


def test_index_splits_papers_into_verbatim_sentence_passages(dossier: dict[str, Any]) -> None:
    abstracts = {h.paper.id: h.paper.abstract for h in dossier["hits"]}
    passages = dossier["passages"]
    assert passages
    assert all(p.text in abstracts[p.paper_id] for p in passages)
    assert any(p.relevance > 0.3 for p in passages), "relevance comes from the embeddings"


def test_extracted_claims_quote_their_passage_verbatim(dossier: dict[str, Any]) -> None:
    passages = {p.id: p for p in dossier["passages"]}
    claims = dossier["claims"]
    assert 0 < len(claims) <= Context().max_claims
    for claim in claims:
        assert claim.quote in passages[claim.passage_id].text
        assert passages[claim.passage_id].paper_id == claim.paper_id
    per_paper = [c.paper_id for c in claims]
    assert max(per_paper.count(p) for p in per_paper) <= Context().max_claims_per_paper


def test_extract_skips_background_sentences(dossier: dict[str, Any]) -> None:
    quotes = [c.quote for c in dossier["claims"]]
    assert not any(q.startswith("Mixture-of-Experts (MoE) has become a prevalent backbone") for q in quotes)


def test_verify_grades_every_claim_with_evidence_from_other_papers(dossier: dict[str, Any]) -> None:
    from sovereign_graph.steps.verify.model import load_model

    threshold = load_model().decision_threshold
    for claim in dossier["claims"]:
        # The offline extractor's claim is its quote: grounding it against itself could not fail, so it is not run.
        assert claim.quoted
        assert claim.grounding is None and claim.grounded is None
        assert 0 < claim.confidence <= 1
        assert claim.evidence, "the closest passages of other papers are listed, each with its label"
        assert all(e.paper_id != claim.paper_id for e in claim.evidence)
        best = claim.evidence[0]
        assert best.label == claim.label and best.score == claim.confidence
        assert claim.corroborated == (claim.label == "SUPPORT") and claim.contradicted == (claim.label == "CONTRADICT")
        assert claim.verified == (claim.corroborated and not claim.contradicted), "only corroboration could fail"
        if claim.label != "NOT_ENOUGH_INFO":
            assert claim.confidence >= threshold
    assert "trained verifier" in dossier["method"]["verify"]


def test_the_seed_verifier_stays_selectable(dossier: dict[str, Any]) -> None:
    runtime: Any = SimpleNamespace(context=Context(verifier="tfidf"))
    seeded = verify(dossier, runtime)  # type: ignore[arg-type]
    assert seeded["method"]["verify"].startswith("seed method 'tfidf'")
    for claim in seeded["claims"]:
        assert claim.verified == (claim.label == "SUPPORT")
        assert claim.label in ("SUPPORT", "NOT_ENOUGH_INFO"), "the seed method cannot see contradiction"
        if claim.verified:
            assert claim.evidence[0].score >= 0.15


def test_reviewers_score_and_object_by_claim_or_facet_id(dossier: dict[str, Any]) -> None:
    reviews = [
        reviewer(role)(dossier, runtime=RUNTIME)["reviews"][0]  # type: ignore[arg-type]
        for role in ("SKEPTIC", "VALIDATOR", "SYNTHESIZER")
    ]
    claim_ids = {c.id for c in dossier["claims"]}
    facet_ids = {f.id for f in dossier["facets"]}
    for review in reviews:
        assert 0 <= review.score <= 10
        assert review.rationale
        assert all(o.target in claim_ids | facet_ids | {"dossier"} for o in review.objections)
    state = {**dossier, "reviews": reviews, "round": 0}
    score = tribunal(state)["score"]  # type: ignore[arg-type]
    assert score == round(sum(r.score for r in reviews) / 3, 1)


def test_tribunal_routes_to_revision_only_below_threshold_with_a_round_left(dossier: dict[str, Any]) -> None:
    base = {**dossier, "max_revisions": 1, "revisions": []}
    assert after_tribunal({**base, "score": 6.4}, RUNTIME) == "revise"  # type: ignore[arg-type]
    assert after_tribunal({**base, "score": 6.5}, RUNTIME) == "answer"  # type: ignore[arg-type]
    used = [Revision(round=1, trigger="tribunal", actions=["x"], new_queries=["q"])]
    assert after_tribunal({**base, "score": 1.0, "revisions": used}, RUNTIME) == "answer"  # type: ignore[arg-type]


def test_policy_recommends_from_the_score(dossier: dict[str, Any]) -> None:
    claims = [c.model_copy(update={"verified": True, "label": "SUPPORT"}) for c in dossier["claims"]]
    assert policy({"score": 8.0, "claims": claims}, RUNTIME)["recommendation"] == "ACCEPT"  # type: ignore[arg-type]
    assert policy({"score": 5.0, "claims": claims}, RUNTIME)["recommendation"] == "REVISE"  # type: ignore[arg-type]
    assert policy({"score": 3.0, "claims": claims}, RUNTIME)["recommendation"] == "REJECT"  # type: ignore[arg-type]
    assert policy({"score": 9.0, "claims": []}, RUNTIME)["recommendation"] == "REJECT"  # type: ignore[arg-type]


def test_report_blames_the_seed_method_only_when_it_ran(dossier: dict[str, Any]) -> None:
    from sovereign_graph.report.model import uncertainties

    note = "Verification used the seed TF-IDF method"
    assert not any(n.startswith(note) for n in uncertainties(dossier))
    seeded = {**dossier, "method": {**dossier["method"], "verify": "seed method 'tfidf': ..."}}
    assert any(n.startswith(note) for n in uncertainties(seeded))
