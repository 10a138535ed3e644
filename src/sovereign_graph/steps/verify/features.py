"""Features of (claim, sentence) and (claim, rationale) pairs, over an index of sentence-split documents.

`SentenceIndex` holds what is computed once per corpus: a TF-IDF over word stems and stem bigrams and
an LSA projection (both fitted on a background corpus), and per sentence its vectors, stems, numbers,
position and polarity cues. Features then cost a sparse dot product and a few set operations per pair,
which is what keeps the verifier at hundreds of claims a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from sovereign_graph.ml.reader.runtime import load_reader
from sovereign_graph.steps.verify.cues import (
    ANTONYMS,
    CUE_NAMES,
    antonym_vector,
    cue_vector,
    local_directions,
)
from sovereign_graph.text.bm25 import Bm25Index
from sovereign_graph.text.numbers import number_set
from sovereign_graph.text.prose import words
from sovereign_graph.text.vocabulary import Vocabulary, _stem_or_none, _terms, stem_tokens

_NEG, _UP, _DOWN, _NULL, _RESULT, _NUMBERS, _WORDS = range(len(CUE_NAMES))


def governed_terms(text: str) -> dict[str, int]:
    """`local_directions` of a text: the direction each of its content stems is pushed in."""
    tokens = words(text)
    return local_directions(tokens, [_stem_or_none(t) for t in tokens])


@dataclass(frozen=True)
class TextRep:
    """A claim (or a sentence) as the features see it."""

    tfidf: sparse.csr_matrix
    lsa: np.ndarray
    stems: frozenset[str]
    numbers: frozenset[str]
    cues: np.ndarray
    antonyms: np.ndarray
    governed: dict[str, int]  # direction per stem, from the cues just before it
    bm25: np.ndarray  # BM25 against each document of the index, relative to the best document's
    bm25_margin: float  # how far the best document stands out: 1 - the runner-up's relative BM25
    text: str = ""  # the claim as written: what the embedded reader reads


class SentenceIndex:
    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        *,
        titles: Sequence[str] | None = None,
        vocabulary: Vocabulary | None = None,
        seed: int = 0,
    ) -> None:
        """`documents`: each a list of sentences (with an optional title). `vocabulary`: the TF-IDF and LSA,
        fitted on a background corpus; by default on the documents themselves."""
        flat = [s for d in documents for s in d]
        self.texts = flat
        # The embedded reader's stance of a sentence towards a claim, (claim, sentence row) -> P(S, C, NEI): the
        # same pairs are read again and again by cross-validation and by grounding and corroboration.
        self.neural_cache: dict[tuple[str, int], np.ndarray] = {}
        self.neural_read_in_part = 0  # pairs longer than the reader's window: only their beginning was read
        sentence_tokens = [stem_tokens(s) for s in flat]
        self.starts = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum([len(d) for d in documents], out=self.starts[1:])
        title_tokens = [stem_tokens(t) for t in titles] if titles is not None else [[] for _ in documents]
        self.title_stems = [frozenset(t) for t in title_tokens]
        doc_terms = [
            _terms(title_tokens[i]) + [t for r in self.sentence_rows(i) for t in _terms(sentence_tokens[r])]
            for i in range(len(documents))
        ]
        self.vocabulary = vocabulary or Vocabulary.from_terms(doc_terms, seed)
        self.idf, self.max_idf = self.vocabulary.idf, self.vocabulary.max_idf
        background = self.vocabulary.background_matrix if vocabulary is None else None
        self.doc_tfidf = background if background is not None else self.vocabulary.tfidf(doc_terms)
        self.tfidf = self.vocabulary.tfidf([_terms(t) for t in sentence_tokens])
        self.lsa = self.vocabulary.project(sentence_tokens)
        self.stems = [frozenset(t) for t in sentence_tokens]
        self.numbers = [number_set(s) for s in flat]
        self.doc_numbers = [
            frozenset().union(*(self.numbers[r] for r in self.sentence_rows(d))) for d in range(len(documents))
        ]
        self.cues = np.vstack([cue_vector(s) for s in flat]) if flat else np.zeros((0, len(CUE_NAMES)), np.float32)
        self.antonyms = np.vstack([antonym_vector(s) for s in flat]) if flat else np.zeros((0, 2 * len(ANTONYMS)), bool)
        self.governed = [governed_terms(s) for s in flat]
        self.bm25 = _fit_bm25(
            [" ".join([t, *d]) for t, d in zip(titles or [""] * len(documents), documents, strict=True)]
        )
        lengths = np.diff(self.starts)
        self.position = np.concatenate([np.arange(n, dtype=np.float32) for n in lengths]) if flat else np.zeros(0)
        self.length = np.repeat(lengths, lengths).astype(np.float32)

    def represent(self, texts: Sequence[str]) -> list[TextRep]:
        tokens = [stem_tokens(t) for t in texts]
        matrix = self.vocabulary.tfidf([_terms(t) for t in tokens])
        lsa = self.vocabulary.project(tokens)
        bm25 = _relative_bm25(self.bm25, list(texts), len(self.starts) - 1)
        runner_up = np.sort(bm25, axis=1)[:, -2] if bm25.shape[1] > 1 else np.zeros(len(texts))
        margin = np.where(bm25.max(axis=1, initial=0.0) > 0, 1.0 - runner_up, 0.0)
        return [
            TextRep(
                matrix[i],
                lsa[i],
                frozenset(tokens[i]),
                number_set(t),
                cue_vector(t),
                antonym_vector(t),
                governed_terms(t),
                bm25[i],
                float(margin[i]),
                t,
            )
            for i, t in enumerate(texts)
        ]

    def sentence_rows(self, doc: int) -> range:
        return range(int(self.starts[doc]), int(self.starts[doc + 1]))


def _fit_bm25(texts: list[str]) -> Bm25Index | None:
    try:
        return Bm25Index.fit(texts)
    except ValueError:  # no indexable word in any document
        return None


def _relative_bm25(bm25: Bm25Index | None, queries: list[str], n_docs: int) -> np.ndarray:
    """Per query, BM25 against every document divided by the best document's: how close a document comes to
    the one retrieval would rank first. A ratio rather than a z-score, so a collection of a dozen papers and
    SciFact's 5,183 abstracts give numbers on the same scale."""
    if bm25 is None or not queries:
        return np.zeros((len(queries), n_docs), np.float32)
    scores = bm25.scores(queries)
    best = scores.max(axis=1, keepdims=True)
    return np.asarray(scores / np.where(best > 0, best, 1.0), np.float32)


