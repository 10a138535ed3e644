"""Facet splitting, the off-topic filter and the evidence-gap wording, on the seed reports' questions."""

from __future__ import annotations

import pytest

from sovereign_graph.app.runner import Runner
from sovereign_graph.sources.snapshot import bundled_snapshot
from sovereign_graph.state import Passage
from sovereign_graph.steps.extract.relevance.model import RelevanceBar
from sovereign_graph.steps.extract.rules import ScoredCandidate, evidence_gaps, extract_claims
from sovereign_graph.steps.plan.facets.grammar import note_facets, split_facets
from sovereign_graph.steps.review.rubrics import Dossier, skeptic
from sovereign_graph.steps.revise.rules import plan_revision
from tests.conftest import QUESTION, SMOES

SEED_000 = (
    "Does increasing the number of experts in SMOES improve robustness to cloaking-style adversarial "
    "perturbations on MMMU accuracy compared to fixed top-1 routing in modality-agnostic MoE?"
)
SEED_002 = (
    "What is the accuracy difference on Winoground between SMOES and modality-agnostic MoE-VLMs when using "
    "top-1 versus top-4 routing under a fixed 64-expert configuration?"
)
SEED_003 = (
    "How does the inference throughput and FLOPs efficiency of SMOE with dynamic routing signatures compare "
    "against modality-agnostic fixed-ratio MoE baselines on SNLI-VE when evaluated under batch-size and latency "
    "constraints?"
)


def _kinds(question: str) -> dict[str, str]:
    return {f.text: f.kind for f in split_facets(question, subject_names=("SMoES",))}


def test_seed_000_splits_into_intervention_outcome_benchmark_comparison() -> None:
    assert _kinds(SEED_000) == {
        "increasing the number of experts in SMOES": "intervention",
        "robustness to cloaking-style adversarial perturbations": "outcome",
        "MMMU": "benchmark",
        "accuracy": "outcome",
        "fixed top-1 routing in modality-agnostic MoE": "comparison",
    }


def test_seed_002_keeps_versus_together_and_finds_the_benchmark() -> None:
    kinds = _kinds(SEED_002)
    assert kinds["accuracy difference"] == "outcome"
    assert kinds["SMOES"] == "intervention" and kinds["modality-agnostic MoE-VLMs"] == "comparison"
    assert kinds["Winoground"] == "benchmark"
    assert kinds["top-1 versus top-4 routing"] == "comparison"


def test_seed_003_metric_of_method_question() -> None:
    facets = split_facets(SEED_003, subject_names=("SMoE",))
    outcome = next(f for f in facets if f.kind == "outcome")
    assert outcome.text == "inference throughput and FLOPs efficiency"
    assert set(outcome.heads) == {"throughput", "flop", "efficiency"}
    assert next(f for f in facets if f.kind == "benchmark").heads == ["snli-ve"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        (
            "Does dynamic expert skipping in MoE multimodal LLMs preserve accuracy better than skipping methods "
            "designed for unimodal LLMs?",
            {
                "dynamic expert skipping in MoE multimodal LLMs": "intervention",
                "accuracy": "outcome",
                "skipping methods designed for unimodal LLMs": "comparison",
            },
        ),
        (
            "Under a fixed frame budget, does query-aware frame selection beat uniform frame sampling for long-video "
            "question answering on MLVU?",
            {
                "query-aware frame selection": "intervention",
                "uniform frame sampling": "comparison",
                "long-video question answering": "outcome",
                "MLVU": "benchmark",
                "fixed frame budget": "condition",
            },
        ),
        (
            "Can expert merging reduce memory without hurting accuracy on MMLU?",
            {"expert merging": "intervention", "memory": "outcome", "accuracy": "outcome", "MMLU": "benchmark"},
        ),
        (
            "What accuracy does a fine-tuned LLaMA 3.2 11B Vision reach on e-SNLI-VE, and how does it compare with "
            "OFA-X?",
            {
                "accuracy": "outcome",
                "fine-tuned LLaMA 3.2 11B Vision": "intervention",
                "e-SNLI-VE": "benchmark",
                "OFA-X": "comparison",
            },
        ),
    ],
)
def test_yes_no_and_comparison_questions_parse_into_typed_facets(question: str, expected: dict[str, str]) -> None:
    assert {f.text: f.kind for f in split_facets(question)} == expected


