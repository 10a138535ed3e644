"""The LLM engines: the same jobs and the same state models as the embedded engines in `engines/`, answered
by a chat model. Each returns what the embedded engine returns, plus the role's `RoleUsage`.

The model's answer is checked before it enters the state: the extractor's quotes must be verbatim in the
passage they name and the numbers of a claim must appear in its quote (else the claim is rejected and
counted); reviewers' objections must name a real claim or facet; queries already run are not run again.
Facets stay deterministic (`engines/facets.py`), so coverage, evidence gaps and the reviser's new facets are
computed the same way in both modes.
"""

from __future__ import annotations

import re
from collections import Counter

from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.fallbacks import extractor_reason, query_reason
from sovereign_graph.llm.prompts import render
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.llm.schemas import (
    Extraction,
    Plan,
    PlannedQuery,
    ProposedClaim,
    RevisionPlan,
    Synthesis,
    Verdict,
)
from sovereign_graph.sources.ids import reference
from sovereign_graph.state import (
    AnswerSentence,
    Claim,
    Facet,
    FacetAnswer,
    Objection,
    Paper,
    Passage,
    Query,
    RejectedClaim,
    Review,
    Revision,
    Role,
    RoleUsage,
)
from sovereign_graph.steps.plan.facets import claim_coverage, note_facets
from sovereign_graph.steps.plan.rules import QUERIES_PER_PLAN, plan_queries
from sovereign_graph.steps.review.rubrics import Dossier
from sovereign_graph.steps.revise.rules import MAX_NEW_QUERIES, plan_revision, record_revision
from sovereign_graph.text.prose import numbers, stems

EXTRACT_PASSAGES = 40  # at most this many of the passages that cleared the relevance model


def facet_lines(facets: list[Facet]) -> str:
    return "\n".join(f"{f.id} ({f.kind}): {f.text}" for f in facets) or "(none)"


def _new_queries(
    proposed: list[PlannedQuery],
    asked: set[frozenset[str]],
    round_number: int,
    limit: int,
    vocabulary: frozenset[str],
    origin_prefix: str = "",
) -> tuple[list[Query], Counter[str]]:
    """The usable queries, and why the others were not: a schema-valid answer can still be nonsense."""
    queries: list[Query] = []
    skipped: Counter[str] = Counter()
    for item in proposed:
        if len(queries) == limit:
            break  # more than asked for: not a fault
        text = " ".join(item.text.split())
        key = frozenset(stems(text))
        if not key:
            skipped["empty"] += 1
        elif key in asked:
            skipped["repeated"] += 1
        elif not key & vocabulary:
            skipped["sharing no word with the question or the paper"] += 1
        else:
            asked.add(key)
            queries.append(
                Query(text=text, round=round_number, origin=f"{origin_prefix}{' '.join(item.angle.split())}")
            )
    return queries, skipped


def _vocabulary(question: str, paper: Paper, facets: list[Facet], extra: str = "") -> frozenset[str]:
    """The words a query may be about: the question's, its facets', the paper's title and abstract."""
    return stems(" ".join([question, paper.title, paper.abstract, extra, *(f.text for f in facets)]))


# --- planner -------------------------------------------------------------------------------------------------


def plan_queries_llm(
    target: RoleModel, policy: RetryPolicy, question: str, subject: Paper, facets: list[Facet]
) -> tuple[list[Query], RoleUsage, str | None]:
    """The plan's queries, the call's usage, and why the offline planner had to fill some (None: it did not)."""
    prompt = render(
        "planner",
        count=QUERIES_PER_PLAN,
        paper_id=subject.id,
        title=subject.title,
        abstract=subject.abstract,
        question=question,
        facets=facet_lines(facets),
    )
    plan, usage = ask("planner", target, Plan, prompt, policy)
    queries, skipped = _new_queries(
        plan.queries, set(), 0, QUERIES_PER_PLAN, _vocabulary(question, subject, facets), "model: "
    )
    usable = len(queries)
    if len(queries) < QUERIES_PER_PLAN:
        # Four branches always run: the offline planner fills what the model left out (its origin says so).
        asked = {frozenset(stems(q.text)) for q in queries}
        for query in plan_queries(question, subject, facets):
            if len(queries) < QUERIES_PER_PLAN and frozenset(stems(query.text)) not in asked:
                queries.append(query.model_copy(update={"origin": f"offline planner: {query.origin}"}))
    reason = None
    if usable < QUERIES_PER_PLAN:
        reason = query_reason(
            len(plan.queries), usable, skipped, replaced_by="the offline planner", filled=len(queries) - usable
        )
    return queries, usage, reason


# --- extractor -----------------------------------------------------------------------------------------------


