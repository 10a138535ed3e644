"""PDF parsing with pdfium, on real papers: PaSa (arXiv:2501.10120v1, two columns, an outline), arXiv:2304.02623v1
(ACM, four pages), a 41-page single-column paper without an outline, and real broken files."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from sovereign_graph.sources.fulltext.document import Block, Document, UnreadableDocument
from sovereign_graph.sources.fulltext.pdf import broken_word_share, parse_pdf

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fulltext"
PASA = FIXTURES / "pdf" / "pasa.pdf"
ACM = FIXTURES / "pdf" / "2304.02623v1.pdf"
NO_OUTLINE = FIXTURES / "pdf" / "paper.pdf"
BAD = FIXTURES / "bad"


@cache
def parsed(path: Path) -> Document:
    return parse_pdf(path.read_bytes())


def containing(doc: Document, text: str) -> Block:
    """The one block holding `text`."""
    found = [b for b in doc.blocks if text in b.text]
    assert len(found) == 1, (text, [b.anchor for b in found])
    return found[0]


def raw_page_text(path: Path, page: int) -> str:
    """pdfium's own text of a page (1-based), to show what the parser had to repair."""
    pdf = pdfium.PdfDocument(path.read_bytes())
    try:
        textpage = pdf[page - 1].get_textpage()
        return str(textpage.get_text_range(0, textpage.count_chars()))
    finally:
        pdf.close()


# --- PaSa: identity, front matter, sections from the outline ---------------------------------------------------


def test_pasa_identity_from_the_arxiv_stamp_and_title_from_the_first_page() -> None:
    doc = parsed(PASA)
    assert doc.origin == "pdf"
    assert (doc.arxiv_id, doc.paper_id, doc.version) == ("2501.10120v1", "2501.10120", 1)
    assert doc.versioned_id == "arXiv:2501.10120v1"
    assert doc.pages == 15
    # The PDF's metadata title is empty; the figure's large "Paper Search" label on page 1 is not the title.
    assert doc.title == "PaSa: An LLM Agent for Comprehensive Academic Paper Search"
    assert doc.authors[:2] == ["Yichen He", "Guanhua Huang"] and "Weinan E" in doc.authors


def test_pasa_abstract_is_read_once_and_not_a_block() -> None:
    doc = parsed(PASA)
    assert doc.abstract.startswith("We introduce PaSa, an advanced Paper Search agent powered by large language")
    assert doc.abstract.endswith("Model, datasets, and code are available at https://github.com/bytedance/pasa.")
    assert "reading papers" in doc.abstract  # "pa-" / "pers" across a line end
    assert not [b for b in doc.blocks if "We introduce PaSa, an advanced" in b.text]
    # Title, authors, affiliations and the author notes are no body text either.
    assert not [b for b in doc.blocks if "bytedance.com" in b.text or "Equal contribution" in b.text]


def test_pasa_blocks_cover_every_page_in_outline_sections() -> None:
    doc = parsed(PASA)
    assert {b.page for b in doc.blocks} == set(range(1, 16))
    crawler = containing(doc, "In RL terminology, the Crawler performs a token-level Markov Decision Process")
    assert (crawler.section, crawler.section_title, crawler.page) == ("4.2", "Crawler", 5)
    assert crawler.place(doc.versioned_id) == "arXiv:2501.10120v1 §4.2 Crawler, p. 5"
    appendix = containing(doc, "We generate training data for imitation learning on a session-by-session basis")
    assert (appendix.section, appendix.section_title, appendix.page) == (
        "A.1",
        "Imitation learning data generation",
        11,
    )
    # A heading mid-page: the blocks above it stay in the section before.
    before = containing(doc, "We perform imitation learning to optimize the Selector.")
    after = containing(doc, "We sequentially trained the Selector and Crawler")
    assert (before.section, before.page) == ("4.3", 7) and (after.section, after.page) == ("5.1", 7)
    outline_titles = {
        "Introduction", "Related Work", "AutoScholarQuery", "RealScholarQuery", "Overview", "Crawler", "Selector",
        "Experimental Setting", "Baselines and Evaluation", "Main results", "Ablation study", "Conclusion",
        "Imitation learning data generation", "Roll-Out in PPO training", "Implementation Details of the Selector",
        "Selector Test Dataset", "Dataset Examples", "Prompts for Baselines", "Prompt for Paper Selection",
    }  # fmt: skip
    assert {b.section_title for b in doc.blocks} <= outline_titles


def test_pasa_anchors_count_blocks_per_page_and_paragraphs_per_section() -> None:
    doc = parsed(PASA)
    for page in range(1, 16):
        anchors = [b.anchor for b in doc.blocks if b.page == page]
        assert anchors == [f"p{page}.b{k}" for k in range(len(anchors))]
    intro = [b for b in doc.blocks if b.section == "1"]
    assert [b.paragraph for b in intro] == list(range(len(intro)))
    assert intro[0].text.startswith("Academic paper search lies at the core of research")


