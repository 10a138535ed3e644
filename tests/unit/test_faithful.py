"""A model's claim stands only if it follows from its own quote, and its quote is the passage's own text: the
checks a lying or sloppy extractor cannot talk its way past (issue 29)."""

from __future__ import annotations

import pytest

from sovereign_graph.state import Passage
from sovereign_graph.steps.extract.checks import check_claim, verbatim_span
from sovereign_graph.steps.extract.faithful import Context, unfaithful
from sovereign_graph.steps.extract.reading import PaperClaim
from sovereign_graph.text.numbers import numbers_missing_from

QUOTE = (
    "Modality-aware routing outperforms modality-agnostic routing by 4.2% on MMMU while reducing the "
    "inference cost of the MoE-VLM."
)
TITLE = "SMoES: Soft Modality-Guided Expert Specialization for MoE-VLMs"


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("Modality-agnostic routing outperforms modality-aware routing by 4.2% on MMMU.", "comparison around"),
        ("Modality-aware routing does not outperform modality-agnostic routing on MMMU.", "adds a negation"),
        ("Modality-aware routing degrades MMMU accuracy by 4.2% compared with agnostic routing.", "direction"),
        ("These results invalidate modality-agnostic routing for MoE-VLMs.", "asserts more"),
        ("Modality-aware routing outperforms agnostic routing, replicated by three independent labs.", "numbers"),
        ("Modality-aware routing outperforms modality-agnostic routing by ninety-nine percent.", "numbers"),
        ("Modality-aware routing gives a tenfold gain over modality-agnostic routing.", "numbers"),
        ("Modality-aware routing outperforms agnostic routing only slightly on MMMU.", "narrows"),
        ("Modality-aware routing, as used in LLaVA, outperforms agnostic routing on MMMU.", "names"),
        ("Experts trained on chemistry papers and protein folding beat routing on MMMU.", "words"),
    ],
)
def test_a_claim_that_does_not_follow_from_its_quote_is_named_for_what_it_changed(claim: str, reason: str) -> None:
    found = unfaithful(claim, QUOTE, Context(passage=QUOTE, title=TITLE))
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "claim",
    [
        "Modality-aware routing outperforms modality-agnostic routing by 4.2% on MMMU.",
        "The paper reports that modality-aware routing outperforms modality-agnostic routing by 4.2% on MMMU and "
        "reduces inference cost.",
        # "it" resolved to the method the title names: a word of the title, not of the quote.
        "SMoES's modality-aware routing outperforms modality-agnostic routing by 4.2% on MMMU.",
    ],
)
def test_a_faithful_restatement_stands(claim: str) -> None:
    assert unfaithful(claim, QUOTE, Context(passage=QUOTE, title=TITLE)) is None


def test_a_quote_of_a_word_or_two_vouches_for_nothing() -> None:
    assert unfaithful("These results establish the method.", "These") == "quote too short to carry a finding (1 words)"


def test_number_words_and_multipliers_are_read_as_numbers_on_both_sides() -> None:
    assert numbers_missing_from("a tenfold gain, twice as fast", "a 10x gain and 2× faster decoding") == []
    assert numbers_missing_from("ninety-nine percent accurate", "99% accurate") == []
    assert numbers_missing_from("ninety-nine percent accurate", "9.9% accurate") == ["ninety-nine"]
    assert numbers_missing_from("one of the experts doubles its load", "the expert's load rose") == ["doubles"]


def test_a_name_with_digits_from_the_passage_is_a_name_not_a_number() -> None:
    quote = "The gains hold for both backbones and every benchmark we evaluated in the study."
    passage = f"We fine-tune Qwen2-VL and GPT-4 backbones. {quote}"
    context = Context(passage=passage, title="Routing for VLMs")
    assert unfaithful("The gains hold for GPT-4 and Qwen2-VL backbones on every benchmark.", quote, context) is None
    # Without the passage naming it, GPT-4's 4 is a number the quote lacks.
    assert unfaithful("The gains hold for GPT-4 backbones on every benchmark.", quote) is not None


PASSAGE = Passage(
    id="p#3",
    paper_id="p",
    text="Our router – trained once – improves robustness by 4.2% [12] on MMMU; the “ﬁne-grained” gate costs 3× less.",
)


@pytest.mark.parametrize(
    ("tidied", "exact"),
    [
        ("Our router - trained once - improves robustness by 4.2% on MMMU", "Our router – trained once – improves "
         "robustness by 4.2% [12] on MMMU"),
        ('the "fine-grained" gate costs 3x less.', "the “ﬁne-grained” gate costs 3× less."),
        ("our router  –  trained once", "Our router – trained once"),
    ],
)  # fmt: skip
def test_a_tidied_quote_is_found_and_mapped_back_to_the_passages_exact_span(tidied: str, exact: str) -> None:
    assert verbatim_span(tidied, PASSAGE.text) == exact


def _on_passage(quote: str, claim: str) -> PaperClaim:
    """The extractor's claim about the test passage, as a live model returns it."""
    return PaperClaim(own_result=True, subject="it", passage_id=PASSAGE.id, quote=quote, claim=claim)


def test_a_quote_with_an_ellipsis_or_a_changed_word_is_rejected() -> None:
    passages = {PASSAGE.id: PASSAGE}
    elided = _on_passage("Our router ... improves robustness by 4.2% on MMMU", "It improves.")
    assert check_claim(elided, passages) == (None, "quote elides text (an ellipsis)")
    changed = _on_passage("Our router improves robustness by 4.2% on MMMU", "It improves.")
    assert check_claim(changed, passages) == (None, "quote is not verbatim in its passage")


def test_a_reversed_claim_on_a_real_quote_is_rejected_and_counted() -> None:
    passages = {PASSAGE.id: PASSAGE}
    reversed_claim = _on_passage(
        "Our router - trained once - improves robustness by 4.2% on MMMU",
        "The router degrades robustness by 4.2% on MMMU.",
    )
    quote, reason = check_claim(reversed_claim, passages)
    assert quote is None and reason == "states a direction its quote does not"
