"""verify: grade every claim's grounding (its own quote) and corroboration (other papers' passages)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.progress import emit
from sovereign_graph.runtime.context import Context, context_of
from sovereign_graph.state import ResearchState
from sovereign_graph.steps.verify import check_verifier, tfidf, trained
from sovereign_graph.steps.verify.independence import Sources, set_aside
from sovereign_graph.steps.verify.model import load_model


def verify(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    sources = Sources.of([hit.paper for hit in state.get("hits", [])])
    if context.verifier == "tfidf":
        claims = tfidf.verify_claims(
            state["claims"], state["passages"], threshold=context.verify_threshold, sources=sources
        )
        described = f"seed method 'tfidf': TF-IDF cosine, word 1-2-grams, threshold {context.verify_threshold:g}"
    elif context.verifier in ("trained", "neural"):
        model = load_model(engine=context.verifier)
        claims, in_part = trained.verify_claims_read(
            state["claims"], state["passages"], model, vocabulary=context.verifier_vocabulary(), sources=sources
        )
        cv = model.info.get("cv", {})
        figures = (
            f"; SciFact 5-fold CV (open setting): abstract label-only F1 {cv['abstract_label_only_f1']:.3f}, "
            f"label+rationale F1 {cv['abstract_label_rationale_f1']:.3f}, ECE {cv['ece']:.3f}"
            if cv
            else ""
        )
        body = any(p.kind != "abstract" for p in state["passages"])
        read_body = (
            "; a claim quoted from a paper's body is grounded against the paragraph it stands in (a window of a few "
            "sentences, as the model read SciFact abstracts), and each other paper's abstract and paragraphs are "
            "separate documents, its best one counted"
            if body
            else ""
        )
        reader = (
            ", with the embedded reader's stance (a MiniLM cross-encoder, int8 ONNX) stacked on the lexical "
            "features of the evidence and stance stages, and a claim the reader reads as contradicted by its own "
            "quote never grounded"
            if model.neural
            else ""
        )
        if in_part:
            reader += (
                f" ({in_part} claim-sentence pairs longer than the reader's window were read in part: the longer "
                "text lost its end)"
            )
        described = (
            f"trained verifier '{context.verifier}' (rationale selection, evidence and stance logistic regressions "
            f"trained on SciFact{reader}): grounding against the claim's own paper, its quote's passage among the "
            "rationale; "
            f"corroboration over the {trained.CANDIDATE_PAPERS} other papers BM25 ranks first for it (SUPPORT or "
            f"CONTRADICT at calibrated probability >= {model.decision_threshold:g}); grounding is not run for a claim "
            "that is its own quote (it could not fail); verified = a check that could fail passed (grounded, or for "
            f"a claim that is its quote, corroborated), none failed, and no paper contradicts it{read_body}{figures}"
        )
    else:
        check_verifier(context.verifier)
        raise AssertionError("unreachable")
    described += set_aside([c.paper_id for c in claims], sources)
    emit("claims_verified", verified=sum(c.verified for c in claims), claims=len(claims))
    return {"claims": claims, "method": {"verify": described}}
