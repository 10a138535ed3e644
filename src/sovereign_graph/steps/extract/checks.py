"""What a model's proposed claim must pass before it enters the dossier: its quote is the passage's own text (a
model that tidies typography is forgiven, one that elides or rewrites is not), and the claim follows from that
quote (`faithful.py`: its numbers, negations, direction and content). A claim that fails is rejected and counted,
never shown."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Protocol

from sovereign_graph.state import Passage, RejectedClaim
from sovereign_graph.steps.extract.faithful import Context, unfaithful
from sovereign_graph.text.numbers import numbers_missing_from
from sovereign_graph.text.orders import gives_orders


class Proposed(Protocol):
    @property
    def passage_id(self) -> str: ...
    @property
    def quote(self) -> str: ...
    @property
    def claim(self) -> str: ...


# What a model "tidies" when it copies a quote: typographic quotes, dashes, the multiplication sign, spacing.
_TIDIED = str.maketrans(
    {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-", "−": "-", "‐": "-",
     "‑": "-", "×": "x", "\u00a0": " "}
)  # fmt: skip
# Citation markers a model drops: "[12]", "[3, 4]", "[5-7]".
_CITATION = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_ELLIPSIS = re.compile(r"\.\.\.|…|\[\s*\.\.\.\s*\]")


def _normalised(text: str) -> tuple[str, list[int]]:
    """`text` as a model's copy of it would read once tidied (NFKC, so ligatures split; quotes, dashes and x
    plain; citation markers gone; whitespace one space; case folded), and for each of its characters the
    position in `text` it came from."""
    kept = [True] * len(text)
    for match in _CITATION.finditer(text):
        kept[match.start() : match.end()] = [False] * (match.end() - match.start())
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if not kept[i]:
            continue
        for piece in unicodedata.normalize("NFKC", char).translate(_TIDIED).casefold():
            if piece.isspace():
                if out and out[-1] != " ":
                    out.append(" ")
                    origin.append(i)
                continue
            out.append(piece)
            origin.append(i)
    return "".join(out), origin


def verbatim_span(quote: str, text: str) -> str | None:
    """The passage's own text of `quote`: found word for word once both are tidied (`_normalised`), and returned
    as the passage writes it, so what the report shows is the source's exact span."""
    wanted, _ = _normalised(quote.strip().strip("\"“”'‘’ "))
    wanted = wanted.strip()
    if not wanted:
        return None
    source, origin = _normalised(text)
    at = source.find(wanted)
    if at < 0:
        return None
    return text[origin[at] : origin[at + len(wanted) - 1] + 1]


def missing_numbers(claim: str, quote: str) -> list[str]:
    """The claim's numbers that its quote lacks (a trailing %, x or × ignored)."""
    return numbers_missing_from(claim, quote)


def check_claim(
    proposed: Proposed, passages: dict[str, Passage], contexts: dict[str, Context] | None = None
) -> tuple[str | None, str]:
    """(the passage's own text of the quote, '') if the claim stands; (None, reason) if it is rejected.
    `contexts`: per passage id, the text around it and its paper's title (words a claim may resolve to)."""
    passage = passages.get(proposed.passage_id.strip().strip("[]"))
    if passage is None:
        return None, f"no passage '{proposed.passage_id}' was shown"
    if _ELLIPSIS.search(proposed.quote):
        return None, "quote elides text (an ellipsis)"
    quote = verbatim_span(proposed.quote, passage.text)
    if quote is None:
        return None, "quote is not verbatim in its passage"
    if not proposed.claim.strip():
        return None, "empty claim"
    if gives_orders(quote) or gives_orders(proposed.claim):
        return None, "it gives orders to the system: an instruction, not a finding"
    context = (contexts or {}).get(passage.id, Context(passage=passage.text))
    reason = unfaithful(proposed.claim, quote, context)
    if reason is not None:
        return None, reason
    return quote, ""


# RejectedClaim.reason (before any ':') -> the plural a summary uses.
_REJECTION_PLURALS = {
    "quote is not verbatim in its passage": "quotes not found in the passages",
    "quote elides text (an ellipsis)": "quotes with an ellipsis",
    "numbers not in its quote": "numbers not in their quotes",
    "empty claim": "empty claims",
    "it gives orders to the system": "instructions, not findings",
    "adds a negation its quote lacks": "negations not in their quotes",
    "drops its quote's negation": "quotes' negations dropped",
    "states a direction its quote does not": "directions their quotes do not state",
    "changes how large its quote says the effect is": "effect sizes changed",
    "turns its quote's comparison around": "comparisons turned around",
    "asserts more than its quote": "claims stronger than their quotes",
    "narrows its quote": "claims narrower than their quotes",
    "names what its quote and passage do not": "names not in their passages",
    "adds words its quote lacks": "words not in their quotes",
}


def _plural(reason: str) -> str:
    head = reason.split(":")[0].split(" (")[0]
    if head.startswith("no passage"):
        return "passages that were not shown"
    if head.startswith("quote too short"):
        return "quotes too short to carry a finding"
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