SENTENCE_FEATURES = (
    "cos_tfidf",
    "cos_lsa",
    "claim_coverage",
    "sentence_coverage",
    "numbers_shared",
    "cos_tfidf_gap_in_doc",
    "cos_lsa_gap_in_doc",
    "rank_in_doc_0",
    "rank_in_doc_1",
    "relative_position",
    "is_first",
    "is_last",
    "result_cues",
    "has_numbers",
    "log_words",
    "doc_cos",
    "doc_cos_gap",
    "doc_rank_inverse",
    "cos_tfidf_x_doc_cos",
    "coverage_x_lsa",
)


@dataclass(frozen=True)
class PairBlock:
    """Sentence features of one claim against candidate documents: rows follow the documents' sentences."""

    docs: list[int]
    doc_cos: np.ndarray
    offsets: np.ndarray  # doc k's sentences are rows offsets[k]:offsets[k+1]
    rows: np.ndarray  # index rows of those sentences
    features: np.ndarray


def sentence_features(index: SentenceIndex, claim: TextRep, docs: Sequence[int]) -> PairBlock:
    docs = list(docs)
    rows = np.concatenate([np.arange(index.starts[d], index.starts[d + 1]) for d in docs]) if docs else np.zeros(0)
    rows = rows.astype(np.int64)
    offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum([index.starts[d + 1] - index.starts[d] for d in docs], out=offsets[1:])
    doc_cos = np.asarray((index.doc_tfidf[docs] @ claim.tfidf.T).toarray()).ravel() if docs else np.zeros(0)
    if len(rows) == 0:
        return PairBlock(docs, doc_cos, offsets, rows, np.zeros((0, len(SENTENCE_FEATURES)), np.float32))

    cos_t = np.asarray((index.tfidf[rows] @ claim.tfidf.T).toarray()).ravel()
    cos_l = index.lsa[rows] @ claim.lsa
    claim_weight = sum(index.idf.get(s, index.max_idf) for s in claim.stems) or 1.0
    shared = [claim.stems & index.stems[r] for r in rows]
    claim_coverage = np.array([sum(index.idf.get(s, index.max_idf) for s in sh) for sh in shared]) / claim_weight
    sentence_coverage = np.array([len(sh) / max(1, len(index.stems[r])) for sh, r in zip(shared, rows, strict=True)])
    numbers_shared = np.array(
        [len(claim.numbers & index.numbers[r]) / len(claim.numbers) if claim.numbers else 0.0 for r in rows]
    )

    gap_t = np.zeros_like(cos_t)
    gap_l = np.zeros_like(cos_l)
    rank = np.zeros_like(cos_t)
    doc_of_row = np.repeat(np.arange(len(docs)), np.diff(offsets))
    for k in range(len(docs)):
        span = slice(offsets[k], offsets[k + 1])
        if offsets[k] == offsets[k + 1]:
            continue
        gap_t[span] = cos_t[span] - cos_t[span].max()
        gap_l[span] = cos_l[span] - cos_l[span].max()
        rank[span] = np.argsort(np.argsort(-cos_t[span], kind="stable"), kind="stable")
    position = index.position[rows]
    length = index.length[rows]
    cues = index.cues[rows]
    doc_rank = np.argsort(np.argsort(-doc_cos, kind="stable"), kind="stable")
    row_doc_cos = doc_cos[doc_of_row]
    features = np.column_stack(
        [
            cos_t,
            cos_l,
            claim_coverage,
            sentence_coverage,
            numbers_shared,
            gap_t,
            gap_l,
            rank == 0,
            rank == 1,
            position / np.maximum(1, length - 1),
            position == 0,
            (position == length - 1) & (length > 1),
            np.minimum(cues[:, _RESULT], 4),
            cues[:, _NUMBERS] > 0,
            np.log1p(cues[:, _WORDS]),
            row_doc_cos,
            row_doc_cos - doc_cos.max(),
            1.0 / (1.0 + doc_rank[doc_of_row]),
            cos_t * row_doc_cos,
            claim_coverage * cos_l,
        ]
    ).astype(np.float32)
    return PairBlock(docs, doc_cos, offsets, rows, features)


