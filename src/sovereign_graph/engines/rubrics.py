"""The tribunal's rubrics: each reviewer scores the dossier 0-10 from checks anyone can recompute.

Each score is 10 x a weighted mean of shares in [0, 1]; the weights are the rubric. The tribunal's
score is the mean of the three reviewers' scores; below `Context.revise_below` (6.5) a revision round
runs while one is left.
"""

from __future__ import annotations

from dataclasses import dataclass

from sovereign_graph.engines.text import numbers
from sovereign_graph.state import Claim, Facet, Objection, Passage, Review, Role


@dataclass(frozen=True)
class Dossier:
    question: str
    facets: list[Facet]
    claims: list[Claim]
    passages: list[Passage]
    round: int
    verify_threshold: float


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def _review(role: Role, dossier: Dossier, parts: dict[str, tuple[float, float]], objections: list[Objection]) -> Review:
    score = 10 * sum(weight * value for weight, value in parts.values())
    rationale = "; ".join(f"{name} {value:.0%} (weight {weight:g})" for name, (weight, value) in parts.items())
    return Review(role=role, round=dossier.round, score=round(score, 1), rationale=rationale, objections=objections)


def _empty_dossier(role: Role, dossier: Dossier) -> Review:
    return Review(
        role=role,
        round=dossier.round,
        score=0.0,
        rationale="no claim bears on the question, so nothing can be reviewed",
        objections=[Objection(target="dossier", kind="no_claims", message="The dossier has no claims.")],
    )


def skeptic(dossier: Dossier) -> Review:
    """Doubts the findings: unverified or contradicted claims, off-topic claims, a single source."""
    claims = dossier.claims
    if not claims:
        return _empty_dossier("SKEPTIC", dossier)
    objections: list[Objection] = []
    for claim in claims:
        if claim.label == "CONTRADICT":
            objections.append(
                Objection(
                    target=claim.id,
                    kind="contradicted",
                    message=f"{claim.id} is contradicted by {_best_source(claim)}.",
                )
            )
        elif not claim.verified:
            objections.append(
                Objection(
                    target=claim.id,
                    kind="unverified",
                    message=f"{claim.id} is not corroborated by any other retrieved paper.",
                )
            )
        if not claim.facets:
            objections.append(
                Objection(
                    target=claim.id,
                    kind="off_topic",
                    message=f"{claim.id} addresses none of the question's facets.",
                )
            )
    sources = {c.paper_id for c in claims}
    if len(sources) == 1:
        objections.append(
            Objection(
                target="dossier",
                kind="single_source",
                message=f"Every claim comes from one paper ({next(iter(sources))}); "
                "no counter-evidence was sought elsewhere.",
            )
        )
    parts = {
        "verified claims": (0.5, _share(sum(c.verified for c in claims), len(claims))),
        "source diversity": (0.25, min(1.0, _share(len(sources), min(len(claims), 3)))),
        "on-topic claims": (0.25, _share(sum(bool(c.facets) for c in claims), len(claims))),
    }
    return _review("SKEPTIC", dossier, parts, objections)


def validator(dossier: Dossier) -> Review:
    """Checks the evidence itself: verbatim quotes, grounding, numbers that match their quotes."""
    claims = dossier.claims
    if not claims:
        return _empty_dossier("VALIDATOR", dossier)
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
                Objection(
                    target=claim.id,
                    kind="ungrounded",
                    message=f"{claim.id} is not entailed by its own quote.",
                )
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
    verified = sum(c.verified for c in claims)
    if verified < len(claims) / 2:
        objections.append(
            Objection(
                target="dossier",
                kind="low_verification",
                message=f"Only {verified} of {len(claims)} claims are verified.",
            )
        )
    parts = {
        "verbatim quotes": (0.35, _share(faithful, len(claims))),
        "grounded claims": (0.25, _share(grounded, len(claims))),
        "numbers match quotes": (0.2, _share(numbers_ok, len(claims))),
        "verification rate": (0.2, _share(verified, len(claims))),
    }
    return _review("VALIDATOR", dossier, parts, objections)


def synthesizer(dossier: Dossier) -> Review:
    """Asks whether the evidence answers the question: facet coverage, support, source diversity."""
    claims = dossier.claims
    if not claims:
        review = _empty_dossier("SYNTHESIZER", dossier)
        review.objections += [
            Objection(target=f.id, kind="uncovered_facet", message=f"No claim addresses '{f.text}'.")
            for f in dossier.facets
        ]
        return review
    objections: list[Objection] = []
    covered = supported = 0
    for facet in dossier.facets:
        addressing = [c for c in claims if facet.id in c.facets]
        if not addressing:
            objections.append(
                Objection(target=facet.id, kind="uncovered_facet", message=f"No claim addresses '{facet.text}'.")
            )
            continue
        covered += 1
        if any(c.verified for c in addressing):
            supported += 1
        else:
            ids = ", ".join(c.id for c in addressing)
            objections.append(
                Objection(
                    target=facet.id,
                    kind="unsupported_facet",
                    message=f"'{facet.text}' rests only on unverified claims ({ids}).",
                )
            )
    sources = {c.paper_id for c in claims}
    parts = {
        "facets covered": (0.45, _share(covered, len(dossier.facets))),
        "facets supported": (0.35, _share(supported, len(dossier.facets))),
        "source diversity": (0.2, min(1.0, _share(len(sources), min(len(claims), 4)))),
    }
    return _review("SYNTHESIZER", dossier, parts, objections)


def _best_source(claim: Claim) -> str:
    against = [e for e in claim.evidence if e.label == "CONTRADICT"]
    return against[0].paper_id if against else "the evidence"


RUBRICS = {"SKEPTIC": skeptic, "VALIDATOR": validator, "SYNTHESIZER": synthesizer}


def aggregate(reviews: list[Review]) -> float:
    return round(sum(r.score for r in reviews) / len(reviews), 1) if reviews else 0.0
