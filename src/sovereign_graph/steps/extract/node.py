"""extract: claims that bear on the question, each with its verbatim quote and source paper."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.llm.role import RoleResult, live_or_embedded
from sovereign_graph.llm.role_models import RoleModel
from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import Claim, Passage, RejectedClaim, ResearchState, RoleUsage
from sovereign_graph.steps.extract.reading import READ_CANDIDATES, READ_RELEVANCE_BAR, read_and_select
from sovereign_graph.steps.extract.relevance.model import RelevanceModel, load_relevance_model
from sovereign_graph.steps.extract.rules import (
    ScoredCandidate,
    evidence_gaps,
    extract_claims,
    score_candidates,
)
from sovereign_graph.text.similarity import is_degenerate


def claimable_passages(state: ResearchState) -> list[Passage]:
    """The passages a claim may rest on: not those of a degenerate record (one phrase repeated, a length no
    abstract has), which a corpus may hold but which is never evidence."""
    degenerate = {hit.paper.id for hit in state.get("hits", []) if is_degenerate(hit.paper.abstract)}
    return [p for p in state["passages"] if p.paper_id not in degenerate]


def extract(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    model = load_relevance_model(context.relevance)
    passages = claimable_passages(state)
    titles = {h.paper.id: h.paper.title for h in state.get("hits", [])}
    scored = score_candidates(
        passages,
        state["facets"],
        question=state["question"],
        subject_id=state["subject"].id,
        titles=titles,
        model=model,
        excluded=set(state.get("dropped_passages", [])),
    )
    relevance = relevance_line(model, scored)
    target = context.model_for("extractor")
    if target is not None:
        return _extract_live(state, context, target, model, scored, relevance, titles, passages)
    claims = extract_claims(
        passages,
        state["facets"],
        max_claims=context.max_claims,
        max_per_paper=context.max_claims_per_paper,
        subject_id=state["subject"].id,
        titles=titles,
        model=model,
        scored=scored,
    )
    gaps = evidence_gaps(state["facets"], claims, state["passages"], scored)
    emit("claims_extracted", claims=len(claims), gaps=len(gaps))
    return {
        "claims": claims,
        "evidence_gap": [g.facet for g in gaps] or None,
        "gaps": gaps,
        "method": {
            "extract": f"offline sentence-level claim mining: {relevance}; a claim must also name the question's "
            "outcome and come from a paper about its subject; the subject paper's own findings first (its authors' "
            "claims), then the others by relevance; "
            f"at most {context.max_claims} claims, {context.max_claims_per_paper} per paper, no near-duplicates",
        },
    }


def relevance_line(model: RelevanceModel, scored: list[ScoredCandidate]) -> str:
    cleared = sum(c.probability >= model.threshold for c in scored)
    test = model.info.get("test", {})
    figures = (
        f" (on the held-out half of the labelled questions: claim precision {test['claim_precision']:.2f})"
        if "claim_precision" in test
        else ""
    )
    body = sum(c.passage.kind != "abstract" for c in scored)
    # The model was trained and measured on abstract sentences only: a reader should know body ones are read alike.
    read_body = (
        f" ({body} from papers' bodies, scored as abstract sentences are: the model was trained on abstracts; a "
        "sentence of a results section is read as an abstract's closing one)"
        if body
        else ""
    )
    subject_bar = f", the subject paper's best P >= {model.subject_threshold:g}" if model.subject_threshold < 1 else ""
    engine = (
        "the neural relevance model (the embedded reader's cross-encoder score stacked on the lexical features)"
        if model.neural
        else "the relevance model"
    )
    in_part = sum(c.read_in_part for c in scored)
    cut = (
        f"; {in_part} longer than the reader's window were read in part (the longer of question and sentence "
        "lost its end)"
        if in_part
        else ""
    )
    return (
        f"{len(scored)} candidate sentences{read_body} scored by {engine}{figures}; {cleared} cleared its "
        f"threshold P >= {model.threshold:g}{subject_bar}{cut}"
    )


def _extract_live(
    state: ResearchState,
    context: Context,
    target: RoleModel,
    model: RelevanceModel,
    scored: list[ScoredCandidate],
    relevance: str,
    titles: dict[str, str],
    passages: list[Passage],
) -> dict[str, Any]:
    # The offline ranker only proposes: its best candidates, no lexical gate; the model reads them paper by paper.
    proposed = sorted(scored, key=lambda c: -c.probability)[:READ_CANDIDATES]
    subject_id = state["subject"].id
    papers = {h.paper.id: h.paper for h in state.get("hits", [])}

    def live() -> RoleResult[tuple[list[Claim], list[RejectedClaim]]]:
        return read_and_select(
            target.clients(),
            question=state["question"],
            facets=state["facets"],
            candidates=[c.passage for c in proposed],
            passages=passages,
            papers=papers,
            probability={c.passage.id: c.probability for c in proposed},
            subject_id=subject_id,
            max_claims=context.max_claims,
            max_per_paper=context.max_claims_per_paper,
            round_number=state.get("round", 0),
            embedded=embedded_claims,
        )

    def embedded_claims() -> list[Claim]:
        return extract_claims(
            passages,
            state["facets"],
            max_claims=context.max_claims,
            max_per_paper=context.max_claims_per_paper,
            subject_id=subject_id,
            titles=titles,
            model=model,
            scored=scored,
        )

    def embedded() -> tuple[list[Claim], list[RejectedClaim]]:
        return embedded_claims(), []

    result: RoleResult[tuple[list[Claim], list[RejectedClaim]]] = RoleResult(([], []), RoleUsage())
    if proposed:
        result = live_or_embedded(live, embedded)
    claims, rejected = result.value
    gaps = evidence_gaps(state["facets"], claims, state["passages"], scored)
    emit("claims_extracted", claims=len(claims), gaps=len(gaps), rejected=len(rejected))
    return {
        "fallbacks": [],
        **result.bookkeeping("extractor", state.get("round", 0)),
        "claims": claims,
        "evidence_gap": [g.facet for g in gaps] or None,
        "gaps": gaps,
        "rejected_claims": rejected,
        "method": {
            "extract": f"claims by {target.label} (steps/extract/reader.md), reading paper by paper (one call each, "
            f"up to {len(target.clients())} at once) the {READ_CANDIDATES} candidates the offline ranker scores "
            f"highest ({relevance}), no lexical gate: it judges each passage's relevance (0-10) and extracts claims "
            "with verbatim quotes, own or cited results; each quote matched against its passage (typography tidied, "
            "no ellipsis; the passage's own text kept) and each claim checked to follow from its quote (its numbers, "
            "in digits or words, negations, direction, effect size and content words; steps/extract/faithful.py), "
            "failures rejected, not shown; claims kept only on passages the model judged at least "
            f"{READ_RELEVANCE_BAR:g}/10; when more of its claims fail the checks than stand, none is trusted and the "
            "embedded extractor's claims stand instead; a claim's facets computed from its quote; "
            f"at most {context.max_claims} claims, {context.max_claims_per_paper} per paper",
        },
    }
