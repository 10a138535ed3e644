import gzip
import hashlib
import json
from importlib import resources

from sovereign_graph.sources.snapshot import SNAPSHOT_FILES, bundled_snapshot

# The provenance file states these; the copy must stay byte-for-byte.
EXPECTED_SHA256 = {
    "moe_arxiv_dw-dengwei.jsonl.gz": "bec42dedaf5fa9c77d7fe509034cfc569bee7d7a710508f69822df2fa9794c2d",
    "vlm_nonmoe_arxiv_dw-dengwei.jsonl.gz": "e4b0459aefea244a09be8b92cb18ceb07337dc54d3f1561820796cb3b5063d36",
    "target_papers.jsonl.gz": "cff40d8ee57020a5afe4eb165a6bbe74fbfb648e237b4eb78b8bb6d19126a14f",
}


def _raw(name: str) -> bytes:
    return gzip.decompress(resources.files("sovereign_graph.data").joinpath(name).read_bytes())


def test_bundled_files_are_unedited_copies_with_provenance() -> None:
    for name in SNAPSHOT_FILES:
        assert hashlib.sha256(_raw(name)).hexdigest() == EXPECTED_SHA256[name]
    provenance = resources.files("sovereign_graph.data").joinpath("PROVENANCE.md").read_text()
    assert all(sha in provenance for sha in EXPECTED_SHA256.values())


def test_snapshot_holds_every_paper_once_and_prefers_the_checked_target_records() -> None:
    corpus = bundled_snapshot()
    ids = {json.loads(line)["id"] for name in SNAPSHOT_FILES for line in _raw(name).decode().splitlines()}
    assert len(corpus) == len(ids)
    targets = [json.loads(line) for line in _raw("target_papers.jsonl.gz").decode().splitlines()]
    for record in targets:
        paper = corpus.get(record["id"])
        assert paper is not None
        assert paper.abstract == " ".join(record["abstract"].split())


def test_search_ranks_the_relevant_paper_first() -> None:
    results = bundled_snapshot().search("soft modality-guided expert specialization MoE-VLMs", 5)
    assert results[0][0].id == "2604.23996"
    scores = [s for _, s in results]
    assert scores == sorted(scores, reverse=True)
