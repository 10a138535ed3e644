"""The report is faithful: the subject's record in full, every quote verbatim, every source referenced."""

from __future__ import annotations

import gzip
import json
from importlib import resources

from sovereign_graph.app.runner import Runner
from sovereign_graph.report.markdown import cell, to_markdown
from tests.conftest import QUESTION, SMOES


def _source_record(paper_id: str) -> dict[str, str]:
    raw = resources.files("sovereign_graph.data").joinpath("target_papers.jsonl.gz").read_bytes()
    records = [json.loads(line) for line in gzip.decompress(raw).decode().splitlines()]
    return next(r for r in records if r["id"] == paper_id)


def test_title_and_abstract_are_the_source_records_in_full(runner: Runner) -> None:
    report = runner.start(SMOES, QUESTION).report
    record = _source_record(SMOES)
    assert report.paper.title == record["title"]
    assert report.paper.abstract == record["abstract"]
    markdown = to_markdown(report)
    assert markdown.startswith(f"# {record['title']}\n")
    assert record["abstract"] in markdown


def test_every_quote_is_verbatim_in_its_source_and_every_source_is_referenced(runner: Runner) -> None:
    report = runner.start(SMOES, QUESTION).report
    abstracts = {}
    for line in runner.graph.get_state({"configurable": {"thread_id": report.thread_id}}).values["hits"]:
        abstracts[line.paper.id] = line.paper.abstract
    references = {r.id for r in report.references}
    assert report.claims
    for claim in report.claims:
        assert claim.quote in abstracts[claim.paper_id]
        assert claim.paper_id in references
        assert all(e.paper_id in references for e in claim.evidence)
    assert {p.id for p in report.papers} == references, "every retrieved paper is listed"


def test_markdown_sections_come_in_the_seed_order(runner: Runner) -> None:
    markdown = to_markdown(runner.start(SMOES, QUESTION).report)
    order = [
        "## Abstract",
        "## Question",
        "## Method (as run)",
        "## Results",
        "## Uncertainties",
        "## Evidence gap",
        "## Claims",
        "## Tribunal",
        "## Policy",
        "## Owner decision",
        "## References",
    ]
    positions = [markdown.index(h) for h in order]
    assert positions == sorted(positions)


def test_table_cells_cannot_break_the_table() -> None:
    assert cell("a | b\nc") == "a \\| b c"


def test_seed_004_regression_the_report_is_about_the_paper_asked_for(runner: Runner) -> None:
    question = (
        "Does the layer-dependent expert specialization learned by SMoES generalize to out-of-distribution "
        "multimodal reasoning tasks without retraining?"
    )
    report = runner.start("2604.23996", question).report
    assert report.paper.id == "2604.23996"
    assert report.paper.abstract == _source_record("2604.23996")["abstract"]
    assert "MoDES" not in report.paper.title