DOC_FEATURES = (
    "logit_1",
    "logit_2",
    "logit_3",
    "above_half",
    "doc_cos",
    "doc_cos_gap",
    "doc_rank_inverse",
    "best_cos_tfidf",
    "best_claim_coverage",
    "best_cos_lsa",
    "best_numbers_shared",
    "logit_1_gap",
    "logit_1_rank_0",
    "logit_1_rank_1",
    "retrieval_rank_inverse",
    "doc_claim_coverage",
    "title_claim_coverage",
    "best_two_claim_coverage",
    "doc_claim_coverage_gap",
    "title_claim_coverage_gap",
    "best_two_claim_coverage_gap",
    "bm25_of_best",
    "bm25_of_best_gap",
    "bm25_runner_up_margin",
    "governed_share_best_sentence",
    "governed_in_abstract",
    "claim_numbers_missing_from_abstract",
    "logit_1_lead",
    "doc_cos_lead",
    "bm25_lead",
)


def _coverage(index: SentenceIndex, claim: TextRep, block: PairBlock) -> np.ndarray:
    """Per candidate, the share of the claim's IDF mass found in the whole abstract, in its title and in its two
    sentences covering the most of it: a claim is often split over two sentences, or names the study in the title."""

    def weight(stems: frozenset[str]) -> float:
        return sum(index.idf.get(s, index.max_idf) for s in stems)

    total = weight(claim.stems) or 1.0
    coverage = np.zeros((len(block.docs), 3), np.float32)
    for k, doc in enumerate(block.docs):
        shared = [claim.stems & index.stems[r] for r in block.rows[block.offsets[k] : block.offsets[k + 1]]]
        best_two = sorted(shared, key=weight, reverse=True)[:2]
        coverage[k] = (
            weight(frozenset().union(*shared)),
            weight(claim.stems & index.title_stems[doc]),
            weight(frozenset().union(*best_two)),
        )
    return coverage / total


