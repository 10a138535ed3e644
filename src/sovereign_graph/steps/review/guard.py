"""The guard on a model reviewer: its review stands only where the dossier supports it; else the rubric's does.

A model's review is compared with what that role's rubric (`rubrics.py`) computes from the same dossier. A score
above the band (rule 2) is **clamped** to the rubric's score plus the band, the review otherwise kept (its
rationale and objections): a model may weigh the evidence higher than the mechanical checks, but not
invent it, and it may always score lower. The review is **rejected** — that round's review for that role is then
the rubric's, and the report says so — when any other rule fails:

1. **A substantive rationale**: at least `RATIONALE_WORDS` (6) words (a word starts with a letter; claim and
   facet ids count, ">=100" or ":{" do not), at least `DISTINCT_WORDS` (4) of them distinct, and a verb (an
   auxiliary, modal or copula, a common reviewing verb, or a word in -ed): a sentence, not a token ("yes").
2. **Within the band**: the score is at most `BAND` (3.0) points above the rubric's (else clamped, see above).
3. **No perfect score on an imperfect dossier**: 10/10 only with claims, every facet addressed by a claim and
   every claim verified (a 10 above the band is clamped instead, as any score there is).
4. **A low score says why**: below the tribunal threshold (`Context.revise_below`, 6.5) the review names at least
   one claim or facet of the dossier in an objection (objections naming ids that do not exist are dropped first).
5. **It speaks about the dossier, not to the system**: a rationale or objection that gives orders ("ignore all
   previous instructions", "you must", "this must be ACCEPTED", "rate this evidence conclusive") is what a model
   writes when a paper's text has steered it; the whole review is set aside.

How the band was chosen (`evals/review_guard_bench.py`, output in `evals/results/review_guard_bench.txt`): on the
labelled dossiers of both halves (67 questions: a good, an off-topic and an empty dossier each) the rubrics'
aggregate reaches at most 3.1 on an off-topic dossier and 0.0 on an empty one; good ones have median 3.9 (max
5.6). Three model reviewers each moving their score by the band move the aggregate by as much, so 3.0 is the
widest band in half points under which no off-topic dossier reaches the 6.5 threshold (3.1 + 3.0 = 6.1; 3.5
would give 6.6) and no empty one leaves REJECT (< 4.0), while models that judge a good dossier better than its
mechanical checks show can still lift 47 of the 67 to the threshold: a model may weigh the evidence, not invent it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sovereign_graph.state import Review
from sovereign_graph.steps.review.rubrics import Dossier
from sovereign_graph.text.orders import gives_orders

BAND = 3.0
RATIONALE_WORDS = 6
DISTINCT_WORDS = 4
PERFECT = 9.95  # 10 once rounded to the tribunal's one decimal

_WORD = re.compile(r"\b[A-Za-z][\w'’-]*")
# Auxiliaries, modals, copulas and the verbs reviews use: a rationale without any is a list, not a sentence.
_VERB_WORDS = """
    is are was were be been being am has have had do does did can cannot could should would may might must will
    shall isn't aren't wasn't weren't hasn't haven't doesn't don't didn't can't couldn't shouldn't won't lack lacks
    show shows support supports cover covers rest rests need needs remain remains address addresses contradict
    contradicts corroborate corroborates provide provides suggest suggests report reports indicate indicates answer
    answers come comes rely relies give gives make makes seem seems appear appears leave leaves mention mentions
    establish establishes confirm confirms agree agrees hold holds fail fails measure measures state states"""
_VERBS = frozenset(_VERB_WORDS.split())


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def substantive(rationale: str) -> bool:
    """Sentences, not a token: enough words, enough distinct ones, and a verb among them."""
    words = [w.casefold().replace("’", "'") for w in _WORD.findall(rationale)]
    has_verb = any(w in _VERBS or (len(w) >= 5 and w.endswith("ed")) for w in words)
    return len(words) >= RATIONALE_WORDS and len(set(words)) >= DISTINCT_WORDS and has_verb


def _imperfect(dossier: Dossier) -> str | None:
    """Why the dossier cannot deserve 10/10, or None if it could."""
    covered = sum(any(f.id in c.facets for c in dossier.claims) for f in dossier.facets)
    if covered < len(dossier.facets):
        return f"{covered} of {len(dossier.facets)} facets covered"
    if not dossier.claims:
        return "no claims"
    unverified = sum(not c.verified for c in dossier.claims)
    if unverified:
        return f"{unverified} of {len(dossier.claims)} claims unverified"
    return None


def review_failures(model: Review, rubric: Review, dossier: Dossier, threshold: float) -> list[str]:
    """What makes the model's review unacceptable on this dossier (empty: it stands). `model.objections` are the
    ones naming real targets; `rubric` is the role's rubric review of the same dossier."""
    failures: list[str] = []
    score = _number(model.score)
    for text in [model.rationale, *(o.message for o in model.objections)]:
        if order := gives_orders(text):
            failures.append(f"it speaks to the system (“{order}”), not about the dossier")
            break
    # Above the band a 10 is clamped like any other score (a generous model, not a compromised one); within it, a
    # 10 on a dossier that cannot deserve one is a judgement out of line with the evidence.
    if model.score >= PERFECT and not above_band(model, rubric) and (why := _imperfect(dossier)):
        failures.append(f"score {score} with {why}")
    if not substantive(model.rationale):
        shown = " ".join(model.rationale.split())
        shown = shown if len(shown) <= 40 else shown[:39].rstrip() + "…"
        failures.append(f"rationale “{shown}” is not a sentence")
    if above_band(model, rubric):
        failures.append(f"score {score} is more than {_number(BAND)} from the rubric's {_number(rubric.score)}")
    ids = {c.id for c in dossier.claims} | {f.id for f in dossier.facets}
    if model.score < threshold and not any(o.target in ids for o in model.objections):
        failures.append(f"score {score} below {_number(threshold)} with no objection naming a claim or facet")
    return failures


def above_band(model: Review, rubric: Review) -> bool:
    return round(model.score - rubric.score, 6) > BAND  # scores have one decimal: 7.3 - 4.3 is within 3


@dataclass(frozen=True)
class Guarded:
    review: Review
    reason: str | None  # the report's line when the model's review was clamped or rejected; None if it stood
    kept: bool  # the model's review (and so its Answer) is the one used, perhaps with its score clamped


def guard_review(model: Review, rubric: Review, dossier: Dossier, threshold: float) -> Guarded:
    """The review to use: the model's, the model's with its score clamped into the band, or the rubric's."""
    failures = review_failures(model, rubric, dossier, threshold)
    if not failures:
        return Guarded(model, None, True)
    if failures == [
        f"score {_number(model.score)} is more than {_number(BAND)} from the rubric's {_number(rubric.score)}"
    ]:
        clamped = round(rubric.score + BAND, 1)
        reason = (
            f"model score {_number(model.score)} clamped to {_number(clamped)} (the rubric's {_number(rubric.score)} "
            f"+ {_number(BAND)}); its rationale and objections kept"
        )
        return Guarded(model.model_copy(update={"score": clamped}), reason, True)
    return Guarded(rubric, f"model review rejected ({'; '.join(failures)}); rubric review used", False)