def verbatim_span(quote: str, text: str) -> str | None:
    """The passage's own text of `quote`, matched word for word with any whitespace between words."""
    parts = quote.strip().strip("\"“”'").split()
    if not parts:
        return None
    match = re.search(r"\s+".join(map(re.escape, parts)), text)
    return match.group(0) if match else None


def _number_core(number: str) -> str:
    return number.rstrip("%x×")


def missing_numbers(claim: str, quote: str) -> list[str]:
    in_quote = {_number_core(n) for n in numbers(quote)}
    return [n for n in numbers(claim) if _number_core(n) not in in_quote]


def check_claim(proposed: ProposedClaim, passages: dict[str, Passage]) -> tuple[str | None, str]:
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


def _where(passage: Passage) -> str:
    """A body passage says where it stands, so the model knows a results section from a related-work one."""
    return f" ({passage.place})" if passage.place else ""


def extract_claims_llm(
    target: RoleModel,
    policy: RetryPolicy,
    *,
    question: str,
    facets: list[Facet],
    passages: list[Passage],
    max_claims: int,
    max_per_paper: int,
    excluded: set[str],
    round_number: int,
    relevance: dict[str, float] | None = None,
    subject_id: str | None = None,
) -> tuple[list[Claim], list[RejectedClaim], RoleUsage, str | None]:
    """`passages` in the order to show them (the relevance model's, best first); `relevance`: its P per passage.
    The last item says how many of the model's claims the checks rejected (None: none)."""
    shown = [p for p in passages if p.id not in excluded][:EXTRACT_PASSAGES]
    relevance = relevance or {}
    prompt = render(
        "extractor",
        max_claims=max_claims,
        max_per_paper=max_per_paper,
        question=question,
        facets=facet_lines(facets),
        passages="\n".join(f"[{p.id}]{_where(p)} {' '.join(p.text.split())}" for p in shown) or "(none)",
    )
    extraction, usage = ask("extractor", target, Extraction, prompt, policy)
    by_id = {p.id: p for p in shown}
    facet_ids = {f.id for f in facets}
    claims: list[Claim] = []
    rejected: list[RejectedClaim] = []
    per_paper: dict[str, int] = {}
    seen_passages: set[str] = set()
    for proposed in extraction.claims:
        quote, reason = check_claim(proposed, by_id)
        if quote is None:
            rejected.append(
                RejectedClaim(
                    round=round_number,
                    passage_id=proposed.passage_id,
                    claim=proposed.claim,
                    quote=proposed.quote,
                    reason=reason,
                )
            )
            continue
        passage = by_id[proposed.passage_id.strip().strip("[]")]
        if len(claims) == max_claims or per_paper.get(passage.paper_id, 0) >= max_per_paper:
            continue  # over the caps: valid, just not kept
        if passage.id in seen_passages:
            continue
        seen_passages.add(passage.id)
        per_paper[passage.paper_id] = per_paper.get(passage.paper_id, 0) + 1
        coverage = claim_coverage(facets, quote)
        named = {fid.strip() for fid in proposed.facets} & facet_ids
        claims.append(
            Claim(
                id=f"C{len(claims) + 1}",
                text=" ".join(proposed.claim.split()),
                quote=quote,
                paper_id=passage.paper_id,
                passage_id=passage.id,
                place=passage.place,
                facets=sorted(named | set(coverage), key=lambda fid: int(fid[1:])),
                coverage=coverage,
                relevance=round(relevance.get(passage.id, passage.relevance), 4),
                from_subject=passage.paper_id == subject_id,
            )
        )
    return claims, rejected, usage, extractor_reason(len(extraction.claims), rejected, len(claims), len(shown))


# --- reviewers -----------------------------------------------------------------------------------------------


def dossier_text(dossier: Dossier) -> str:
    lines = [f"Research question: {dossier.question}", "", "Facets (id, kind, phrase):", facet_lines(dossier.facets)]
    lines += ["", f"Claims (round {dossier.round}):"]
    if not dossier.claims:
        lines.append("(no claim bears on the question)")
    for c in dossier.claims:
        verdict = f"{'verified' if c.verified else 'unverified'} {c.label} confidence {c.confidence:.2f}"
        grounding = "n/a (the claim is its quote)" if c.grounding is None else f"{c.grounding:.2f}"
        source = "the subject paper's authors" if c.from_subject else "independent"
        lines.append(
            f"{c.id} [{verdict}; grounding {grounding}; relevance {c.relevance:.2f}; {source}] "
            f"{reference(c.paper_id)}{', ' + c.place if c.place else ''}, "
            f'facets {", ".join(c.facets) or "none"}: {c.text}\n    quote: "{c.quote}"'
        )
    lines += ["", "Queries run:"] + [f"- round {q.round}: {q.text} ({q.origin})" for q in dossier.queries]
    return "\n".join(lines)


