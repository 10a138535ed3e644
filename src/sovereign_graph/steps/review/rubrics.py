"""The tribunal's rubrics: each reviewer scores the dossier 0-10 from checks anyone can recompute.

A score is 10 x a weighted sum of shares in [0, 1]; the weights below are the rubric, printed in each
review's rationale. The tribunal's score is the mean of the three reviewers' scores; below
`Context.revise_below` (6.5) a revision round runs while one is left. Every objection names the claim
(C3) or facet (F2) it is about, or "dossier", and carries a machine-readable `kind` the reviser acts on.

Only claims that bear on the question count for a reviewer. Each claim has a *weight*: 1 when the relevance
model's calibrated probability that it answers the question (`Claim.relevance`) reaches its bar
(`Dossier.relevance`, the bar extraction used: lower for the subject paper's own findings), in proportion
below it. Every share is "weight of the claims passing the check / number of claims", so a dossier of
verbatim, corroborated claims about another question scores near zero, and padding a dossier with off-topic
claims lowers its score. Only the two mechanical checks of the evidence (quotes verbatim, numbers in their
quotes) count every claim fully. "Verified" counts only checks that could have failed (`steps/verify/verdict.py`): a
claim that is its own quote is not grounded by being compared with itself.

SKEPTIC     doubts the findings: on-topic claims corroborated by another paper 0.35, on-topic claims not
            contradicted 0.25, source diversity (times the on-topic share) 0.2, counter-evidence sought 0.2.
VALIDATOR   checks the evidence: claims on topic 0.35, verbatim quotes 0.15, numbers that match their quotes
            0.15, on-topic claims verified by a check that could fail 0.25, confident verdicts (the passing
            check at >= 0.5) 0.1.
SYNTHESIZER asks whether the question is answered: facets covered (each by its best claim: in full 1, in part
            0.5, times that claim's weight) 0.5, outcome facets supported by a verified claim 0.3, source
            diversity (times the on-topic share) 0.2.

Calibration (`evals/tribunal_bench.py`): per labelled question, a good dossier (its sentences judged to answer
it), an off-topic one (another question's answers) and an empty one. The weights were set on the tuning half
(ordering good > off-topic > empty 47/49 with the final relevance model; off-topic 1.0-3.1, median 1.4; good
median 3.9); on the test half the ordering holds for 18/18 questions, every off-topic (1.0-2.2) and empty (0.0)
dossier scores below 4.0 (REJECT), good dossiers score 1.8-5.5 (median 3.3: their claims are mostly
uncorroborated, and many judged answers fall under the relevance threshold, so they count only in part).

Live model reviewers are held to these rubrics (`guard.py`): a model's review stands only with a rationale
of sentences, a score within 3.0 of its rubric's (the band, chosen on these labelled dossiers), no 10/10 while a
facet is uncovered or a claim unverified, and an objection naming a real claim or facet below 6.5; otherwise
that round's review for that role is the rubric's, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import Claim, Facet, Objection, Passage, Query, Review, Role
from sovereign_graph.steps.extract.relevance.model import RelevanceBar
from sovereign_graph.steps.plan.facets.coverage import required_facets
from sovereign_graph.steps.plan.purpose import seeks_counter_evidence
from sovereign_graph.steps.verify.verdict import quoted
from sovereign_graph.text.numbers import numbers_missing_from

CONFIDENT = 0.5


@dataclass(frozen=True)
class Dossier:
    question: str
    facets: list[Facet]
    claims: list[Claim]
    passages: list[Passage]
    round: int
    relevance: RelevanceBar
    queries: list[Query] = field(default_factory=list)
    # Each retrieved paper's title and year ("Title (2025)"), by id: what a model reviewer is shown of a source.
    papers: dict[str, str] = field(default_factory=dict)

    def on_topic(self, claim: Claim) -> bool:
        return self.relevance.clears(claim)

    def weight(self, claim: Claim) -> float:
        """How fully a claim counts: 1 at or above its relevance bar, in proportion below it."""
        return self.relevance.weight(claim)

    def weighted(self, passes: Callable[[Claim], bool]) -> float:
        """The share of claims that bear on the question and pass the check, each counted by its weight."""
        return _share(sum(self.weight(c) for c in self.claims if passes(c)), len(self.claims))

    def relevant_claims(self) -> list[Claim]:
        return [c for c in self.claims if self.on_topic(c)]


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


def _off_topic(dossier: Dossier) -> list[Objection]:
    def why(claim: Claim) -> str:
        if not dossier.on_topic(claim):
            return f"relevance {claim.relevance:.2f} < {dossier.relevance.of(claim):g}"
        return "it addresses none of the facets"

    return [
        Objection(target=c.id, kind="off_topic", message=f"{c.id} does not bear on the question ({why(c)}).")
        for c in dossier.claims
        if not dossier.on_topic(c) or not c.facets
    ]


def off_topic_ids(dossier: Dossier) -> set[str]:
    """The claims the rubrics object to as off-topic: the only ones a reviser may drop."""
    return {o.target for o in _off_topic(dossier)}


def skeptic(dossier: Dossier) -> Review:
    claims = dossier.claims
    if not claims:
        return _no_claims("SKEPTIC", dossier)
    relevant = dossier.relevant_claims()
    objections = _off_topic(dossier)
    for claim in relevant:
        if claim.contradicted:
            against = next((e.paper_id for e in claim.evidence if e.label == "CONTRADICT"), "another paper")
            objections.append(
                Objection(target=claim.id, kind="contradicted", message=f"{claim.id} is contradicted by {against}.")
            )
        elif not claim.corroborated:
            objections.append(
                Objection(
                    target=claim.id,
                    kind="uncorroborated",
                    message=f"{claim.id} rests on {reference(claim.paper_id)} alone; no other retrieved paper "
                    "corroborates it.",
                )
            )
    sources = {c.paper_id for c in relevant}
    if len(sources) == 1:
        objections.append(
            Objection(
                target="dossier",
                kind="single_source",
                message=f"Every on-topic claim comes from one paper ({reference(next(iter(sources)))}).",
            )
        )
    searched = any(seeks_counter_evidence(q) for q in dossier.queries)
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
        "on-topic claims corroborated": (0.35, dossier.weighted(lambda c: c.corroborated)),
        "on-topic claims not contradicted": (0.25, dossier.weighted(lambda c: not c.contradicted)),
        "source diversity": (0.2, _diversity(claims, 3) * dossier.weighted(lambda c: True)),
        "counter-evidence sought": (0.2, 1.0 if searched else 0.0),
    }
    return _review("SKEPTIC", dossier, parts, objections)


def _confident(claim: Claim) -> bool:
    """The check that verified the claim passed clearly: its grounding, else its corroboration, at >= 0.5."""
    if claim.grounded:
        return (claim.grounding or 0.0) >= CONFIDENT
    return claim.corroborated and claim.confidence >= CONFIDENT


def validator(dossier: Dossier) -> Review:
    claims = dossier.claims
    if not claims:
        return _no_claims("VALIDATOR", dossier)
    passages = {p.id: p for p in dossier.passages}
    relevant = dossier.relevant_claims()
    objections = _off_topic(dossier)
    faithful = numbers_ok = 0
    for claim in claims:
        if quoted(claim, passages):
            faithful += 1
        else:
            objections.append(
                Objection(
                    target=claim.id,
                    kind="quote_not_found",
                    message=f"{claim.id}'s quote is not verbatim in {claim.passage_id}.",
                )
            )
        if claim.grounded is False:
            objections.append(
                Objection(target=claim.id, kind="ungrounded", message=f"{claim.id} is not entailed by its own quote.")
            )
        missing = numbers_missing_from(claim.text, claim.quote)
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
    verified = [c for c in relevant if c.verified]
    objections += [
        Objection(
            target=c.id,
            kind="unverified",
            message=f"{c.id} is not verified: "
            + (
                "it is its own quote, so only another paper could corroborate it, and none does."
                if c.grounded is None
                else "neither its quote nor another paper supports it."
            ),
        )
        for c in relevant
        if not c.verified and not c.contradicted
    ]
    weak = [c for c in verified if not _confident(c)]
    objections += [
        Objection(target=c.id, kind="weak_verdict", message=f"{c.id} is marked verified on a weak check.") for c in weak
    ]
    if len(verified) < len(claims) / 2:
        objections.append(
            Objection(
                target="dossier",
                kind="low_verification",
                message=f"Only {len(verified)} of {len(claims)} claims are verified by a check that could fail.",
            )
        )
    parts = {
        "claims on topic": (0.35, dossier.weighted(lambda c: True)),
        "verbatim quotes": (0.15, _share(faithful, len(claims))),
        "numbers match quotes": (0.15, _share(numbers_ok, len(claims))),
        "on-topic claims verified": (0.25, dossier.weighted(lambda c: c.verified)),
        "confident verdicts": (0.1, dossier.weighted(lambda c: c.verified and _confident(c))),
    }
    return _review("VALIDATOR", dossier, parts, objections)


def synthesizer(dossier: Dossier) -> Review:
    claims = dossier.claims
    if not claims:
        return _no_claims("SYNTHESIZER", dossier)
    relevant = dossier.relevant_claims()
    objections: list[Objection] = []
    covered = 0.0
    for facet in dossier.facets:
        # A facet counts by its best claim: in full 1, in part 0.5, times how fully that claim bears on the question.
        credits = [
            dossier.weight(c) * (1.0 if c.coverage[facet.id] >= FULL_COVERAGE else 0.5)
            for c in claims
            if facet.id in c.coverage
        ]
        shares = [c.coverage[facet.id] for c in relevant if facet.id in c.coverage]
        covered += max(credits, default=0.0)
        if not shares:
            objections.append(
                Objection(
                    target=facet.id, kind="uncovered_facet", message=f"No claim addresses {facet.id} '{facet.text}'."
                )
            )
        elif max(shares) < FULL_COVERAGE:
            objections.append(
                Objection(
                    target=facet.id,
                    kind="partial_facet",
                    message=f"Claims touch {facet.id} '{facet.text}' only in part.",
                )
            )
    outcomes = required_facets(dossier.facets)
    supported = 0.0
    for facet in outcomes:
        supported += max((dossier.weight(c) for c in claims if c.verified and facet.id in c.facets), default=0.0)
        if any(c.verified and facet.id in c.facets for c in relevant):
            pass
        elif any(facet.id in c.facets for c in relevant):
            ids = ", ".join(c.id for c in relevant if facet.id in c.facets)
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
        "source diversity": (0.2, _diversity(claims, 4) * dossier.weighted(lambda c: True)),
    }
    return _review("SYNTHESIZER", dossier, parts, objections)


RUBRICS = {"SKEPTIC": skeptic, "VALIDATOR": validator, "SYNTHESIZER": synthesizer}
