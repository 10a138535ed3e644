"""Why a live role's output was rejected or replaced, in the words the report and the CLI show the owner.

Each LLM engine (`roles.py`) returns one of these reasons when its model's answer did not stand as it was: the
planner's queries filled by the offline planner, the extractor's claims rejected by the quote and number checks,
the reviser's queries replaced by the offline reviser. Reviewers' reasons come from `engines/review_guard.py`.
"""

from __future__ import annotations

from collections import Counter

from sovereign_graph.state import RejectedClaim

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


def query_reason(offered: int, usable: int, skipped: Counter[str], *, replaced_by: str, filled: int) -> str:
    """A planner's or reviser's fallback: how many of the model's queries stood, why the others did not, and
    what the offline engine wrote instead."""
    why = f" ({', '.join(f'{n} {reason}' for reason, n in skipped.most_common())})" if skipped else ""
    got = "the model proposed no query" if offered == 0 else f"{usable} of the model's {offered} queries usable{why}"
    if not filled:
        return f"{got}; {replaced_by} had none to add"
    return f"{got}; {replaced_by} wrote {filled} quer{'y' if filled == 1 else 'ies'}"