def test_an_unparsed_question_falls_back_to_topics() -> None:
    facets = split_facets("Expert routing stability in sparse models")
    assert facets and all(f.kind == "topic" for f in facets)


def test_the_owners_note_becomes_outcome_facets() -> None:
    assert [f.kind for f in note_facets("adversarial perturbations")] == ["outcome"]


def _passage(pid: str, text: str) -> Passage:
    return Passage(id=pid, paper_id=pid.split("#")[0], text=text, relevance=0.6)


def _relevant(passages: list[Passage]) -> list[ScoredCandidate]:
    """As if the relevance model rated every passage as answering the question: what is left to test is the rest."""
    return [ScoredCandidate(p, 0.95) for p in passages]


def test_findings_that_miss_every_outcome_facet_are_dropped_not_padded_in() -> None:
    facets = split_facets(SEED_000, subject_names=("SMoES",))
    passages = [
        _passage("a#0", "Our method reduces time to first token by 10.3% at batch size 1 with more experts."),
        _passage("b#0", "Adding experts improves robustness to adversarial perturbations by 4.1% on MMMU."),
    ]
    claims = extract_claims(passages, facets, max_claims=8, max_per_paper=3, scored=_relevant(passages))
    assert [c.passage_id for c in claims] == ["b#0"], "a latency finding does not answer a robustness question"


def test_gaps_name_the_unaddressed_facets_and_the_closest_evidence() -> None:
    facets = split_facets(SEED_000, subject_names=("SMoES",))
    passages = [
        _passage("b#0", "Adding experts improves robustness to adversarial perturbations by 4.1%."),
        _passage("c#0", "MMMU is a benchmark of college-level multimodal questions."),
    ]
    claims = extract_claims(passages, facets, max_claims=8, max_per_paper=3, scored=_relevant(passages))
    gaps = {g.facet: g for g in evidence_gaps(facets, claims, passages)}
    outcome = gaps["robustness to cloaking-style adversarial perturbations"]
    assert outcome.partial_claims == ["C1"], "robustness without cloaking is addressed only in part"
    assert gaps["MMMU"].closest_passage == "c#0", "no claim, but a passage names the benchmark"
    assert "fixed top-1 routing in modality-agnostic MoE" in gaps


@pytest.mark.parametrize("searched", [False, True])
def test_skeptic_asks_for_a_counter_evidence_search_and_the_reviser_runs_one(searched: bool) -> None:
    facets = split_facets(SEED_000, subject_names=("SMoES",))
    passages = [_passage("b#0", "Adding experts improves robustness to adversarial perturbations by 4.1%.")]
    claims = extract_claims(passages, facets, max_claims=8, max_per_paper=3, scored=_relevant(passages))
    paper = bundled_snapshot().get("2604.23996")
    assert paper is not None
    queries = []
    if searched:
        _, queries, _ = plan_revision(
            round_number=1,
            paper=paper,
            facets=facets,
            claims=claims,
            objections=skeptic(Dossier("q", facets, claims, passages, 0, RelevanceBar(0.5))).objections,
            previous_queries=[],
        )
    review = skeptic(Dossier("q", facets, claims, passages, 1 if searched else 0, RelevanceBar(0.5), queries))
    asked = [o for o in review.objections if o.kind == "no_counter_search"]
    assert bool(asked) is not searched
    if searched:
        assert any(q.origin.startswith("counter-evidence") for q in queries)


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("look for evidence on MMMU benchmark accuracy", ["MMMU benchmark accuracy"]),
        ("Please check the robustness under adversarial perturbations", ["robustness", "adversarial perturbations"]),
        ("focus on latency; search for papers with throughput numbers", ["latency", "throughput numbers"]),
        ("find more studies on look-up table workload", ["look-up table workload"]),
        ("look for evidence", []),
    ],
)
def test_the_owners_instructions_are_no_facets(note: str, expected: list[str]) -> None:
    assert [f.text for f in note_facets(note)] == expected


def test_a_revise_note_phrased_as_an_instruction_adds_only_what_it_names(runner: Runner) -> None:
    runner.start(SMOES, QUESTION, thread_id="t", max_revisions=0)
    report = runner.resume("t", "revise", "look for evidence on MMMU benchmark accuracy").report
    noted = [f.text for f in report.facets if f.text not in {g.text for g in split_facets(QUESTION)}]
    assert noted == ["MMMU benchmark accuracy"]
    assert not {"look", "evidence"} & {f.text.lower() for f in report.facets}
