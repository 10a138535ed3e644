"""What the relevance model reads of a candidate sentence: how it bears on the *whole* question.

A sentence answers the question when it reports a finding on the question's outcome for its subject
(intervention or comparison), in its domain. So the features separate those parts: coverage of the
outcome facets, of the intervention/comparison facets in the sentence and in its paper (a sentence of a
paper about MoE routing that reports robustness is on subject even when it does not repeat "routing"),
the sentence's and its paper's embedding similarity to the question (from the active `Embeddings`, each
also relative to the best candidate), and whether it reads as a finding or as background.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from sovereign_graph.ml.reader.runtime import load_reader, relevance_pair
from sovereign_graph.state import Facet, Passage
from sovereign_graph.steps.extract.findings import finding_strength, is_background, is_setup
from sovereign_graph.steps.plan.facets.coverage import facet_coverage, required_facets
from sovereign_graph.steps.plan.measures import families_of
from sovereign_graph.text.numbers import numbers
from sovereign_graph.text.prose import stems

FEATURES = (
    "sentence_cosine",
    "sentence_cosine_lead",
    "paper_cosine",
    "paper_cosine_lead",
    "outcome_coverage",
    "outcome_named",
    "subject_coverage",
    "subject_named",
    "subject_in_paper",
    "question_has_subject",
    "outcome_and_subject",
    "benchmark_named",
    "mean_facet_coverage",
    "question_overlap",
    "finding_strength",
    "background",
    "has_numbers",
    "subject_paper",
    "position",
    "first_sentence",
    "last_sentence",
    "outcome_cosine",
    "subject_cosine",
    "paper_outcome_cosine",
    "paper_subject_cosine",
    "finding_in_subject_paper",
    "finding_on_outcome",
    "outcome_family_named",
    "other_family_only",
    "finding_on_outcome_family",
    "outcome_idf_share",
    "subject_idf_share",
    "paper_subject_idf_share",
    "question_idf_share",
    "setup",
)
# The embedded reader's score of (question, title + sentence): a cross-encoder logit, and the same relative to the
# question's best candidate. The neural relevance model stacks them on `FEATURES`; the lexical one reads none.
NEURAL_FEATURES = ("neural_relevance", "neural_relevance_lead")
# Candidates the reader reads per question: those the lexical model ranks first.
NEURAL_CANDIDATES = 20
# Candidates kept per question before the model reads them (plus every sentence of the subject's abstract).
CANDIDATES = 30
# Body sentences (full text) kept besides: a paper's body has hundreds, most of them method and background.
BODY_CANDIDATES = 30


@dataclass(frozen=True)
class QuestionView:
    """The parts of the question the features compare a sentence with."""

    facets: list[Facet]
    outcomes: list[Facet]
    subjects: list[Facet]
    benchmarks: list[Facet]
    question_stems: frozenset[str]
    subject_id: str | None
    outcome_families: frozenset[str] = frozenset()
    question: str = ""

    @classmethod
    def of(cls, question: str, facets: list[Facet], subject_id: str | None) -> QuestionView:
        return cls(
            facets=facets,
            outcomes=required_facets(facets),
            subjects=[f for f in facets if f.kind in ("intervention", "comparison")],
            benchmarks=[f for f in facets if f.kind == "benchmark"],
            question_stems=frozenset(stems(question)),
            subject_id=subject_id,
            outcome_families=families_of(" ".join(f.text for f in required_facets(facets))),
            question=question,
        )


def _best(facets: list[Facet], sentence_stems: AbstractSet[str], text: str) -> float:
    return max((facet_coverage(f, sentence_stems, text) for f in facets), default=0.0)


def paper_texts(passages: Sequence[Passage]) -> dict[str, str]:
    """Each paper's abstract (its abstract passages joined), for paper-level coverage: what a paper is about is
    in its abstract, and a body names nearly every word of its field somewhere."""
    joined: dict[str, list[str]] = {}
    for p in passages:
        if p.kind == "abstract":
            joined.setdefault(p.paper_id, []).append(p.text)
    return {pid: " ".join(texts) for pid, texts in joined.items()}


# A body section that reports results: its sentences stand where an abstract's last ones do.
_RESULTS_SECTION = re.compile(r"result|experiment|evaluat|ablation|analys|finding|comparison|benchmark", re.IGNORECASE)


def sentence_position(passage: Passage, sentences_in_paper: int) -> float:
    """Where the sentence stands in its abstract (0 first, 1 last). The model learned positions on abstracts,
    where the last sentences report results: a body sentence stands with them when its section reports
    results, else in the middle."""
    if passage.kind != "abstract":
        return 1.0 if _RESULTS_SECTION.search(passage.place) else 0.5
    index = int(passage.id.rsplit("#", 1)[1]) if "#" in passage.id and passage.id.rsplit("#", 1)[1].isdigit() else 0
    return index / max(1, sentences_in_paper - 1)


def feature_rows(
    candidates: Sequence[Passage], view: QuestionView, papers: dict[str, str], paper_titles: dict[str, str]
) -> list[list[float]]:
    """One row of `FEATURES` per candidate; `papers`: each paper's text; `paper_titles`: their titles."""
    if not candidates:
        return []
    counts: dict[str, int] = {}
    for p in candidates:
        counts[p.paper_id] = counts.get(p.paper_id, 0) + 1
    sentence_best = max(p.relevance for p in candidates)
    paper_best = max(p.paper_relevance for p in candidates)
    paper_subject: dict[str, float] = {}
    for pid, text in papers.items():
        whole = f"{paper_titles.get(pid, '')} {text}"
        paper_subject[pid] = _best(view.subjects, stems(whole), whole)
    outcome_ids = [f.id for f in view.outcomes]
    subject_ids = [f.id for f in view.subjects]

    def cosine(p: Passage, ids: list[str]) -> float:
        return max((p.facet_relevance.get(fid, 0.0) for fid in ids), default=0.0)

    paper_outcome: dict[str, float] = {}
    paper_subject_cos: dict[str, float] = {}
    for p in candidates:
        paper_outcome[p.paper_id] = max(paper_outcome.get(p.paper_id, 0.0), cosine(p, outcome_ids))
        paper_subject_cos[p.paper_id] = max(paper_subject_cos.get(p.paper_id, 0.0), cosine(p, subject_ids))
    # How rare each word is among the retrieved papers: sharing "routing" with the question says more than
    # sharing "model".
    paper_stems = {pid: stems(f"{paper_titles.get(pid, '')} {text}") for pid, text in papers.items()}
    frequency: dict[str, int] = {}
    for found in paper_stems.values():
        for word in found:
            frequency[word] = frequency.get(word, 0) + 1

    def idf_share(found: AbstractSet[str], wanted: AbstractSet[str]) -> float:
        weights = {w: math.log((len(paper_stems) + 1) / (frequency.get(w, 0) + 1)) + 1 for w in wanted}
        total = sum(weights.values())
        return sum(v for w, v in weights.items() if w in found) / total if total else 0.0

    outcome_terms = {t for f in view.outcomes for t in f.terms}
    subject_terms = {t for f in view.subjects for t in f.terms}
    rows: list[list[float]] = []
    for p in candidates:
        sentence_stems = stems(p.text)
        outcome = _best(view.outcomes, sentence_stems, p.text)
        subject = _best(view.subjects, sentence_stems, p.text)
        in_paper = paper_subject.get(p.paper_id, 0.0)
        coverage = [facet_coverage(f, sentence_stems, p.text) for f in view.facets]
        overlap = len(sentence_stems & view.question_stems) / len(view.question_stems) if view.question_stems else 0.0
        position = sentence_position(p, p.sentences_in_paper or counts[p.paper_id])
        in_abstract = p.kind == "abstract"
        measured = families_of(p.text)
        own_family = bool(measured & view.outcome_families)
        strength = finding_strength(p.text)
        rows.append(
            [
                p.relevance,
                p.relevance - sentence_best,
                p.paper_relevance,
                p.paper_relevance - paper_best,
                outcome,
                float(outcome > 0),
                subject,
                float(subject > 0),
                float(in_paper > 0),
                float(bool(view.subjects)),
                float(outcome > 0 and (in_paper > 0 or not view.subjects)),
                float(_best(view.benchmarks, sentence_stems, p.text) > 0),
                sum(coverage) / len(coverage) if coverage else 0.0,
                overlap,
                strength,
                float(is_background(p.text)),
                float(bool(numbers(p.text))),
                float(p.paper_id == view.subject_id),
                position,
                float(in_abstract and position == 0.0),
                float(in_abstract and position == 1.0),
                cosine(p, outcome_ids),
                cosine(p, subject_ids),
                paper_outcome[p.paper_id],
                paper_subject_cos[p.paper_id],
                strength * float(p.paper_id == view.subject_id or in_paper > 0),
                strength * float(outcome > 0),
                float(own_family),
                float(bool(measured) and not own_family and bool(view.outcome_families)),
                strength * float(own_family or outcome > 0),
                idf_share(sentence_stems, outcome_terms),
                idf_share(sentence_stems, subject_terms),
                idf_share(paper_stems.get(p.paper_id, set()), subject_terms),
                idf_share(sentence_stems, set(view.question_stems)),
                float(is_setup(p.text)),
            ]
        )
    return rows


