"""Fits the models derived from the bundled snapshot and writes them beside it (see sources/shipped.py).

    python -m sovereign_graph.training.shipped [--out DIR]

Run it after changing the bundled data or a recipe (`LSA_RECIPE`, `VOCABULARY_RECIPE` in snapshot.py);
tests/unit/test_shipped.py fails until the shipped files match. Takes a few seconds; needs scikit-learn.
"""

from __future__ import annotations

import argparse
from importlib import metadata, resources
from pathlib import Path

from sovereign_graph.sources.base import sample_texts
from sovereign_graph.sources.shipped import DATA_PACKAGE, data_digest, write_arrays
from sovereign_graph.sources.snapshot import (
    COUNTS_FILE,
    COUNTS_RECIPE,
    LSA_FILE,
    LSA_RECIPE,
    SNAPSHOT_FILES,
    VOCABULARY_FILE,
    VOCABULARY_RECIPE,
    VOCABULARY_SAMPLE,
    LocalCorpus,
    _read_bundled,
    counts_arrays,
    lsa_arrays,
    paper_from_record,
    vocabulary_arrays,
)
from sovereign_graph.text.bm25 import count_terms
from sovereign_graph.text.vocabulary import Vocabulary


def fitted_corpus() -> LocalCorpus:
    """The bundled snapshot with its LSA model fitted here, not loaded."""
    papers = (paper_from_record(rec) for name in SNAPSHOT_FILES for _, rec in _read_bundled(name))
    return LocalCorpus("bundled arXiv snapshot", papers)


def build(out: Path) -> list[Path]:
    versions = {name: metadata.version(name) for name in ("scikit-learn", "scipy", "numpy")}
    corpus = fitted_corpus()
    lsa_path = out / LSA_FILE
    about = {"recipe": LSA_RECIPE, "papers": len(corpus), "built_with": versions}
    write_arrays(lsa_path, lsa_arrays(corpus.embeddings), data_digest(SNAPSHOT_FILES, LSA_RECIPE), about)
    counts_path = out / COUNTS_FILE
    about = {"recipe": COUNTS_RECIPE, "papers": len(corpus)}
    digest = data_digest(SNAPSHOT_FILES, COUNTS_RECIPE)
    write_arrays(counts_path, counts_arrays(count_terms(corpus.texts())), digest, about)
    texts = sample_texts(corpus, VOCABULARY_SAMPLE)
    vocabulary_path = out / VOCABULARY_FILE
    about = {"recipe": VOCABULARY_RECIPE, "texts": len(texts), "built_with": versions}
    digest = data_digest(SNAPSHOT_FILES, VOCABULARY_RECIPE)
    write_arrays(vocabulary_path, vocabulary_arrays(Vocabulary.fit(texts)), digest, about)
    return [lsa_path, counts_path, vocabulary_path]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    default = Path(str(resources.files(DATA_PACKAGE)))
    parser.add_argument("--out", type=Path, default=default, help=f"directory to write to (default: {default})")
    args = parser.parse_args()
    for path in build(args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
