"""The Answer's citation and number checks, and a "verified" that only a check that could fail can earn."""

from __future__ import annotations

from sovereign_graph.state import AnswerSentence, Claim, FacetAnswer, Passage
from sovereign_graph.steps.extract.relevance.model import RelevanceBar
from sovereign_graph.steps.plan.facets.grammar import split_facets
from sovereign_graph.steps.review.answer import SILENT, build_answer, check_answer
from sovereign_graph.steps.verify import tfidf
from sovereign_graph.steps.verify.verdict import settle

QUESTION = "Does visual token pruning reduce hallucination on POPE?"
FACETS = split_facets(QUESTION)
BAR = RelevanceBar(0.5)
PASSAGE = Passage(
    id="a#2", paper_id="a", text="Pruning 50% of visual tokens reduces hallucination on POPE by 3.1 points."
)


def _claim(cid: str = "C1", text: str = PASSAGE.text, relevance: float = 0.9, **update: object) -> Claim:
    claim = Claim(
        id=cid,
        text=text,
        quote=PASSAGE.text,
        paper_id="a",
        passage_id=PASSAGE.id,
        relevance=relevance,
        facets=[f.id for f in FACETS],
        coverage={f.id: 1.0 for f in FACETS},
    )
    return claim.model_copy(update=update)


def _draft(*sentences: AnswerSentence) -> list[FacetAnswer]:
    facet = FACETS[0]
    return [
        FacetAnswer(facet_id=facet.id, facet=facet.text, kind=facet.kind, status="answered", sentences=[*sentences])
    ]


def test_an_answer_sentence_must_cite_existing_on_topic_claims_and_state_only_their_numbers() -> None:
    claims = [_claim("C1"), _claim("C2", relevance=0.1)]
    drafts = _draft(
        AnswerSentence(text="Pruning half the visual tokens cut POPE hallucination by 3.1 points.", claims=["C1"]),
        AnswerSentence(text="It cuts hallucination by 7.5 points.", claims=["C1"]),
        AnswerSentence(text="Another paper agrees.", claims=["C9"]),
        AnswerSentence(text="An off-topic claim agrees.", claims=["C2"]),
        AnswerSentence(text="Everyone agrees.", claims=[]),
    )
    answers, dropped = check_answer(drafts, FACETS, claims, RelevanceBar(0.5))
    kept = answers[0].sentences
    assert [s.text for s in kept] == ["Pruning half the visual tokens cut POPE hallucination by 3.1 points."]
    assert sorted(d.reason.split(" ")[0] for d in dropped) == ["cites", "cites", "cites", "states"]
    assert any("7.5" in d.reason for d in dropped), "a number no cited quote states is named in the reason"
    # Every facet is answered once, in order; one without a surviving sentence says the literature is silent.
    assert [a.facet_id for a in answers] == [f.id for f in FACETS]
    assert all(a.sentences[0].text == SILENT for a in answers[1:])


def test_the_offline_answer_cites_the_claims_and_passes_its_own_checks() -> None:
    claims = settle([_claim("C1"), _claim("C2", relevance=0.1)], [PASSAGE])
    answers, dropped = check_answer(build_answer(FACETS, claims, BAR), FACETS, claims, BAR)
    assert not dropped
    assert answers[0].status == "answered"
    assert answers[0].sentences[0].claims == ["C1"], "the off-topic C2 is never cited"
    assert "not verified" in answers[0].sentences[0].text


def test_nothing_relevant_means_every_facet_is_silent() -> None:
    answers, _ = check_answer(build_answer(FACETS, [_claim(relevance=0.1)], BAR), FACETS, [_claim(relevance=0.1)], BAR)
    assert {a.status for a in answers} == {"silent"}


def test_a_claim_that_is_its_own_quote_is_not_verified_by_comparing_it_with_itself() -> None:
    (own,) = settle([_claim(grounding_label="SUPPORT", label="NOT_ENOUGH_INFO")], [PASSAGE])
    assert own.quoted
    assert own.grounded is None
    assert not own.verified, "grounding a quote against itself cannot fail, so it verifies nothing"
    (corroborated,) = settle([_claim(label="SUPPORT")], [PASSAGE])
    assert corroborated.corroborated and corroborated.verified
    (contradicted,) = settle(
        [_claim(text="Pruning increases hallucination.", grounding_label="SUPPORT", label="CONTRADICT")], [PASSAGE]
    )
    assert contradicted.grounded is True and contradicted.contradicted and not contradicted.verified


def test_a_paraphrased_claim_is_grounded_against_its_quote_and_can_fail() -> None:
    other = Passage(id="b#0", paper_id="b", text="Token merging improves throughput on video benchmarks.")
    faithful = _claim(text="Pruning 50% of visual tokens reduces POPE hallucination by 3.1 points.")
    invented = _claim(text="Quantized experts double throughput on video benchmarks.")
    graded = tfidf.verify_claims([faithful, invented], [PASSAGE, other])
    assert graded[0].grounding is not None and graded[0].grounded is True
    assert graded[1].grounded is False, "a claim its quote does not say fails grounding"
    (quoted_elsewhere,) = settle([_claim(passage_id="b#0")], [PASSAGE, other])
    assert not quoted_elsewhere.quoted, "a quote not in the passage it names is not quoted"


def test_a_subject_claim_extracted_at_the_lower_bar_is_on_topic_for_the_answer_and_the_rubrics() -> None:
    from sovereign_graph.steps.review.rubrics import Dossier, skeptic

    bar = RelevanceBar(0.5, subject_threshold=0.25)
    own = _claim(relevance=0.3, from_subject=True)
    other = _claim("C2", relevance=0.3)
    answers, dropped = check_answer(build_answer(FACETS, [own, other], bar), FACETS, [own, other], bar)
    assert not dropped and answers[0].sentences[0].claims == ["C1"], "the authors' claim answers; C2 is below its bar"
    dossier = Dossier("q", FACETS, [own, other], [PASSAGE], 0, bar)
    assert dossier.on_topic(own) and not dossier.on_topic(other)
    assert [o.target for o in skeptic(dossier).objections if o.kind == "off_topic"] == ["C2"]
