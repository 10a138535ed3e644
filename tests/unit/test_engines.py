"""The offline engines on small hand-made dossiers, where the right answer is known."""

from __future__ import annotations

from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Claim, Objection, Passage
from sovereign_graph.steps.extract.findings import finding_strength
from sovereign_graph.steps.extract.relevance.model import RelevanceBar, load_relevance_model
from sovereign_graph.steps.extract.rules import ScoredCandidate, extract_claims, score_candidates
from sovereign_graph.steps.plan.facets.grammar import split_facets
from sovereign_graph.steps.review.rubrics import Dossier, skeptic, synthesizer, validator
from sovereign_graph.steps.revise.rules import plan_revision
from sovereign_graph.steps.verify.tfidf import verify_claims
from sovereign_graph.text.prose import sentences

FACETS = split_facets("Does expert routing improve robustness to adversarial perturbations?")


def _passage(pid: str, paper: str, text: str, relevance: float = 0.5) -> Passage:
    return Passage(id=pid, paper_id=paper, text=text, relevance=relevance)


def test_sentences_keep_abbreviations_and_decimals_and_are_verbatim() -> None:
    text = "We use e.g. top-1 routing. Accuracy rose 0.9% vs. the baseline. Et al. agree."
    parts = sentences(text)
    assert parts == ["We use e.g. top-1 routing.", "Accuracy rose 0.9% vs. the baseline.", "Et al. agree."]
    assert all(p in text for p in parts)


def test_findings_outrank_background() -> None:
    assert finding_strength("Our router improves robustness by 4.2% over top-1 routing.") > 0.5
    assert finding_strength("Mixture-of-Experts has become a prevalent backbone for VLMs.") == 0


def _scored(passages: list[Passage], *probabilities: float) -> list[ScoredCandidate]:
    return [ScoredCandidate(p, probability) for p, probability in zip(passages, probabilities, strict=True)]


def test_extractor_keeps_candidates_over_the_threshold_drops_near_duplicates_and_excluded_passages() -> None:
    passages = [
        _passage("a#0", "a", "Expert routing improves robustness to adversarial perturbations by 3%."),
        _passage("b#0", "b", "Expert routing improves robustness to adversarial perturbations by 3% too."),
        _passage("c#0", "c", "Expert routing reduces robustness under adversarial perturbations in our tests."),
        _passage("d#0", "d", "Expert routing lowers robustness to adversarial perturbations on small models."),
    ]
    threshold = load_relevance_model().threshold
    scored = _scored(passages, 0.9, 0.8, threshold, threshold - 0.01)
    claims = extract_claims(passages, FACETS, max_claims=8, max_per_paper=3, scored=scored)
    assert [c.passage_id for c in claims] == ["a#0", "c#0"], "b#0 repeats a#0; d#0 is just under the threshold"
    assert [c.relevance for c in claims] == [0.9, round(threshold, 4)]
    assert "a#0" not in {
        c.passage.id for c in score_candidates(passages, FACETS, question="q", subject_id=None, excluded={"a#0"})
    }


def test_extractor_ignores_findings_on_another_outcome_however_relevant_they_look() -> None:
    passages = [_passage("a#0", "a", "Our tokenizer is 2x faster on GPUs than byte-pair encoding.")]
    assert extract_claims(passages, FACETS, max_claims=8, max_per_paper=3, scored=_scored(passages, 0.99)) == []


def _claim(cid: str, passage: Passage, facets: list[str]) -> Claim:
    return Claim(
        id=cid,
        text=passage.text,
        quote=passage.text,
        paper_id=passage.paper_id,
        passage_id=passage.id,
        facets=facets,
    )


def test_seed_verifier_supports_a_claim_echoed_by_another_paper_and_not_an_isolated_one() -> None:
    echoed = _passage("a#0", "a", "Sparse expert routing improves adversarial robustness of vision models.")
    echo = _passage("b#0", "b", "We confirm that sparse expert routing improves adversarial robustness.")
    lonely = _passage("c#0", "c", "Quantum annealing schedules converge in polynomial time.")
    passages = [echoed, echo, lonely]
    verified = verify_claims([_claim("C1", echoed, ["F1"]), _claim("C2", lonely, [])], passages, 0.15)
    assert verified[0].verified and verified[0].label == "SUPPORT"
    assert verified[0].evidence[0].passage_id == "b#0"
    assert not verified[1].verified and verified[1].label == "NOT_ENOUGH_INFO"


def _dossier(claims: list[Claim], passages: list[Passage]) -> Dossier:
    return Dossier(question="q", facets=FACETS, claims=claims, passages=passages, round=0, relevance=RelevanceBar(0.5))