def test_pasa_two_columns_read_column_by_column() -> None:
    doc = parsed(PASA)
    page2 = [b.text for b in doc.blocks if b.page == 2]
    starts = [
        "Figure 1: Architecture of PaSa.",
        "In this paper, we introduce PaSa, a novel paper search agent",  # left column
        "Effective training requires high-quality academic search data.",
        "Although AutoScholarQuery only provides query and paper answers",  # right column
        "To evaluate PaSa, besides the test set of AutoScholarQuery",
    ]
    order = [next(i for i, text in enumerate(page2) if text.startswith(start)) for start in starts]
    assert order == sorted(order)
    # A paragraph that runs from the foot of the left column (above a footnote) to the top of the right one,
    # past a table, is one block.
    assert "site:arxiv.org and before:query_date, restricting search results by source and publication time." in (
        containing(doc, "Implementation of [Search] This function").text
    )
    # Lines of one column joined in order, none of the other column between them.
    assert (
        "a novel paper search agent designed to mimic human behavior for comprehensive and accurate academic paper "
        "searches. As illustrated in Figure 1, PaSa consists of two LLM agents: the Crawler and the Selector."
    ) in page2[order[1]]


def test_pasa_stamp_page_numbers_and_references_are_left_out() -> None:
    doc = parsed(PASA)
    assert not [b for b in doc.blocks if "arXiv:2501.10120" in b.text or "[cs.IR]" in b.text]
    assert not [b for b in doc.blocks if re.fullmatch(r"\d{1,3}", b.text)]
    assert "arXiv:2501.10120v1 [cs.IR] 17 Jan 2025" in raw_page_text(PASA, 1)  # the stamp was there to remove
    # Reference entries (page 10, right after "References") are no findings.
    for entry in ("Shubham Agarwal, Issam H Laradji", "Litllm: A toolkit", "Michael Gusenbauer and Neal R Haddaway"):
        assert not [b for b in doc.blocks if entry in b.text]


def test_pasa_words_broken_at_line_ends_are_whole() -> None:
    doc = parsed(PASA)
    assert "informa\ufffetion retrieval" in raw_page_text(PASA, 1)
    assert "a particularly challenging information retrieval task" in containing(doc, "Academic paper search").text
    # A compound broken at its own hyphen keeps it ("Google-" / "based"), as the paper spells it elsewhere.
    assert "Google\ufffebased" in raw_page_text(PASA, 2)
    assert "the strongest Google-based baseline" in containing(doc, "To evaluate PaSa, besides").text
    # A word broken at the bottom of page 7 and finished on page 8, after two tables, is whole in its block.
    assert "Due to the need for manual query submission," in containing(doc, "We submit the scholar query").text
    assert broken_word_share(doc) < 0.2


def test_pasa_captions_and_tables() -> None:
    doc = parsed(PASA)
    assert containing(doc, "Figure 1: Architecture of PaSa.").kind == "figure_caption"
    caption = containing(doc, "Table 4: The hyperparameters used in PPO training.")
    assert (caption.kind, caption.page) == ("table_caption", 7)
    table = containing(doc, "policy freezing step 50")
    assert (table.kind, table.page) == ("table", 7)
    # "Table 10." starting a line mid-sentence is a reference to the table, not its caption.
    mention = containing(doc, "The prompt template is shown in Table 10.")
    assert mention.kind == "paragraph"


def test_parsing_is_deterministic() -> None:
    again = parse_pdf(PASA.read_bytes())
    assert [(b.anchor, b.text, b.section) for b in again.blocks] == [
        (b.anchor, b.text, b.section) for b in parsed(PASA).blocks
    ]


# --- arXiv:2304.02623v1 (ACM, outline of six entries) -----------------------------------------------------------


def test_acm_paper_identity_title_and_sections() -> None:
    doc = parsed(ACM)
    assert (doc.arxiv_id, doc.paper_id, doc.version, doc.pages) == ("2304.02623v1", "2304.02623", 1, 4)
    assert doc.title == "Beyond Summarization: Designing AI Support for Real-World Expository Writing Tasks"
    assert doc.abstract.startswith("Large language models have introduced exciting new opportunities")
    intro = containing(doc, "The advent of large language models (LLMs)")
    assert (intro.section, intro.section_title, intro.page) == ("1", "Introduction", 1)
    # The left column ends above four footnotes; its last paragraph goes on at the top of the right column.
    assert "this could be researchers collecting and reading multiple papers to write a survey paper [23]" in (
        containing(doc, "We define expository writing pieces as articles").text
    )
    # The running head (the title, on later pages) and the keyword list are not blocks.
    assert not [b for b in doc.blocks if b.text == doc.title or "AI-Assisted Writing, Summarization" in b.text]


