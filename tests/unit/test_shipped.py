"""The models shipped beside the bundled snapshot are what fitting gives, and a stale or broken one is ignored."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sovereign_graph.runtime.context import Context
from sovereign_graph.sources import shipped, snapshot
from sovereign_graph.sources.base import sample_texts
from sovereign_graph.text.bm25 import count_terms
from sovereign_graph.text.vocabulary import Vocabulary
from sovereign_graph.training.shipped import fitted_corpus

QUERY = "modality-guided expert routing in vision-language models"


@pytest.fixture(scope="module")
def fitted() -> snapshot.LocalCorpus:
    """The snapshot as it was before models were shipped: everything fitted in-process."""
    return fitted_corpus()


def test_shipped_files_are_fresh_and_as_fitting_gives_them(fitted: snapshot.LocalCorpus) -> None:
    """Fails after a change to the bundled data or a recipe: run `python -m sovereign_graph.training.shipped`."""
    lsa, counts, vocabulary = snapshot.shipped_lsa(), snapshot.shipped_counts(), snapshot.shipped_verifier_vocabulary()
    assert lsa is not None and counts is not None and vocabulary is not None, "a shipped model is stale"
    assert lsa.vocabulary == fitted.embeddings.vocabulary and np.array_equal(lsa.idf, fitted.embeddings.idf)
    # The SVD's last bits may differ with another BLAS; the shipped components are the ones every run uses.
    assert np.allclose(lsa.components, fitted.embeddings.components, atol=1e-5)
    vocabulary_words, matrix = count_terms(fitted.texts())
    assert counts[0] == vocabulary_words and (counts[1] != matrix).nnz == 0
    refit = Vocabulary.fit(sample_texts(fitted, snapshot.VOCABULARY_SAMPLE))
    assert vocabulary.terms == refit.terms and np.array_equal(vocabulary.term_idf, refit.term_idf)
    assert vocabulary.lsa_terms == refit.lsa_terms and np.array_equal(vocabulary.lsa_idf, refit.lsa_idf)
    assert np.allclose(np.abs(vocabulary.components), np.abs(refit.components), atol=1e-4)


def test_the_shipped_snapshot_searches_as_the_fitted_one(fitted: snapshot.LocalCorpus) -> None:
    corpus = snapshot.bundled_snapshot()
    assert corpus.embeddings is not fitted.embeddings
    ours, theirs = corpus.search(QUERY, 10), fitted.search(QUERY, 10)
    assert [p.id for p, _ in ours] == [p.id for p, _ in theirs]
    assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)


def test_the_bundled_run_uses_the_shipped_verifier_vocabulary() -> None:
    vocabulary = Context().verifier_vocabulary()
    assert vocabulary.terms == snapshot.shipped_verifier_vocabulary().terms  # type: ignore[union-attr]
    assert vocabulary.background_matrix is None  # loaded, not fitted


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the package's data folder, holding the snapshot files."""
    real = Path(str(shipped.resources.files(shipped.DATA_PACKAGE)))
    for name in snapshot.SNAPSHOT_FILES:
        (tmp_path / name).write_bytes((real / name).read_bytes())
    monkeypatch.setattr(shipped.resources, "files", lambda package: tmp_path)
    return tmp_path


def test_a_stale_or_broken_shipped_file_is_ignored(data_dir: Path) -> None:
    arrays = {"x": np.arange(3)}
    digest = shipped.data_digest(snapshot.SNAPSHOT_FILES, "recipe 1")
    assert shipped.read_arrays("model.npz", digest) is None  # missing
    shipped.write_arrays(data_dir / "model.npz", arrays, digest, {"recipe": "recipe 1"})
    read = shipped.read_arrays("model.npz", digest)
    assert read is not None and np.array_equal(read["x"], arrays["x"])
    assert shipped.read_arrays("model.npz", shipped.data_digest(snapshot.SNAPSHOT_FILES, "recipe 2")) is None
    (data_dir / "model.npz").write_bytes(b"PK\x03\x04 not a zip")
    assert shipped.read_arrays("model.npz", digest) is None
    (data_dir / "model.npz").write_bytes((data_dir / snapshot.SNAPSHOT_FILES[0]).read_bytes())  # not an npz
    assert shipped.read_arrays("model.npz", digest) is None
    # Other data, same recipe: another digest.
    first = data_dir / snapshot.SNAPSHOT_FILES[0]
    first.write_bytes(first.read_bytes() + b"\n")
    assert shipped.read_arrays("model.npz", digest) is None


def test_without_shipped_models_the_snapshot_fits_its_own(data_dir: Path, fitted: snapshot.LocalCorpus) -> None:
    assert snapshot.shipped_lsa() is None and snapshot.shipped_counts() is None  # none in data_dir
    corpus = snapshot.LocalCorpus("again", (p for p in fitted._papers), snapshot.shipped_lsa(), None)
    assert [p.id for p, _ in corpus.search(QUERY, 5)] == [p.id for p, _ in fitted.search(QUERY, 5)]
    assert snapshot.shipped_verifier_vocabulary() is None
