"""The tribunal's rubrics: each reviewer scores the dossier 0-10 from checks anyone can recompute.

A score is 10 x a weighted sum of shares in [0, 1]; the weights below are the rubric, printed in each
review's rationale. The tribunal's score is the mean of the three reviewers' scores; below
`Context.revise_below` (6.5) a revision round runs while one is left. Every objection names the claim
(C3) or facet (F2) it is about, or "dossier", and carries a machine-readable `kind` the reviser acts on.

SKEPTIC     doubts the findings: claims corroborated by another paper 0.45, claims not contradicted 0.15,
            source diversity 0.2, counter-evidence sought 0.2.
VALIDATOR   checks the evidence: verbatim quotes 0.3, grounded claims 0.25, numbers that match their quotes
            0.15, verification rate 0.15, confident verdicts (verified claims grounded at >= 0.5) 0.15.
SYNTHESIZER asks whether the question is answered: facets covered (in full 1, in part 0.5) 0.5, outcome
            facets supported by a verified claim 0.3, source diversity 0.2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sovereign_graph.engines.facets import FULL_COVERAGE, required_facets
from sovereign_graph.engines.text import numbers
from sovereign_graph.state import Claim, Facet, Objection, Passage, Query, Review, Role

COUNTER_EVIDENCE = "counter-evidence"  # the origin prefix of queries that look for evidence against a finding
CONFIDENT = 0.5


@dataclass(frozen=True)
class Dossier:
    question: str
    facets: list[Facet]
    claims: list[Claim]
    passages: list[Passage]
    round: int
    verify_threshold: float
    queries: list[Query] = field(default_factory=list)


def _share(count: float, total: int) -> float:
    return count / total if total else 0.0


def _review(role: Role, dossier: Dossier, parts: dict[str, tuple[float, float]], objections: list[Objection]) -> Review:
    score = 10 * sum(weight * value for weight, value in parts.values())
    rationale = "; ".join(f"{name} {value:.0%} (weight {weight:g})" for name, (weight, value) in parts.items())
    return Review(role=role, round=dossier.round, score=round(score, 1), rationale=rationale, objections=objections)


def _no_claims(role: Role, dossier: Dossier) -> Review:
    objections = [Objection(target="dossier", kind="no_claims", message="No retrieved claim bears on the question.")]
    objections += [
        Objection(target=f.id, kind="uncovered_facet", message=f"No claim addresses {f.id} '{f.text}'.")
        for f in dossier.facets
    ]
    return Review(
        role=role,
        round=dossier.round,
        score=0.0,
        rationale="no claim bears on the question, so there is nothing to review",
        objections=objections,
    )


def _diversity(claims: list[Claim], enough: int) -> float:
    return min(1.0, _share(len({c.paper_id for c in claims}), min(len(claims), enough)))


def skeptic(dossier: Dossier) -> Review:
    claims = dossier.claims
    if not claims:
        return _no_claims("SKEPTIC", dossier)
    objections: list[Objection] = []
    for claim in claims:
        if claim.label == "CONTRADICT":
            against = next((e.paper_id for e in claim.evidence if e.label == "CONTRADICT"), "another paper")
            objections.append(
                Objection(target=claim.id, kind="contradicted", message=f"{claim.id} is contradicted by {against}.")
            )
        elif claim.label != "SUPPORT":
            objections.append(
                Objection(
                    target=claim.id,
                    kind="uncorroborated",
                    message=f"{claim.id} rests on arXiv:{claim.paper_id} alone; no other retrieved paper "
                    "corroborates it.",
                )
            )
        if not claim.facets:
            objections.append(
                Objection(target=claim.id, kind="off_topic", message=f"{claim.id} addresses none of the facets.")
            )
    sources = {c.paper_id for c in claims}
    if len(sources) == 1:
        objections.append(
            Objection(
                target="dossier",
                kind="single_source",
                message=f"Every claim comes from one paper (arXiv:{next(iter(sources))}).",
            )
        )
    searched = any(q.origin.startswith(COUNTER_EVIDENCE) for q in dossier.queries)
    if not searched:
        objections += [
            Objection(
                target=f.id,
                kind="no_counter_search",
                message=f"No search looked for evidence against the findings on {f.id} '{f.text}'.",
            )
            for f in required_facets(dossier.facets)[:2]
        ]
    parts = {
        "corroborated claims": (0.45, _share(sum(c.label == "SUPPORT" for c in claims), len(claims))),
        "claims not contradicted": (0.15, _share(sum(c.label != "CONTRADICT" for c in claims), len(claims))),
        "source diversity": (0.2, _diversity(claims, 3)),
        "counter-evidence sought": (0.2, 1.0 if searched else 0.0),
    }
    return _review("SKEPTIC", dossier, parts, objections)


def validator(dossier: Dossier) -> Review:
    claims = dossier.claims
    if not claims:
        return _no_claims("VALIDATOR", dossier)
    passages = {p.id: p.text for p in dossier.passages}
    objections: list[Objection] = []
    faithful = grounded = numbers_ok = 0
    for claim in claims:
        if claim.quote and claim.quote in passages.get(claim.passage_id, ""):
            faithful += 1
        else:
            objections.append(
                Objection(
                    target=claim.id,
                    kind="quote_not_found",
                    message=f"{claim.id}'s quote is not verbatim in {claim.passage_id}.",
                )
            )
        if claim.grounding is not None and claim.grounding >= dossier.verify_threshold:
            grounded += 1
        else:
            objections.append(
                Objection(target=claim.id, kind="ungrounded", message=f"{claim.id} is not entailed by its own quote.")
            )
        missing = [n for n in numbers(claim.text) if n not in claim.quote]
        if missing:
            objections.append(
                Objection(
                    target=claim.id,
                    kind="numbers_mismatch",
                    message=f"{claim.id} states {', '.join(missing)}, absent from its quote.",
                )
            )
        else:
            numbers_ok += 1
    verified = [c for c in claims if c.verified]
    # `verified` rests on grounding, so a weak verdict is a weak grounding (not the corroboration's confidence).
    weak = [c for c in verified if (c.grounding or 0.0) < CONFIDENT]
    objections += [
        Objection(
            target=c.id,
            kind="weak_verdict",
            message=f"{c.id} is marked verified on a weak grounding ({c.grounding or 0.0:.2f}).",
        )
        for c in weak
    ]
    if len(verified) < len(claims) / 2:
        objections.append(
            Objection(
                target="dossier",
                kind="low_verification",
                message=f"Only {len(verified)} of {len(claims)} claims are verified.",
            )
        )
    parts = {
        "verbatim quotes": (0.3, _share(faithful, len(claims))),
        "grounded claims": (0.25, _share(grounded, len(claims))),
        "numbers match quotes": (0.15, _share(numbers_ok, len(claims))),
        "verification rate": (0.15, _share(len(verified), len(claims))),
        "confident verdicts": (0.15, _share(len(verified) - len(weak), len(verified)) if verified else 0.0),
    }
    return _review("VALIDATOR", dossier, parts, objections)


def synthesizer(dossier: Dossier) -> Review:
    claims = dossier.claims
    if not claims:
        return _no_claims("SYNTHESIZER", dossier)
    objections: list[Objection] = []
    covered = 0.0
    for facet in dossier.facets:
        shares = [c.coverage[facet.id] for c in claims if facet.id in c.coverage]
        if not shares:
            objections.append(
                Objection(
                    target=facet.id, kind="uncovered_facet", message=f"No claim addresses {facet.id} '{facet.text}'."
                )
            )
        elif max(shares) < FULL_COVERAGE:
            covered += 0.5
            objections.append(
                Objection(
                    target=facet.id,
                    kind="partial_facet",
                    message=f"Claims touch {facet.id} '{facet.text}' only in part.",
                )
            )
        else:
            covered += 1
    outcomes = required_facets(dossier.facets)
    supported = 0
    for facet in outcomes:
        if any(c.verified and facet.id in c.facets for c in claims):
            supported += 1
        elif any(facet.id in c.facets for c in claims):
            ids = ", ".join(c.id for c in claims if facet.id in c.facets)
            objections.append(
                Objection(
                    target=facet.id,
                    kind="unsupported_facet",
                    message=f"{facet.id} '{facet.text}' rests only on unverified claims ({ids}).",
                )
            )
    parts = {
        "facets covered": (0.5, _share(covered, len(dossier.facets))),
        "outcome facets supported": (0.3, _share(supported, len(outcomes))),
        "source diversity": (0.2, _diversity(claims, 4)),
    }
    return _review("SYNTHESIZER", dossier, parts, objections)


RUBRICS = {"SKEPTIC": skeptic, "VALIDATOR": validator, "SYNTHESIZER": synthesizer}


def aggregate(reviews: list[Review]) -> float:
    """The tribunal's score: the mean of the round's reviews, one decimal."""
    return round(sum(r.score for r in reviews) / len(reviews), 1) if reviews else 0.0
