"""Every Answer sentence is checked before it is shown, the offline builder's and a model's alike. A sentence
stands only if every claim id it cites exists and bears on the question, every number it states is in a cited
claim's quote, it gives no orders, and what it says follows from the cited quotes (`support.py`). A sentence
that fails is dropped and counted in the report, never shown. Where a model's sentences for a facet (or its
bottom line) all fail, the offline builder's sentences stand in for them, and the report says so."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sovereign_graph.scoring import FULL_COVERAGE
from sovereign_graph.state import AnswerSentence, Claim, DroppedSentence, Facet, FacetAnswer
from sovereign_graph.steps.answer.rules import NO_ANSWER, SILENT, Draft, facet_answer, silent
from sovereign_graph.steps.answer.support import SOURCE_NAMES, SupportCheck, states_a_finding
from sovereign_graph.text.numbers import numbers_missing_from
from sovereign_graph.text.orders import gives_orders

BOTTOM_LINE = "bottom line"  # where a dropped sentence of the bottom line is counted (a facet's is under its id)


def sentence_problem(sentence: AnswerSentence, claims: dict[str, Claim]) -> str | None:
    """Why a sentence may not stand, before its finding is read against its quotes: unknown or off-topic claim
    ids, no citation for a sentence that states a finding, numbers absent from every cited quote, or orders."""
    order = gives_orders(sentence.text)
    if order:
        return f"gives orders (“{order}”)"
    unknown = [cid for cid in sentence.claims if cid not in claims]
    if unknown:
        return f"cites unknown or off-topic claim(s) {', '.join(unknown)}"
    if not sentence.claims and sentence.text.strip() not in (SILENT, NO_ANSWER) and states_a_finding(sentence.text):
        return "cites no claim"
    quotes = " ".join(claims[cid].quote for cid in sentence.claims)
    missing = numbers_missing_from(SOURCE_NAMES.sub(" ", sentence.text), quotes)
    if missing:
        return f"states {', '.join(missing)}, absent from the quotes it cites"
    return None


@dataclass
class Checked:
    bottom_line: list[AnswerSentence]
    facets: list[FacetAnswer]
    dropped: list[DroppedSentence] = field(default_factory=list)
    # Where a model's sentences all failed and the offline builder's stand instead: "bottom line" or facet ids.
    filled: list[str] = field(default_factory=list)


def _kept(
    sentences: Sequence[AnswerSentence], place: str, usable: dict[str, Claim], support: SupportCheck
) -> tuple[list[AnswerSentence], list[DroppedSentence]]:
    first = [sentence_problem(s, usable) for s in sentences]
    passing = [s for s, p in zip(sentences, first, strict=True) if p is None]
    deeper = iter(support.problems(passing))
    problems = [p if p is not None else next(deeper) for p in first]
    kept = [s for s, p in zip(sentences, problems, strict=True) if p is None]
    dropped = [
        DroppedSentence(facet_id=place, text=s.text, reason=p)
        for s, p in zip(sentences, problems, strict=True)
        if p is not None
    ]
    return kept, dropped


def check_answer(
    draft: Draft, offline: Draft, facets: Sequence[Facet], usable: dict[str, Claim], support: SupportCheck
) -> Checked:
    """The sentences of `draft` that pass, per facet (every facet once, in the question's order) and in the bottom
    line; `offline` (the builder's, checked alike) fills what the draft leaves without a standing sentence.
    `usable`: the claims that bear on the question, by id."""
    if draft is offline:
        offline_lines, dropped = _kept(offline.bottom_line, BOTTOM_LINE, usable, support)
        checked = Checked(offline_lines, [], dropped)
        drafted = {d.facet_id: d for d in offline.facets}
        for facet in facets:
            kept, lost = _kept(drafted[facet.id].sentences if facet.id in drafted else [], facet.id, usable, support)
            checked.dropped += lost
            checked.facets.append(_answer(facet, kept, usable))
        return checked
    own = check_answer(offline, offline, facets, usable, support)
    lines, dropped = _kept(draft.bottom_line, BOTTOM_LINE, usable, support)
    checked = Checked(lines, [], dropped)
    if not any(s.claims for s in lines) and any(s.claims for s in own.bottom_line):
        # A bottom line that cites nothing where the evidence says something is not an answer.
        checked.bottom_line = own.bottom_line
        checked.filled.append(BOTTOM_LINE)
    elif not lines:
        checked.bottom_line = own.bottom_line
    drafted = {d.facet_id: d for d in draft.facets}
    for facet, fallback in zip(facets, own.facets, strict=True):
        kept, lost = _kept(drafted[facet.id].sentences if facet.id in drafted else [], facet.id, usable, support)
        checked.dropped += lost
        answer = _answer(facet, kept, usable)
        if answer.status == "silent" and fallback.status != "silent":
            answer = fallback
            checked.filled.append(facet.id)
        checked.facets.append(answer)
    return checked


def _answer(facet: Facet, kept: list[AnswerSentence], usable: dict[str, Claim]) -> FacetAnswer:
    cited = [c for s in kept for c in s.claims]
    if not cited:
        return silent(facet)
    full = any(usable[c].coverage.get(facet.id, 0.0) >= FULL_COVERAGE for c in cited)
    return facet_answer(facet, full, kept[:2])
