"""The trained verifier: the shipped model loads, is deterministic, and hears direction and negation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sovereign_graph.errors import InputError
from sovereign_graph.state import Claim, Passage
from sovereign_graph.steps.verify.features import (
    DOC_FEATURES,
    LABEL_FEATURES,
    SentenceIndex,
    TextRep,
    doc_features,
    governed_terms,
    label_features,
    sentence_features,
)
from sovereign_graph.steps.verify.model import FORMAT, VerifierModel, load_model
from sovereign_graph.steps.verify.trained import verify_claims

CLAIM = "Aspirin increases the risk of gastrointestinal bleeding in elderly patients."
AGREES = "In 2,000 elderly patients, aspirin increased the risk of gastrointestinal bleeding (odds ratio 1.8)."
FLIPS_DIRECTION = "In 2,000 elderly patients, aspirin decreased the risk of gastrointestinal bleeding (odds ratio 0.6)."
NEGATED_CLAIM = "Aspirin does not increase the risk of gastrointestinal bleeding in elderly patients."
OFF_TOPIC = "Graphene transistors switch at terahertz frequencies at room temperature."
FILLER = [
    "Gastrointestinal bleeding is a common cause of hospital admission in older adults.",
    "We conducted a randomised controlled trial across twelve hospitals.",
    "Patients were followed for three years after enrolment.",
]


def _index(*texts: str) -> SentenceIndex:
    # Each document: filler sentences then the one that decides; the vocabulary is fitted on them all.
    return SentenceIndex([[*FILLER, text] for text in texts])


def test_the_shipped_model_loads_with_its_cross_validated_figures() -> None:
    model = load_model()
    assert 0 <= model.sentence_threshold < 1 and 0 < model.decision_threshold < 1 and model.max_evidence >= 1
    cv = model.info["cv"]
    assert cv["folds"] == 5 and 0 < cv["abstract_label_only_f1"] <= 1 and 0 <= cv["ece"] <= 1


def test_the_model_survives_a_json_round_trip_and_judges_deterministically() -> None:
    model = load_model()
    again = VerifierModel.from_json(model.to_json())
    index = _index(AGREES, FLIPS_DIRECTION, OFF_TOPIC)
    (claim,) = index.represent([CLAIM])
    assert model.judge(index, claim, [0, 1, 2]) == again.judge(index, claim, [0, 1, 2])


def test_direction_and_negation_move_probability_from_support_to_contradict() -> None:
    model = load_model()
    index = _index(AGREES, FLIPS_DIRECTION, OFF_TOPIC)
    claim, negated_claim = index.represent([CLAIM, NEGATED_CLAIM])
    agrees, flips, off_topic = model.judge(index, claim, [0, 1, 2])
    (negated,) = model.judge(index, negated_claim, [0])
    assert agrees.label == "SUPPORT" and agrees.support > agrees.contradict
    assert agrees.rationale[0] == len(FILLER), "the deciding sentence is chosen as the rationale"
    # The stance (CONTRADICT vs SUPPORT, given evidence) turns round though the wording barely changes:
    # the passage reports the opposite direction, or the claim denies what the passage reports.
    for contrary in (flips, negated):
        assert contrary.contradict / contrary.evidence > agrees.contradict / agrees.evidence
        assert contrary.contradict > contrary.support
        assert contrary.label != "SUPPORT"
    assert off_topic.label == "NOT_ENOUGH_INFO"
    for verdict in (agrees, flips, negated, off_topic):
        assert verdict.support + verdict.contradict + verdict.not_enough_info == pytest.approx(1.0)


def test_a_verb_governing_a_shared_term_sets_its_direction() -> None:
    # SciFact's contradicting claims often swap the verb in front of the outcome: the stance compares the
    # direction each text puts on the terms they share, not direction words counted over a whole sentence.
    encourage = governed_terms("Antibodies encourage castration resistance.")
    delay = governed_terms("The antibodies markedly delayed castration resistance.")
    assert encourage.keys() == delay.keys() and len(encourage) == 2
    assert set(encourage.values()) == {1} and set(delay.values()) == {-1}
    assert list(governed_terms("Treatment did not reduce mortality.").values()) == [1], "a negated decrease points up"
    index = SentenceIndex([["The antibodies markedly delayed castration resistance in mice."]])
    encourages, delays = index.represent(["Antibodies encourage castration resistance.", "Antibodies delay it."])
    names = ("governed_agree", "governed_conflict")

    def counts(claim: TextRep) -> tuple[float, ...]:
        row = label_features(index, claim, np.array([0]))
        return tuple(float(row[LABEL_FEATURES.index(n)]) for n in names)

    assert counts(encourages) == (0.0, 2.0)
    assert counts(delays) == (0.0, 0.0), "no shared term carries a direction in both"


def test_relative_bm25_ranks_documents_against_the_best_one() -> None:
    index = _index(AGREES, FLIPS_DIRECTION, OFF_TOPIC)
    (claim,) = index.represent([CLAIM])
    assert claim.bm25.max() == pytest.approx(1.0) and claim.bm25[2] < 0.5
    assert 0 <= claim.bm25_margin < 0.2, "two near-copies: the best barely stands out"
    (lonely,) = SentenceIndex([[AGREES], [OFF_TOPIC]]).represent([CLAIM])
    assert lonely.bm25_margin > 0.8


def test_evidence_features_see_missing_numbers_and_how_far_a_candidate_leads() -> None:
    index = _index(AGREES, "Aspirin increased the risk of gastrointestinal bleeding in elderly patients.", OFF_TOPIC)
    (claim,) = index.represent(["In 2,000 elderly patients aspirin increases gastrointestinal bleeding."])
    block = sentence_features(index, claim, [0, 1, 2])
    rows = doc_features(index, claim, block, np.zeros(len(block.rows)))

    def column(name: str) -> list[float]:
        return [round(float(v), 4) for v in rows[:, DOC_FEATURES.index(name)]]

    assert column("claim_numbers_missing_from_abstract") == [0.0, 1.0, 1.0], "only the first states 2,000"
    lead = column("doc_cos_lead")
    assert lead[0] > 0 and lead[1] < 0 and lead[2] < lead[1], "only the best candidate leads the others"
    assert lead[0] == pytest.approx(-lead[1], abs=1e-4), "the best leads the runner-up by what it trails by"


def test_a_model_file_of_another_format_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"format": "something-else/9"}))
    with pytest.raises(InputError, match=f"not a model in format {FORMAT}"):
        load_model(path)
    path.write_text("{not json")
    with pytest.raises(InputError, match="not a verifier model"):
        load_model(path)


def _passage(pid: str, paper: str, text: str) -> Passage:
    return Passage(id=pid, paper_id=paper, text=text)


def _claim(cid: str, passage: Passage, text: str | None = None) -> Claim:
    return Claim(
        id=cid, text=text or passage.text, quote=passage.text, paper_id=passage.paper_id, passage_id=passage.id
    )


def test_pipeline_grades_grounding_and_corroboration_with_labels_and_evidence() -> None:
    own = _passage("a#3", "a", CLAIM)
    passages = [
        *[_passage(f"a#{i}", "a", t) for i, t in enumerate(FILLER)],
        own,
        *[_passage(f"b#{i}", "b", t) for i, t in enumerate(FILLER)],
        _passage("b#3", "b", AGREES),
        *[_passage(f"c#{i}", "c", t) for i, t in enumerate(FILLER)],
        _passage("c#3", "c", FLIPS_DIRECTION),
        _passage("d#0", "d", OFF_TOPIC),
    ]
    faithful = _claim("C1", own)
    distorted = _claim("C2", own, text="Aspirin decreases the risk of gastrointestinal bleeding in elderly patients.")
    checked = verify_claims([faithful, distorted], passages, load_model())
    first, second = checked
    threshold = load_model().decision_threshold

    # The faithful claim is its own quote: grounding it could not fail, so it is not run; corroboration verifies it.
    assert first.grounding is None and first.grounded is None
    assert first.label == "SUPPORT" and first.corroborated and first.verified
    assert 0 < first.confidence <= 1
    assert first.evidence[0].passage_id == "b#3" and first.evidence[0].label == "SUPPORT"
    assert {e.passage_id for e in first.evidence} >= {"b#3", "c#3"}, "the contradicting paper is listed too"
    assert next(e for e in first.evidence if e.passage_id == "c#3").label != "SUPPORT"
    assert all(e.paper_id != "a" for c in checked for e in c.evidence), "corroboration comes from other papers"

    assert second.grounding is not None and second.grounding < threshold
    assert second.grounding_label != "SUPPORT" and second.grounded is False, "a claim its own quote contradicts"
    assert not second.verified


def test_a_claim_quoting_a_passage_that_does_not_say_it_is_not_grounded() -> None:
    # The extractor pinned the claim on the wrong sentence of its paper: the paper supports the claim, but
    # not through the quoted passage, so the claim is not grounded in its quote.
    passages = [*[_passage(f"a#{i}", "a", t) for i, t in enumerate(FILLER)], _passage("a#3", "a", AGREES)]
    misquoted = Claim(id="C1", text=CLAIM, quote=FILLER[1], paper_id="a", passage_id="a#1")
    faithful = Claim(id="C2", text=CLAIM, quote=AGREES, paper_id="a", passage_id="a#3")
    wrong, right = verify_claims([misquoted, faithful], passages, load_model())
    assert right.grounding_label == "SUPPORT" and right.verified
    assert wrong.grounding_label == "NOT_ENOUGH_INFO" and not wrong.verified
