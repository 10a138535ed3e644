"""verify: grade every claim's grounding (its own quote) and corroboration (other papers' passages)."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from sovereign_graph.context import Context, context_of
from sovereign_graph.state import ResearchState
from sovereign_graph.verify.tfidf import verify_claims


def verify(state: ResearchState, runtime: Runtime[Context]) -> dict[str, Any]:
    context = context_of(runtime)
    claims = verify_claims(state["claims"], state["passages"], threshold=context.verify_threshold)
    return {
        "claims": claims,
        "method": {
            "verify": f"seed method 'tfidf': TF-IDF cosine, word 1-2-grams, threshold {context.verify_threshold:g}",
        },
    }