def doc_features(index: SentenceIndex, claim: TextRep, block: PairBlock, logits: np.ndarray) -> np.ndarray:
    """One row per candidate document (given best retrieved first), from its sentences' selection logits and
    its similarity to the claim, each also against the other candidates': most claims have one evidence
    document, so being the best candidate says more than any absolute score."""
    rows = []
    best_doc = block.doc_cos.max() if len(block.doc_cos) else 0.0
    doc_rank = np.argsort(np.argsort(-block.doc_cos, kind="stable"), kind="stable")
    best_logits = np.array(
        [logits[block.offsets[k] : block.offsets[k + 1]].max(initial=-8.0) for k in range(len(block.docs))]
    )
    logit_rank = np.argsort(np.argsort(-best_logits, kind="stable"), kind="stable")
    top_logit = best_logits.max(initial=-8.0)
    for k in range(len(block.docs)):
        span = slice(block.offsets[k], block.offsets[k + 1])
        top = np.sort(logits[span])[::-1]
        padded = np.concatenate([top[:3], np.full(max(0, 3 - len(top)), -8.0)])
        feats = block.features[span]
        rows.append(
            [
                *padded,
                float((logits[span] > 0).sum()),
                block.doc_cos[k],
                block.doc_cos[k] - best_doc,
                1.0 / (1.0 + doc_rank[k]),
                feats[:, 0].max(initial=0.0),
                feats[:, 2].max(initial=0.0),
                feats[:, 1].max(initial=0.0),
                feats[:, 4].max(initial=0.0),
                best_logits[k] - top_logit,
                logit_rank[k] == 0,
                logit_rank[k] == 1,
                1.0 / (1.0 + k),
            ]
        )
    coverage = _coverage(index, claim, block)
    relative = coverage - coverage.max(axis=0, initial=0.0)
    bm25 = claim.bm25[block.docs] if block.docs else np.zeros(0, np.float32)
    retrieval = np.column_stack(
        [bm25, bm25 - (bm25.max() if len(bm25) else 0.0), np.full(len(block.docs), claim.bm25_margin)]
    ).astype(np.float32)
    return np.hstack(
        [
            np.asarray(rows, dtype=np.float32).reshape(len(block.docs), len(DOC_FEATURES) - 15),
            coverage,
            relative,
            retrieval,
            _governed_statements(index, claim, block),
            _numbers_missing(index, claim, block),
            np.column_stack([_lead(best_logits), _lead(block.doc_cos), _lead(bm25)]).astype(np.float32),
        ]
    )


def _lead(values: np.ndarray) -> np.ndarray:
    """Each candidate's value minus the best of the other candidates': positive only for a clear winner."""
    if len(values) < 2:
        return np.asarray(values, np.float32).copy()
    order = np.argsort(-values, kind="stable")
    best, runner_up = values[order[0]], values[order[1]]
    return np.asarray(values - np.where(np.arange(len(values)) == order[0], runner_up, best), np.float32)


def _numbers_missing(index: SentenceIndex, claim: TextRep, block: PairBlock) -> np.ndarray:
    """Per candidate, the share of the claim's numbers it never states: a claim about "2,140 base pairs" is
    seldom settled by an abstract that gives no such figure."""
    missing = np.zeros((len(block.docs), 1), np.float32)
    if not claim.numbers:
        return missing
    for k, doc in enumerate(block.docs):
        missing[k, 0] = len(claim.numbers - index.doc_numbers[doc]) / len(claim.numbers)
    return missing


def _governed_statements(index: SentenceIndex, claim: TextRep, block: PairBlock) -> np.ndarray:
    """Per candidate, does it state a direction on the terms the claim does (either way)? The share of the
    claim's governed terms its best sentence governs too, and how often its sentences do (capped at 5): an
    abstract that only mentions the claim's topic, without a finding on it, scores 0."""
    found = np.zeros((len(block.docs), 2), np.float32)
    if not claim.governed:
        return found
    for k in range(len(block.docs)):
        counts = [
            sum(term in index.governed[r] for term in claim.governed)
            for r in block.rows[block.offsets[k] : block.offsets[k + 1]]
        ]
        found[k] = (max(counts, default=0) / len(claim.governed), min(sum(counts), 5))
    return found


# Only relations between claim and rationale: a text judged against itself agrees on every one of them,
# so a verbatim quote cannot come out as contradicting its own claim.
LABEL_FEATURES = (
    "negation_mismatch",
    "claim_negated_only",
    "rationale_negated_only",
    "direction_agreement",
    "polarity_agreement",
    "null_mismatch",
    "claim_numbers_missing",
    "direction_conflict",
    "antonym_conflict",
    "antonym_shared",
    "governed_agree",
    "governed_conflict",
    "governed_mostly_conflict",
    "governed_mostly_agree",
)


def _sign(x: float) -> float:
    return float(np.sign(x))


