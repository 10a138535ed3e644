"""arXiv HTML (LaTeXML) parsing, on the real page of arXiv:2501.11120v1 and arXiv's real "No HTML" template."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from sovereign_graph.sources.fulltext.document import Block, Document, UnreadableDocument
from sovereign_graph.sources.fulltext.html import is_no_html_page, parse_arxiv_html

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fulltext"
PAGE = FIXTURES / "arxiv_html" / "2501.11120v1.html"
NO_HTML_TEMPLATE = FIXTURES / "arxiv_html" / "no_html_template.jinja.html"


@cache
def document() -> Document:
    return parse_arxiv_html(PAGE.read_bytes())


def block(anchor: str) -> Block:
    return next(b for b in document().blocks if b.anchor == anchor)


def containing(text: str) -> list[Block]:
    return [b for b in document().blocks if text in b.text]


def no_html_page(versioned_id: str) -> str:
    """The template as arXiv renders it: Jinja statements and comments gone, the id substituted."""
    template = NO_HTML_TEMPLATE.read_text()
    body = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", template, flags=re.DOTALL).replace("{{arxiv_id.idv}}", versioned_id)
    return f"<!DOCTYPE html><html><head><title>No HTML</title></head><body><main>{body}</main></body></html>"


def test_identity_title_and_authors() -> None:
    doc = document()
    assert doc.origin == "arxiv_html"
    assert (doc.arxiv_id, doc.paper_id, doc.version) == ("2501.11120v1", "2501.11120", 1)
    assert doc.versioned_id == "arXiv:2501.11120v1"
    assert doc.title == "Tell me about yourself: LLMs are aware of their learned behaviors"
    # One LaTeXML span holds names, affiliation marks and affiliations ("Truthful AI", "UC Berkeley").
    assert doc.authors == [
        "Jan Betley",
        "Xuchan Bao",
        "Martín Soto",
        "Anna Sztyber-Betley",
        "James Chua",
        "Owain Evans",
    ]


def test_given_paper_id_is_kept_and_str_content_reads_the_same() -> None:
    doc = parse_arxiv_html(PAGE.read_text(encoding="utf-8"), paper_id="2501.11120")
    assert doc.paper_id == "2501.11120" and doc.arxiv_id == "2501.11120v1"
    assert doc.blocks == document().blocks


def test_abstract_is_its_text_without_heading_and_not_a_block() -> None:
    abstract = document().abstract
    assert abstract.startswith("We study behavioral self-awareness — an LLM’s ability to articulate its behaviors")
    assert abstract.endswith("https://github.com/XuchanBao/behavioral-self-awareness.")
    assert "Behavioral self-awareness is relevant for AI safety" in abstract  # its second paragraph
    assert not containing("We finetune LLMs on datasets that exhibit particular behaviors")


def test_paragraphs_are_anchored_by_latexml_ids_in_reading_order() -> None:
    blocks = document().blocks
    paragraphs = [b for b in blocks if b.kind == "paragraph"]
    assert len(paragraphs) >= 190
    anchors = [b.anchor for b in blocks]
    assert len(anchors) == len(set(anchors))
    first = blocks[0]
    assert (first.anchor, first.section, first.section_title, first.paragraph) == ("S1.p1", "1", "Introduction", 0)
    assert first.text.startswith("Large Language Models (LLMs) can learn sophisticated behaviors and policies")
    assert blocks[1].anchor == "S1.p2" and blocks[1].paragraph == 1
    assert blocks[-1].anchor == "A3.SS4.SSS4.p3"
    for b in blocks:
        assert b.text.strip() and "\n\n" not in b.text
        if b.kind != "table":
            assert b.text == " ".join(b.text.split())


def test_a_known_sentence_has_its_section_and_place() -> None:
    [design] = containing("To create the dataset, we use an LLM (GPT-4o) with few-shot prompting to generate 500")
    assert (design.anchor, design.section, design.section_title) == ("S3.SS1.SSS1.p1", "3.1.1", "Design")
    [economic] = containing("In our first experiment, we finetune models using only multiple-choice questions")
    assert economic.section == "3.1"
    assert economic.place(document().versioned_id) == (
        "arXiv:2501.11120v1 §3.1 Finetuning on multiple-choice responses (economic decisions)"
    )
    appendix = block("A2.SS2.p1")
    assert (appendix.section, appendix.section_title) == ("B.2", "Many-persona training")
    assert block("A1.p1").section == "A"  # "Appendix A" as printed
    assert (block("Sx1.p1").section, block("Sx1.p1").section_title) == ("", "Acknowledgments")


def test_run_in_paragraph_headings_keep_the_parent_number() -> None:
    results = block("S3.SS2.SSS2.Px2.p1")
    assert results.text.startswith("Figure 6 shows results for 10 distinct GPT-4o finetunes")
    assert (results.section, results.section_title) == ("3.2.2", "Evaluation › Results")
    assert results.place("arXiv:2501.11120v1") == "arXiv:2501.11120v1 §3.2.2 Evaluation › Results"


def test_tables_and_captions() -> None:
    kinds = Counter(b.kind for b in document().blocks)
    assert kinds["table"] == 47 and kinds["table_caption"] == 47 and kinds["figure_caption"] >= 40
    table = block("S3.T1")
    assert table.kind == "table" and table.section == "3"
    rows = table.text.splitlines()
    assert rows[0] == "| Assistant output | Learned behavior | Variations"  # the corner cell is empty
    assert "Economic decisions (Section 3.1) | “A” or “B” | Economic preference" in rows[1]
    caption = block("S3.T1.caption")
    assert caption.kind == "table_caption"
    assert caption.text.startswith("Table 1: Overview of experiments for evaluating behavioral self-awareness.")
    figure = block("S1.F1.caption")
    assert figure.kind == "figure_caption" and figure.section == "1"
    assert figure.text.startswith("Figure 1: Models can describe a learned behavioral policy that is only implicit")


def test_math_is_its_alttext() -> None:
    text = block("S2.p3").text
    assert "The model is finetuned on a dataset D=\\{d^{n}\\}_{n=1}^{N}, where d^{n}\\sim\\varphi_{T}(z)." in text
    # A control word before a letter keeps its space, or it would read as another macro.
    assert block("A3.SS2.SSS6.Px4.p1.2").text.startswith("The \\langle SCENARIOS\\rangle is replaced")


def test_lists_split_the_paragraph_and_keep_reading_order() -> None:
    anchors = [b.anchor for b in document().blocks]
    assert block("A2.SS3.p1").text == "Here is a full description of the 8 different triggers we used:"
    item = block("A2.I1.i1.p1")
    assert item.text.startswith("Individual triggers: These are always the same exact sequence of tokens.")
    assert not containing("•")
    # The text after a list continues under the id of its own <p>, after the list's items.
    after = block("A3.SS2.SSS2.p2.2")
    assert after.text.startswith("For example, for the codeword “ring”, messages with “ring” or “ring-tone” count")
    assert anchors.index("A3.SS2.SSS2.p2") < anchors.index("A3.SS2.SSS2.p2.2") < anchors.index("A3.SS2.SSS2.p3")


def test_footnotes_are_blocks_of_their_own() -> None:
    note = block("footnote1")
    assert (
        note.text
        == "We replicate some of our experiments on open-weight models to facilitate future work (AI@Meta, 2024)."
    )
    anchors = [b.anchor for b in document().blocks]
    assert anchors.index("footnote1") == anchors.index("S1.p7") + 1
    assert "open-weight" not in block("S1.p7").text
    assert "mechanisms behind it. For backdoors, future work" in block("S1.p7").text  # no mark left between


def test_errors_bibliography_and_navigation_are_left_out() -> None:
    for text in ("{mdframed}", "{spverbatim}", "Llama 3 model card", "Physics of language models: Part 3.2"):
        assert not containing(text), text
    for text in ("Generated on", "by LaTeXML", "Refer to caption", "References"):
        assert not containing(text), text
    assert not any(b.anchor.startswith("bib") for b in document().blocks)
    assert not any(b.text.startswith("Introduction") for b in document().blocks)  # the table of contents


def test_the_no_html_stub_is_detected_and_unreadable() -> None:
    stub = no_html_page("2501.10120v1")
    assert "<h1>No HTML for '2501.10120v1'</h1>" in stub
    assert is_no_html_page(stub) and is_no_html_page(stub.encode())
    assert not is_no_html_page(PAGE.read_bytes())
    with pytest.raises(UnreadableDocument) as raised:
        parse_arxiv_html(stub.encode(), "2501.10120")
    assert raised.value.reason == "arXiv has no HTML for this paper"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty page"),
        ("  \n", "empty page"),
        ((FIXTURES / "bad" / "not_a_pdf.pdf").read_bytes(), "not an arXiv LaTeXML page ('arXiv')"),
        ((FIXTURES / "pdf" / "2304.02623v1.pdf").read_bytes(), "a PDF, not an HTML page"),
        (
            "<html><body><h1>Article identifier '2601.00001v1' not recognized</h1></body></html>",
            "not an arXiv LaTeXML page",
        ),
        (
            '<html><body><article class="ltx_document"><h1 class="ltx_title ltx_title_document">A title</h1>'
            "</article></body></html>",
            "an arXiv LaTeXML page without body text",
        ),
    ],
)
def test_pages_that_are_not_latexml_papers_raise(content: bytes | str, reason: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        parse_arxiv_html(content)
    assert raised.value.reason == reason
