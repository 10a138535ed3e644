"""The extractor's model role: claims proposed by a chat model from the passages the relevance model let through,
each checked (`checks.py`) before it enters the dossier."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, Field

from sovereign_graph.llm.calls import ask
from sovereign_graph.llm.prompts import render
from sovereign_graph.llm.role import RoleResult
from sovereign_graph.llm.role_models import RetryPolicy, RoleModel
from sovereign_graph.state import Claim, Facet, Passage, RejectedClaim
from sovereign_graph.steps.extract.checks import check_claim, extractor_reason
from sovereign_graph.steps.plan.facets.coverage import claim_coverage
from sovereign_graph.steps.plan.model import facet_lines

PROMPT = "extractor.md"
EXTRACT_PASSAGES = 40  # at most this many of the passages that cleared the relevance model


class ProposedClaim(BaseModel):
    passage_id: str = Field(description="the id in brackets of the passage the claim rests on")
    quote: str = Field(description="verbatim text copied from that passage")
    claim: str = Field(description="the finding in one sentence; its numbers must appear in the quote")
    facets: list[str] = Field(description="ids of the facets it addresses, e.g. F1")


class Extraction(BaseModel):
    claims: list[ProposedClaim]


class Extracted(NamedTuple):
    claims: list[Claim]
    rejected: list[RejectedClaim]


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
) -> RoleResult[Extracted]:
    """`passages` in the order to show them (the relevance model's, best first); `relevance`: its P per passage.
    The fallback says how many of the model's claims the checks rejected."""
    shown = [p for p in passages if p.id not in excluded][:EXTRACT_PASSAGES]
    relevance = relevance or {}
    prompt = render(
        __package__,
        PROMPT,
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
    fallback = extractor_reason(len(extraction.claims), rejected, len(claims), len(shown))
    return RoleResult(Extracted(claims, rejected), usage, fallback)