def label_features(index: SentenceIndex, claim: TextRep, rows: np.ndarray) -> np.ndarray:
    """Features of a claim against its rationale (the chosen sentences): do they point the same way?"""
    cues = index.cues[list(rows)].sum(axis=0) if len(rows) else np.zeros(len(CUE_NAMES), np.float32)
    c = claim.cues
    claim_neg, rat_neg = min(c[_NEG], 3), min(cues[_NEG], 3)
    claim_dir = _sign(c[_UP] - c[_DOWN])
    rat_dir = _sign(cues[_UP] - cues[_DOWN])
    claim_polarity = claim_dir * (-1 if claim_neg % 2 else 1)
    rat_polarity = rat_dir * (-1 if rat_neg % 2 else 1)
    claim_null, rat_null = min(c[_NULL], 2), min(cues[_NULL], 2)
    found = frozenset().union(*(index.numbers[r] for r in rows)) if len(rows) else frozenset()
    rat_antonyms = np.asarray(index.antonyms[list(rows)].sum(axis=0) > 0, dtype=bool)
    claim_first, claim_second = claim.antonyms[0::2], claim.antonyms[1::2]
    rat_first, rat_second = rat_antonyms[0::2], rat_antonyms[1::2]
    missing = len(claim.numbers - found)
    rationale_governed: dict[str, int] = {}
    for r in rows:
        for term, direction in index.governed[r].items():
            rationale_governed[term] = rationale_governed.get(term, 0) + direction
    # Per term both texts put a direction on: same way or opposite ("delays resistance" vs "encourages resistance").
    products = [
        np.sign(direction) * np.sign(rationale_governed[term])
        for term, direction in claim.governed.items()
        if term in rationale_governed
    ]
    agree, conflict = float(sum(p > 0 for p in products)), float(sum(p < 0 for p in products))
    return np.array(
        [
            float((claim_neg > 0) != (rat_neg > 0)),
            float(claim_neg > 0 and rat_neg == 0),
            float(rat_neg > 0 and claim_neg == 0),
            claim_dir * rat_dir,
            claim_polarity * rat_polarity,
            float((claim_null > 0) != (rat_null > 0)),
            float(missing),
            float(c[_UP] > 0 and cues[_DOWN] > 0 and cues[_UP] == 0)
            + float(c[_DOWN] > 0 and cues[_UP] > 0 and cues[_DOWN] == 0),
            float((claim_first & rat_second & ~rat_first).sum() + (claim_second & rat_first & ~rat_second).sum()),
            float(((claim_first & rat_first) | (claim_second & rat_second)).sum()),
            agree,
            conflict,
            float(conflict > agree),
            float(agree > conflict),
        ],
        dtype=np.float32,
    )


# The embedded reader's stance, stacked on the lexical features by the neural verifier: of the claim against its
# rationale (the stance stage), and against the document's best sentences (the evidence stage).
NEURAL_LABEL_FEATURES = ("neural_support", "neural_contradict", "neural_direction")
NEURAL_DOC_FEATURES = ("neural_evidence", "neural_evidence_lead")
# Sentences of a document the evidence stage has the reader read: the selector's best, as many as a rationale holds.
NEURAL_SENTENCES = 1  # the reader costs ~30 ms a pair on two cores


def neural_stance(index: SentenceIndex, claim: TextRep, rows: Sequence[int]) -> np.ndarray:
    """P(SUPPORT, CONTRADICT, NOT_ENOUGH_INFO) of each sentence row towards the claim, by the embedded reader."""
    wanted = [int(r) for r in rows if (claim.text, int(r)) not in index.neural_cache]
    if wanted:
        read = load_reader().read([(claim.text, index.texts[r]) for r in wanted])
        index.neural_read_in_part += sum(cut.any for cut in read.cut)
        for r, probabilities in zip(wanted, read.stance, strict=True):
            index.neural_cache[(claim.text, r)] = probabilities
    if not len(rows):
        return np.zeros((0, 3), np.float32)
    return np.vstack([index.neural_cache[(claim.text, int(r))] for r in rows])


def neural_label_features(index: SentenceIndex, claim: TextRep, rows: np.ndarray) -> np.ndarray:
    stance = neural_stance(index, claim, list(rows))
    support = float(stance[:, 0].max(initial=0.0))
    contradict = float(stance[:, 1].max(initial=0.0))
    return np.array([support, contradict, support - contradict], dtype=np.float32)


def neural_doc_features(index: SentenceIndex, claim: TextRep, block: PairBlock, logits: np.ndarray) -> np.ndarray:
    """Per candidate document: the reader's P(SUPPORT or CONTRADICT) of its likeliest evidence sentence among the
    selector's best, and that against the other candidates' best."""
    evidence = np.zeros(len(block.docs), np.float32)
    for k in range(len(block.docs)):
        start, end = int(block.offsets[k]), int(block.offsets[k + 1])
        if start == end:
            continue
        best = start + np.argsort(-logits[start:end], kind="stable")[:NEURAL_SENTENCES]
        stance = neural_stance(index, claim, [int(block.rows[i]) for i in best])
        evidence[k] = float((1.0 - stance[:, 2]).max())
    return np.column_stack([evidence, _lead(evidence)]).astype(np.float32)
