"""The policy: from the tribunal's score and the dossier, a recommendation to the owner."""

from __future__ import annotations

from sovereign_graph.state import Claim, Gap, Recommendation

REJECT_BELOW = 4.0


def recommend(
    score: float, claims: list[Claim], accept_at: float, gaps: list[Gap] | None = None
) -> tuple[Recommendation, bool]:
    """ACCEPT at or above the tribunal threshold with most claims verified, none contradicted and no evidence
    gap on what the question asks (its outcome, benchmark, intervention or comparison; a gap on a mere
    condition is allowed); REJECT with no claims or a score under 4; REVISE in between. Escalated = needs the
    owner's attention beyond a routine sign-off (anything but a clean ACCEPT, or any contradiction)."""
    contradicted = any(c.label == "CONTRADICT" for c in claims)
    verified_share = sum(c.verified for c in claims) / len(claims) if claims else 0.0
    outcome_gap = any(g.kind != "condition" for g in gaps or [])
    recommendation: Recommendation
    if not claims or score < REJECT_BELOW:
        recommendation = "REJECT"
    elif score >= accept_at and verified_share >= 0.5 and not contradicted and not outcome_gap:
        recommendation = "ACCEPT"
    else:
        recommendation = "REVISE"
    return recommendation, recommendation != "ACCEPT" or contradicted
