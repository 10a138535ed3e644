"""Corroboration counts independent evidence only: copies are one source, degenerate text none, a claim's own
authors are not independent of it, and a restated quote is not corroboration."""

from __future__ import annotations

from sovereign_graph.state import Paper, Passage
from sovereign_graph.steps.verify.independence import Restatements, Sources
from sovereign_graph.text.similarity import are_copies, is_degenerate
from tests.corpus_files import bundled_records

FINDING = (
    "Modality-guided expert specialization improves the accuracy and efficiency of MoE-based VLMs by 35% compared "
    "to modality-agnostic routing."
)


def paper(paper_id: str, abstract: str, authors: list[str] | None = None, title: str = "A study") -> Paper:
    return Paper(id=paper_id, title=title, abstract=abstract, authors=authors or [f"Author {paper_id}"])


def test_a_copy_with_a_word_swapped_is_a_copy_and_a_citing_abstract_is_not() -> None:
    swapped = FINDING.replace("improves", "clearly improves")
    assert are_copies(FINDING, swapped)
    citing = (
        "We revisit routing in mixture-of-experts models for vision and language. Prior work reports that "
        "modality-guided expert specialization improves accuracy. We measure latency, memory and throughput on six "
        "benchmarks, train three model sizes, and release our code, finding that load balancing matters most for "
        "small models while expert capacity dominates at scale, across every benchmark we tried."
    )
    assert not are_copies(FINDING, citing)


def test_a_repeated_phrase_and_an_endless_record_are_degenerate_and_no_bundled_abstract_is() -> None:
    assert is_degenerate(" ".join([FINDING.rstrip(".")] * 400))
    assert is_degenerate(" ".join(f"word{i}" for i in range(6000)))
    assert not is_degenerate(FINDING)
    records = bundled_records("moe_arxiv_dw-dengwei.jsonl.gz") + bundled_records("target_papers.jsonl.gz")
    assert records and not [r["id"] for r in records if is_degenerate(r["abstract"])]


def test_copies_are_one_source_that_never_vouches_for_its_own_claim() -> None:
    original = paper("2601.00001", f"We study routing. {FINDING}")
    copy = paper("2601.00002", f"We study routing. {FINDING.replace('improves', 'greatly improves')}")
    other = paper("2601.00003", "We measure expert load balance on six benchmarks and find capacity matters.")
    sources = Sources.of([original, copy, other])
    assert sources.source_of(copy.id) == sources.source_of(original.id) != sources.source_of(other.id)
    assert not sources.can_vouch_for(original.id, copy.id)
    assert sources.can_vouch_for(original.id, other.id)


def test_a_degenerate_record_never_vouches() -> None:
    salad = paper("2601.00004", " ".join([FINDING.rstrip(".")] * 400))
    claim_paper = paper("2601.00005", "We measure expert load balance on six benchmarks.")
    assert not Sources.of([claim_paper, salad]).can_vouch_for(claim_paper.id, salad.id)


def test_a_shared_author_is_not_independent_but_a_shared_surname_is() -> None:
    mine = paper("2601.00006", "Routing study one.", ["Alice Wang", "Bo Chen"])
    self_cited = paper("2601.00007", "Routing study two.", ["alice  wang", "Carl Diaz"])
    namesake = paper("2601.00008", "Routing study three.", ["Amy Wang", "Dan Eve"])
    sources = Sources.of([mine, self_cited, namesake])
    assert not sources.can_vouch_for(mine.id, self_cited.id)
    assert sources.can_vouch_for(mine.id, namesake.id)


def test_a_sentence_that_restates_the_quote_is_not_corroboration() -> None:
    passages = [
        Passage(id="a#1", paper_id="a", text=f"Our results: {FINDING}"),
        Passage(id="b#1", paper_id="b", text="Expert specialization raised accuracy on MMMU in our replication."),
    ]
    assert Restatements.of(passages).of_quote(FINDING) == {"a#1"}
