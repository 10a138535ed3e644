"""What a model's proposed claim must pass before it enters the dossier: its quote is verbatim in the passage it
names, and every number of the claim is in that quote. A claim that fails is rejected and counted, never shown."""

from __future__ import annotations

import re
from collections import Counter
from typing import Protocol

from sovereign_graph.state import Passage, RejectedClaim
from sovereign_graph.text.numbers import numbers_missing_from


class Proposed(Protocol):
    @property
    def passage_id(self) -> str: ...
    @property
    def quote(self) -> str: ...
    @property
    def claim(self) -> str: ...


def verbatim_span(quote: str, text: str) -> str | None:
    """The passage's own text of `quote`, matched word for word with any whitespace between words."""
    parts = quote.strip().strip("\"“”'").split()
    if not parts:
        return None
    match = re.search(r"\s+".join(map(re.escape, parts)), text)
    return match.group(0) if match else None


def missing_numbers(claim: str, quote: str) -> list[str]:
    """The claim's numbers that its quote lacks (a trailing %, x or × ignored)."""
    return numbers_missing_from(claim, quote)


def check_claim(proposed: Proposed, passages: dict[str, Passage]) -> tuple[str | None, str]:
    """(the verbatim quote, '') if the claim stands; (None, reason) if it is rejected."""
    passage = passages.get(proposed.passage_id.strip().strip("[]"))
    if passage is None:
        return None, f"no passage '{proposed.passage_id}' was shown"
    quote = verbatim_span(proposed.quote, passage.text)
    if quote is None:
        return None, "quote is not verbatim in its passage"
    missing = missing_numbers(proposed.claim, quote)
    if missing:
        return None, f"numbers not in its quote: {', '.join(missing)}"
    if not proposed.claim.strip():
        return None, "empty claim"
    return quote, ""


# RejectedClaim.reason (before any ':') -> the plural a summary uses.
_REJECTION_PLURALS = {
    "quote is not verbatim in its passage": "quotes not found in the passages",
    "numbers not in its quote": "numbers not in their quotes",
    "empty claim": "empty claims",
}


def _plural(reason: str) -> str:
    head = reason.split(":")[0]
    if head.startswith("no passage"):
        return "passages that were not shown"
    return _REJECTION_PLURALS.get(head, head)


def _counted(reasons: Counter[str]) -> str:
    if len(reasons) == 1:
        return next(iter(reasons))
    return ", ".join(f"{n} {reason}" for reason, n in reasons.most_common())


def extractor_reason(proposed: int, rejected: list[RejectedClaim], kept: int, shown: int) -> str | None:
    """'the model's 18 claims were all rejected: quotes not found in the passages', or 'the model proposed no claim
    from the 12 passages it was shown'; None if the model proposed claims and none was rejected."""
    if proposed == 0 and shown:
        return f"the model proposed no claim from the {shown} passage{'s' if shown != 1 else ''} it was shown"
    if not rejected:
        return None
    why = _counted(Counter(_plural(r.reason) for r in rejected))
    if kept == 0 and len(rejected) == proposed:
        if proposed == 1:
            return f"the model's only claim was rejected: {why}"
        return f"the model's {proposed} claims were all rejected: {why}"
    return f"{len(rejected)} of the model's {proposed} claims rejected: {why}"
