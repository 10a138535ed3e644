"""What the reader may learn from: tuning parts and public train rows only, never a test part, never the sets the
stacked models are fitted on, never a measure-only set."""

from __future__ import annotations

import json
from pathlib import Path

from sovereign_graph.training.reader.data import (
    constructed_stance,
    judged_stance,
    our_sources,
    unseen,
)

DATA = Path(__file__).resolve().parents[2] / "evals" / "data"


def _test_questions(folder: str) -> set[str]:
    lines = (DATA / folder / "questions.jsonl").read_text().splitlines()
    return {q["question"] for q in map(json.loads, lines) if q.get("split") == "test"}


def test_our_examples_come_from_tuning_parts_only() -> None:
    sources = our_sources(DATA)
    assert all(s.name.endswith("(tune)") for s in sources)
    texts = {e.first for s in sources for e in s.examples}
    for folder in ("relevance_more", "relevance_listings"):
        assert not texts & _test_questions(folder), f"a test question of {folder} was trained on"
    # The first labelled set is where the stacked relevance model is fitted and measured: the encoder never sees it.
    assert not texts & {
        json.loads(q)["question"] for q in (DATA / "relevance" / "questions.jsonl").read_text().splitlines()
    }
    # A finding can stand under two questions, one in each part: the stance figures measure only unseen ones.
    trained = our_sources(DATA)
    for test in (
        unseen(judged_stance(DATA / "stance", "test"), trained),
        unseen(constructed_stance(DATA / "stance_reversals", "test"), trained),
    ):
        assert test.examples and not {e.first for e in test.examples} & {e.first for s in trained for e in s.examples}