def review_llm(
    role: Role, target: RoleModel, policy: RetryPolicy, dossier: Dossier
) -> tuple[Review, RoleUsage, list[FacetAnswer] | None]:
    """The model's review; the SYNTHESIZER's also carries its Answer drafts (checked later, see `answer.py`)."""
    name = role.lower()
    schema = Synthesis if role == "SYNTHESIZER" else Verdict
    verdict, usage = ask(name, target, schema, render(name, dossier=dossier_text(dossier)), policy)  # type: ignore[arg-type]
    targets = {c.id for c in dossier.claims} | {f.id for f in dossier.facets} | {"dossier"}
    objections = [
        Objection(target=o.target.strip(), kind=o.kind, message=" ".join(o.message.split()))
        for o in verdict.objections
        if o.target.strip() in targets
    ]
    review = Review(
        role=role,
        round=dossier.round,
        score=round(min(10.0, max(0.0, verdict.score)), 1),
        rationale=" ".join(verdict.rationale.split()),
        objections=objections,
    )
    drafts = None
    if isinstance(verdict, Synthesis):
        kinds = {f.id: f for f in dossier.facets}
        drafts = [
            FacetAnswer(
                facet_id=d.facet_id.strip(),
                facet=kinds[d.facet_id.strip()].text,
                kind=kinds[d.facet_id.strip()].kind,
                status="in_part",
                sentences=[
                    AnswerSentence(text=" ".join(x.text.split()), claims=[c.strip() for c in x.claims])
                    for x in d.sentences
                ],
            )
            for d in verdict.answer
            if d.facet_id.strip() in kinds
        ]
    return review, usage, drafts


# --- reviser -------------------------------------------------------------------------------------------------


def revise_llm(
    target: RoleModel,
    policy: RetryPolicy,
    *,
    round_number: int,
    question: str,
    paper: Paper,
    facets: list[Facet],
    claims: list[Claim],
    objections: list[tuple[str, Objection]],
    previous_queries: list[str],
    owner_note: str | None,
) -> tuple[Revision, list[Query], list[Facet], RoleUsage, str | None]:
    """Queries and drops from the model; the owner's note becomes facets deterministically (as offline). The last
    item says why the offline reviser's queries ran instead of the model's (None: the model's ran)."""
    prompt = render(
        "reviser",
        max_queries=MAX_NEW_QUERIES,
        question=question,
        paper_id=paper.id,
        title=paper.title,
        facets=facet_lines(facets),
        claims="\n".join(
            f"{c.id} ({reference(c.paper_id)}, facets {', '.join(c.facets) or 'none'}): {c.text}" for c in claims
        )
        or "(none)",
        objections="\n".join(f"{who} {o.target} {o.kind}: {o.message}" for who, o in objections) or "(none)",
        queries="\n".join(f"- {q}" for q in previous_queries) or "(none)",
        note=owner_note or "(none)",
    )
    answer, usage = ask("reviser", target, RevisionPlan, prompt, policy)
    new_facets = list(facets)
    actions: list[str] = []
    if owner_note:
        for facet in note_facets(owner_note):
            facet = facet.model_copy(update={"id": f"F{len(new_facets) + 1}"})
            new_facets.append(facet)
            actions.append(f"new facet {facet.id} '{facet.text}' from the owner's note")
    asked = {frozenset(stems(q)) for q in previous_queries}
    vocabulary = _vocabulary(question, paper, new_facets, " ".join([owner_note or "", *(c.text for c in claims)]))
    queries, skipped = _new_queries(answer.queries, asked, round_number, MAX_NEW_QUERIES, vocabulary, "model: ")
    reason = None
    if not queries:
        # A round must change the dossier: the offline reviser's queries when the model proposes nothing new.
        _, fallback, _ = plan_revision(
            round_number=round_number,
            paper=paper,
            facets=facets,
            claims=claims,
            objections=[o for _, o in objections],
            previous_queries=previous_queries,
        )
        queries = [q.model_copy(update={"origin": f"offline reviser: {q.origin}"}) for q in fallback]
        reason = query_reason(len(answer.queries), 0, skipped, replaced_by="the offline reviser", filled=len(queries))
    actions += [f"query '{q.text}' ({q.origin})" for q in queries]
    drop = {cid.strip() for cid in answer.drop_claims}
    dropped = [c for c in claims if c.id in drop]
    revision = record_revision(round_number, owner_note, actions, queries, dropped)
    return revision, queries, new_facets, usage, reason