def test_rubrics_reward_a_verified_diverse_on_topic_dossier_over_a_weak_one() -> None:
    p1 = _passage("a#0", "a", "Expert routing improves robustness by 3%.")
    p2 = _passage("b#0", "b", "Adversarial perturbations degrade routing by 5%.")
    corroborated = {"verified": True, "corroborated": True, "label": "SUPPORT", "confidence": 0.9, "relevance": 0.9}
    strong = [
        _claim("C1", p1, [f.id for f in FACETS]).model_copy(update=corroborated),
        _claim("C2", p2, [f.id for f in FACETS]).model_copy(update=corroborated),
    ]
    weak = [_claim("C1", p1, []).model_copy(update={"relevance": 0.1})]
    for rubric in (skeptic, validator, synthesizer):
        assert rubric(_dossier(strong, [p1, p2])).score > rubric(_dossier(weak, [p1, p2])).score
    assert {(o.target, o.kind) for o in skeptic(_dossier(weak, [p1])).objections} >= {("C1", "off_topic")}
    lonely = [c.model_copy(update={"relevance": 0.9}) for c in weak]
    assert {(o.target, o.kind) for o in skeptic(_dossier(lonely, [p1])).objections} >= {
        ("C1", "uncorroborated"),
        ("dossier", "single_source"),
    }
    uncovered = {o.target for o in synthesizer(_dossier(weak, [p1])).objections if o.kind == "uncovered_facet"}
    assert uncovered == {f.id for f in FACETS}


def test_validator_catches_a_distorted_quote_and_invented_numbers() -> None:
    passage = _passage("a#0", "a", "Expert routing improves robustness by 3%.")
    distorted = Claim(
        id="C1",
        text="Expert routing improves robustness by 30%.",
        quote="improves robustness by 30%",
        paper_id="a",
        passage_id="a#0",
        grounding=0.9,
    )
    kinds = {o.kind for o in validator(_dossier([distorted], [passage])).objections}
    assert {"quote_not_found"} <= kinds
    invented = distorted.model_copy(update={"quote": "Expert routing improves robustness by 3%."})
    assert "numbers_mismatch" in {o.kind for o in validator(_dossier([invented], [passage])).objections}


def test_an_empty_dossier_scores_zero() -> None:
    assert skeptic(_dossier([], [])).score == 0
    assert synthesizer(_dossier([], [])).objections


def test_reviser_turns_objections_into_actions() -> None:
    paper = bundled_snapshot().get("2604.23996")
    assert paper is not None
    passage = _passage("a#0", "a", "x")
    claims = [_claim("C1", passage, [])]
    objections = [
        Objection(target=FACETS[0].id, kind="uncovered_facet", message="m"),
        Objection(target="C1", kind="off_topic", message="m"),
    ]
    revision, queries, facets = plan_revision(
        round_number=1, paper=paper, facets=FACETS, claims=claims, objections=objections, previous_queries=[]
    )
    assert queries and FACETS[0].text in queries[0].text
    assert revision.dropped_passages == ["a#0"]
    assert revision.trigger == "tribunal" and facets == FACETS


def test_reviser_always_changes_something_and_takes_the_owners_note() -> None:
    paper = bundled_snapshot().get("2604.23996")
    assert paper is not None
    revision, queries, facets = plan_revision(
        round_number=1,
        paper=paper,
        facets=FACETS,
        claims=[],
        objections=[],
        previous_queries=[],
        owner_note="check MMMU accuracy",
    )
    assert revision.trigger == "owner" and revision.note == "check MMMU accuracy"
    assert len(facets) > len(FACETS) and any("MMMU" in f.text for f in facets)
    assert any("MMMU" in q.text for q in queries)
    revision, queries, _ = plan_revision(
        round_number=1, paper=paper, facets=FACETS, claims=[], objections=[], previous_queries=[]
    )
    assert queries, "with nothing to chase the round still searches more broadly"


def test_validator_flags_a_verified_claim_on_a_weak_grounding_not_on_its_corroboration() -> None:
    passage = _passage("a#0", "a", "Expert routing improves robustness by 3%.")
    claim = _claim("C1", passage, ["F1"])
    paraphrase = {"verified": True, "grounded": True, "relevance": 0.9}
    weakly_grounded = claim.model_copy(update={**paraphrase, "grounding": 0.3, "confidence": 0.9})
    uncorroborated = claim.model_copy(update={**paraphrase, "grounding": 0.9, "confidence": 0.2})
    assert "weak_verdict" in {o.kind for o in validator(_dossier([weakly_grounded], [passage])).objections}
    assert "weak_verdict" not in {o.kind for o in validator(_dossier([uncorroborated], [passage])).objections}


def test_the_subject_papers_best_finding_needs_only_the_lower_bar_and_comes_first() -> None:
    model = load_relevance_model()
    between = (model.subject_threshold + model.threshold) / 2
    passages = [
        _passage("other#0", "other", "Expert routing improves robustness to adversarial perturbations by 3%."),
        _passage("own#0", "own", "Our expert routing raises robustness to adversarial perturbations by 5%."),
        _passage("own#1", "own", "Expert routing also lowers robustness to adversarial perturbations on one task."),
    ]
    scored = _scored(passages, between, between, between - 0.01)
    claims = extract_claims(passages, FACETS, max_claims=8, max_per_paper=3, subject_id="own", scored=scored)
    assert model.subject_threshold < model.threshold
    assert [c.passage_id for c in claims] == ["own#0"], "only the subject's best candidate gets the lower bar"
    assert claims[0].from_subject
