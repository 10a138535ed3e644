from pathlib import Path

import pytest

from sovereign_graph.errors import InputError
from sovereign_graph.evaluation.scifact import check_claims_match_corpus, load_claims, load_corpus


def test_bundled_training_claims_and_corpus_load_and_match() -> None:
    claims, docs = load_claims(), load_corpus()
    assert len(claims) == 809 and len(docs) == 5183
    assert sum(1 for c in claims if not c.evidence) == 304
    check_claims_match_corpus(claims, docs)


def test_unlabelled_claims_files_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "test.jsonl"
    path.write_text('{"id": 1, "claim": "Aspirin lowers fever."}\n')
    (claim,) = load_claims(path)
    assert not claim.labelled and claim.evidence == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": 1, "claim": "ok"}\n{"id": 2, "claim": "x"\n', "line 2: not valid JSON"),
        ('{"id": 1}\n', "line 1: missing or empty 'claim'"),
        ('{"claim": "no id"}\n', "line 1: missing or non-integer 'id'"),
        ('{"id": 1, "claim": "c", "evidence": {"5": [{"sentences": [0], "label": "MAYBE"}]}}\n', "line 1: evidence"),
        ("\n\n", "no claims"),
    ],
)
def test_bad_claims_files_are_named_by_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_claims(path)


def test_claims_that_name_unknown_docs_do_not_match_the_corpus(tmp_path: Path) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text('{"id": 1, "claim": "c", "evidence": {"999999999": [{"sentences": [0], "label": "SUPPORT"}]}}\n')
    with pytest.raises(InputError, match="not in the corpus"):
        check_claims_match_corpus(load_claims(path), load_corpus())