def neural_cut(lexical_probabilities: Sequence[float], k: int = NEURAL_CANDIDATES) -> list[int]:
    """Indices of the `k` candidates the lexical model finds likeliest, in their original order."""
    order = sorted(range(len(lexical_probabilities)), key=lambda i: (-lexical_probabilities[i], i))
    return sorted(order[:k])


def neural_rows(
    candidates: Sequence[Passage], view: QuestionView, paper_titles: dict[str, str]
) -> tuple[list[list[float]], list[bool]]:
    """One row of `NEURAL_FEATURES` per candidate: the embedded reader reads the question against each sentence after
    its paper's title, as it was trained to; and per candidate, whether the pair was longer than the reader's
    window, so that it read only its beginning."""
    if not candidates:
        return [], []
    reader = load_reader()
    read = reader.read([relevance_pair(view.question, paper_titles.get(p.paper_id, ""), p.text) for p in candidates])
    best = float(read.relevance.max())
    return [[float(logit), float(logit) - best] for logit in read.relevance], [cut.any for cut in read.cut]


def select_candidates(passages: Sequence[Passage], view: QuestionView, k: int = CANDIDATES) -> list[Passage]:
    """The sentences the relevance model reads: every sentence of the subject's abstract, the `k` other abstract
    sentences and the `BODY_CANDIDATES` body sentences (of any paper read in full) that the question's embedding
    similarity and facet coverage rank first (a cheap, recall-minded cut)."""

    def prescore(p: Passage) -> float:
        sentence_stems = stems(p.text)
        outcome = _best(view.outcomes, sentence_stems, p.text)
        subject = _best(view.subjects, sentence_stems, p.text)
        return p.relevance + 0.5 * p.paper_relevance + 0.5 * float(outcome > 0) + 0.25 * float(subject > 0)

    abstracts = [p for p in passages if p.kind == "abstract"]
    subject = [p for p in abstracts if p.paper_id == view.subject_id]
    others = sorted((p for p in abstracts if p.paper_id != view.subject_id), key=lambda p: (-prescore(p), p.id))
    body = sorted((p for p in passages if p.kind != "abstract"), key=lambda p: (-prescore(p), p.id))
    return subject + others[:k] + body[:BODY_CANDIDATES]
