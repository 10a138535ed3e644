import pytest

from sovereign_graph.errors import InputError, PaperNotFoundError
from sovereign_graph.sources.ids import parse_arxiv_id
from sovereign_graph.sources.resolve import require_question, resolve_subject
from sovereign_graph.sources.snapshot import bundled_snapshot


@pytest.mark.parametrize(
    "text",
    [
        "2604.23996",
        "2604.23996v2",
        "arXiv:2604.23996",
        "arxiv: 2604.23996v1",
        "https://arxiv.org/abs/2604.23996",
        "https://arxiv.org/pdf/2604.23996v1",
        "http://arxiv.org/abs/2604.23996v1/",
    ],
)
def test_every_common_id_form_parses_to_the_bare_id(text: str) -> None:
    assert parse_arxiv_id(text) == "2604.23996"


def test_old_style_ids_parse() -> None:
    assert parse_arxiv_id("hep-th/9901001v2") == "hep-th/9901001"


@pytest.mark.parametrize("text", ["2604.239961", "arXiv:26x4.23996", "https://arxiv.org/abs/nonsense", "12345"])
def test_malformed_ids_are_rejected_not_treated_as_titles(text: str) -> None:
    with pytest.raises(InputError, match="not a valid arXiv id"):
        resolve_subject(text, bundled_snapshot())


def test_id_resolves_to_that_paper_and_never_another() -> None:
    paper = resolve_subject("arXiv:2604.23996v1", bundled_snapshot())
    assert paper.id == "2604.23996"
    assert paper.title.startswith("SMoES")


def test_exact_title_resolves_ignoring_case_punctuation_and_spacing() -> None:
    paper = resolve_subject("smoes  soft modality-guided expert specialization in MoE VLMs", bundled_snapshot())
    assert paper.id == "2604.23996"


def test_unknown_id_is_an_error_not_a_substitute() -> None:
    with pytest.raises(PaperNotFoundError, match=r"2601\.00001 is not in the bundled"):
        resolve_subject("2601.00001", bundled_snapshot())


def test_unknown_title_lists_candidates() -> None:
    with pytest.raises(PaperNotFoundError) as caught:
        resolve_subject("Soft modality guided experts for robots", bundled_snapshot())
    assert caught.value.candidates, "closest candidates are offered"


@pytest.mark.parametrize("question", ["", "   ", "\n\t", "why?"])
def test_empty_or_trivial_questions_are_rejected(question: str) -> None:
    with pytest.raises(InputError):
        require_question(question)


def test_question_whitespace_is_normalised() -> None:
    assert require_question("  does   routing \n help robustness ") == "does routing help robustness"


@pytest.mark.parametrize(
    "title",
    [
        "SMOES: soft modality guided expert specialisation in MoE VLMs",
        "smoes soft modality-guided expert specialization in moe-vlms",
        "SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs.",
        "SMoES: Soft Modality Guided Expert Specialiation in MoE-VLMs",
    ],
)
def test_titles_with_case_punctuation_spelling_and_typo_differences_resolve(title: str) -> None:
    assert resolve_subject(title, bundled_snapshot()).id == "2604.23996"


def test_a_partial_title_is_not_guessed_but_offers_the_candidates() -> None:
    with pytest.raises(PaperNotFoundError) as caught:
        resolve_subject("Soft Modality-Guided Expert Specialization", bundled_snapshot())
    assert caught.value.candidates[0][0] == "2604.23996"
    assert "Live mode (--source arxiv) can fetch" in str(caught.value)


def test_seed_004_regression_smoes_is_never_read_as_modes() -> None:
    """Seed report 004 analysed MoDES's abstract for a question about SMoES. Each paper resolves to itself."""
    corpus = bundled_snapshot()
    smoes = resolve_subject("2604.23996", corpus)
    modes = resolve_subject("2511.15690", corpus)
    assert smoes.title.startswith("SMoES") and modes.title.startswith("MoDES")
    assert smoes.abstract != modes.abstract
    assert resolve_subject("SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs", corpus).id == "2604.23996"
    assert (
        resolve_subject(
            "MoDES: Accelerating Mixture-of-Experts Multimodal Large Language Models via Dynamic Expert Skipping",
            corpus,
        ).id
        == "2511.15690"
    )
