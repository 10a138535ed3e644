"""What a claim's checks mean, decided in one place for every verifier.

- *quoted*: its quote is verbatim (whitespace aside) in the passage it names.
- *grounded*: its quote entails it. When the claim's text **is** its quote (the offline extractor's
  claims) that check cannot fail, so it is not run and `grounded` is None: not a verification.
- *corroborated* / *contradicted*: another retrieved paper SUPPORTs / CONTRADICTs it.
- *verified*: a check that could have failed passed and none failed: grounded (when there is something to
  ground), or, for a claim that is its own quote, corroborated; and no other paper contradicts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sovereign_graph.state import Claim, Passage


def squashed(text: str) -> str:
    return " ".join(text.split())


def is_own_quote(claim: Claim) -> bool:
    """The claim says nothing but its quote: grounding it would compare a text with itself."""
    return squashed(claim.text).casefold() == squashed(claim.quote).casefold()


def quoted(claim: Claim, passages: dict[str, Passage]) -> bool:
    passage = passages.get(claim.passage_id)
    return bool(claim.quote.strip()) and passage is not None and squashed(claim.quote) in squashed(passage.text)


def settle(claims: Sequence[Claim], passages: Sequence[Passage]) -> list[Claim]:
    """Each claim with `quoted`, `corroborated`, `contradicted` and `verified` set from its grounding and label."""
    by_id = {p.id: p for p in passages}
    settled: list[Claim] = []
    for claim in claims:
        grounded = None if is_own_quote(claim) else claim.grounding_label == "SUPPORT"
        corroborated, contradicted = claim.label == "SUPPORT", claim.label == "CONTRADICT"
        settled.append(
            claim.model_copy(
                update={
                    "quoted": quoted(claim, by_id),
                    "grounded": grounded,
                    "corroborated": corroborated,
                    "contradicted": contradicted,
                    # A failed check vetoes: a claim its own quote does not entail was distorted, whoever agrees.
                    "verified": (grounded is True or (grounded is None and corroborated)) and not contradicted,
                }
            )
        )
    return settled