def test_a_given_paper_id_is_kept() -> None:
    doc = parse_pdf(ACM.read_bytes(), paper_id="2304.02623")
    assert (doc.paper_id, doc.version, doc.arxiv_id) == ("2304.02623", 1, "2304.02623v1")
    local = parse_pdf(ACM.read_bytes(), paper_id="lib-7f3a")
    # Another record's id: the stamp's version is not its version; the stamp still says where it came from.
    assert (local.paper_id, local.version, local.versioned_id) == ("lib-7f3a", None, "arXiv:2304.02623v1")


# --- A paper without an outline: sections from the font rule ----------------------------------------------------


def test_no_outline_sections_from_headings_set_larger_and_bold() -> None:
    doc = parsed(NO_OUTLINE)
    assert doc.pages == 41 and doc.arxiv_id is None and doc.paper_id == ""
    assert doc.title == "A Perspective on Explanations of Molecular Prediction Models"
    assert doc.authors == ["Geemi P. Wellawatte", "Heta A. Gandhi", "Aditi Seshadri", "Andrew D. White"]
    assert doc.abstract.startswith("Chemists can be skeptical in using deep learning (DL) in decision making")
    intro = containing(doc, "Deep learning (DL) is advancing the boundaries of computational chemistry")
    assert (intro.section_title, intro.page, intro.paragraph) == ("Introduction", 2, 0)
    counterfactuals = containing(doc, "Counterfactual explanations can be found in many fields")
    assert (counterfactuals.section_title, counterfactuals.page) == ("Counterfactual explanations", 11)
    assert containing(doc, "Research reported in this work was supported").section_title == "Acknowledgements"


def test_no_outline_page_numbers_and_references() -> None:
    doc = parsed(NO_OUTLINE)
    assert not [b for b in doc.blocks if re.fullmatch(r"\d{1,3}", b.text)]
    # Page 24 holds the acknowledgements and the start of the references, which run to the end.
    assert max(b.page for b in doc.blocks if b.page is not None) == 24
    assert not [b for b in doc.blocks if "Choudhary, K.; DeCost, B." in b.text]
    # TeX set the accent as a glyph of its own before the letter ("Jim´enez"): it is put back on the letter.
    assert "Pope et al. 66 and Jiménez-Luna et al. 67 show application of gradCAM" in (
        containing(doc, "show application of gradCAM").text
    )
    # A list item's lines stay together under its bullet.
    assert containing(doc, "• Molecular distance:").text.endswith("direct structure comparisons.")


# --- Files that are no readable paper ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.pdf", "empty file"),
        ("not_a_pdf.pdf", "an HTML page, not a PDF"),
        ("pasa_half.pdf", "truncated or damaged PDF"),
        ("pasa_enc_userpw_aes256.pdf", "encrypted (needs a password)"),
    ],
)
def test_bad_files_say_why(name: str, reason: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        parse_pdf((BAD / name).read_bytes(), name=name)
    assert raised.value.reason == reason
    assert f"file: {name}" in raised.value.__notes__


def reason_of(data: bytes) -> str:
    with pytest.raises(UnreadableDocument) as raised:
        parse_pdf(data)
    return raised.value.reason


def test_other_bytes_and_a_file_without_text() -> None:
    assert reason_of(b"GIF89a\x01\x00\x01\x00") == "not a PDF"
    data = PASA.read_bytes()
    assert reason_of(data[: len(data) - 100]) == "truncated or damaged PDF"  # a download cut before the trailer
    blank = pdfium.PdfDocument.new()
    blank.new_page(595, 842)
    buffer = io.BytesIO()
    blank.save(buffer)
    blank.close()
    assert reason_of(buffer.getvalue()) == "no text layer (scanned?)"


@pytest.mark.parametrize("name", ["ownerpw_p_default_aes128.pdf", "ownerpw_p0_aes128.pdf"])
def test_owner_password_only_files_are_read_like_the_original(name: str) -> None:
    """Encrypted with an empty user password: pdfium opens them without one, as every viewer does, and their
    permission flags (even /P 0, no copying) are advisory; we read them as the user's own copy."""
    doc = parse_pdf((BAD / name).read_bytes())
    assert [(b.anchor, b.text) for b in doc.blocks] == [(b.anchor, b.text) for b in parsed(PASA).blocks]
    assert doc.arxiv_id == "2501.10120v1"


def test_broken_word_share_counts_blocks_with_a_word_seen_once_and_unknown() -> None:
    doc = Document(
        paper_id="x",
        origin="pdf",
        blocks=[
            Block(text="the retrieval model ranks papers", anchor="p1.b0"),
            Block(text="infor mation retrieval of papers", anchor="p1.b1"),  # "infor", "mation": broken
            Block(text="the model ranks papers", anchor="p1.b2"),
        ],
    )
    assert broken_word_share(doc) == pytest.approx(1 / 3)
    assert broken_word_share(doc, dictionary=frozenset({"infor", "mation"})) == 0.0
    assert broken_word_share(Document(paper_id="x", origin="pdf")) == 0.0
