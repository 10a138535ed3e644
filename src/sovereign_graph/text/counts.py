"""Word counts and TF-IDF without scikit-learn: what a run does on every query, passage and paper.

scikit-learn stays the reference, but importing any of it costs a cold process over a second (its
`utils` import `scipy.stats`). These functions reproduce, to the last bit, what the run used from it:
`CountVectorizer`'s default word tokens and its count matrix (canonical CSR: sorted indices),
`TfidfTransformer(sublinear_tf=True)`'s weighting and `normalize`'s L2 row scaling (a sequential sum of
float32 squares in double precision, as its Cython loop does). tests/unit/test_words.py checks each against
scikit-learn. Fitting models (SVD, logistic regression) still uses scikit-learn, imported where it fits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy import sparse

from sovereign_graph.text.stopwords import STOP_WORDS

# CountVectorizer's default token_pattern: runs of two or more word characters.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def word_tokens(text: str) -> list[str]:
    """CountVectorizer's default analyzer before stop words: lower-cased, then its token pattern."""
    return _TOKEN.findall(text.lower())


def content_words(text: str) -> list[str]:
    """`word_tokens` without English stop words (CountVectorizer(stop_words="english"))."""
    return [w for w in _TOKEN.findall(text.lower()) if w not in STOP_WORDS]


def count_matrix(
    documents: Iterable[Sequence[str]], index: Mapping[str, int], n_terms: int, dtype: type = np.float32
) -> sparse.csr_matrix:
    """documents x terms counts of the terms in `index`, others ignored; sorted indices, like
    CountVectorizer.transform with a fixed vocabulary."""
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for terms in documents:
        counts: dict[int, int] = {}
        for term in terms:
            column = index.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        for column in sorted(counts):
            indices.append(column)
            values.append(counts[column])
        indptr.append(len(indices))
    wide = indptr[-1] > np.iinfo(np.int32).max
    index_type = np.int64 if wide else np.int32
    return sparse.csr_matrix(
        (np.asarray(values, dtype=dtype), np.asarray(indices, dtype=index_type), np.asarray(indptr, dtype=index_type)),
        shape=(len(indptr) - 1, n_terms),
    )


def fit_counts(
    documents: Sequence[Sequence[str]], min_df: int = 1, dtype: type = np.float32
) -> tuple[list[str], sparse.csr_matrix]:
    """(vocabulary, counts) as CountVectorizer.fit_transform gives them: the terms seen in at least `min_df`
    documents, sorted, and the counts over them. Raises ValueError when no term is left, as it does."""
    # Vectorised: each token becomes a (document, term) key and numpy counts the keys; a dict per document
    # in Python took about as long as scikit-learn on the bundled corpus (0.5 s of a cold run).
    first_seen: dict[str, int] = {}
    ids = [first_seen.setdefault(term, len(first_seen)) for terms in documents for term in terms]
    if not first_seen:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    seen = list(first_seen)
    alphabetical = sorted(range(len(seen)), key=seen.__getitem__)
    rank = np.empty(len(seen), dtype=np.int64)
    rank[alphabetical] = np.arange(len(seen))
    rows = np.repeat(np.arange(len(documents), dtype=np.int64), [len(terms) for terms in documents])
    keys, counts = np.unique(rows * len(seen) + rank[np.asarray(ids, dtype=np.int64)], return_counts=True)
    row, column = np.divmod(keys, len(seen))
    kept = np.bincount(column, minlength=len(seen)) >= min_df
    if not kept.any():
        raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
    vocabulary = [seen[alphabetical[i]] for i in np.flatnonzero(kept).tolist()]
    renumber = np.cumsum(kept) - 1
    entries = kept[column]
    indptr = np.zeros(len(documents) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row[entries], minlength=len(documents)), out=indptr[1:])
    index_type = np.int64 if indptr[-1] > np.iinfo(np.int32).max else np.int32
    matrix = sparse.csr_matrix(
        (counts[entries].astype(dtype), renumber[column[entries]].astype(index_type), indptr.astype(index_type)),
        shape=(len(documents), len(vocabulary)),
    )
    return vocabulary, matrix


def l2_normalize_rows(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scales each non-empty row to unit L2 norm in place, bit for bit as sklearn's
    `_inplace_csr_row_normalize_l2`: squares in the data's precision, summed in order in double."""
    data = matrix.data
    lengths = np.diff(matrix.indptr)
    squares = (data * data).astype(np.float64)
    # A sequential sum per row, vectorised over rows: rows longest first, so the rows still adding at step k
    # are a prefix. numpy's own reductions sum pairwise, which differs in the last bits.
    order = np.argsort(-lengths, kind="stable")
    starts = matrix.indptr[:-1][order]
    sorted_lengths = lengths[order]
    sums = np.zeros(len(order), dtype=np.float64)
    active = len(order)
    for step in range(int(sorted_lengths[0]) if len(order) else 0):
        while active and sorted_lengths[active - 1] <= step:
            active -= 1
        sums[:active] += squares[starts[:active] + step]
    norms = np.empty(len(order), dtype=np.float64)
    norms[order] = np.sqrt(sums)
    per_entry = np.repeat(norms, lengths)
    nonzero = per_entry != 0.0
    data[nonzero] = (data[nonzero].astype(np.float64) / per_entry[nonzero]).astype(data.dtype)
    return matrix
