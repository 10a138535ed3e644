"""`sovereign eval retrieval`: claims as queries over abstracts, recall@k and MRR, ours beside plain TF-IDF."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sovereign_graph.cli.common import cli_errors, out
from sovereign_graph.cli.evals import eval_app


class Embedder(StrEnum):
    lsa = "lsa"
    minilm = "minilm"


@eval_app.command("retrieval")
def retrieval(
    claims: Annotated[
        Path | None, typer.Option("--claims", help="SciFact-format claims [default: bundled train].")
    ] = None,
    corpus: Annotated[Path | None, typer.Option("--corpus", help="SciFact-format corpus [default: bundled].")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
    embeddings: Annotated[
        Embedder, typer.Option("--embeddings", help="Dense half of the hybrid: lsa (default) or minilm (extra).")
    ] = Embedder.lsa,
) -> None:
    """Recall@1/3/10 and MRR of the hybrid ranker (BM25 + dense) and of plain TF-IDF, side by side."""
    from rich.table import Table

    from sovereign_graph.evaluation.retrieval import CUTOFFS, evaluate
    from sovereign_graph.evaluation.scifact import check_claims_match_corpus, load_claims, load_corpus

    with cli_errors():
        claim_list, docs = load_claims(claims), load_corpus(corpus)
        check_claims_match_corpus(claim_list, docs)
        ours, baseline = evaluate(claim_list, docs, embeddings.value)
    if as_json:
        sys.stdout.write(json.dumps({**ours.as_dict(), "baseline": baseline.as_dict()}) + "\n")
        return
    table = Table(title=f"Retrieval on {ours.claims} claims with evidence, {len(docs)} abstracts")
    table.add_column("ranker")
    for k in CUTOFFS:
        table.add_column(f"recall@{k}", justify="right")
    table.add_column("MRR", justify="right")
    for name, scores in (("plain TF-IDF", baseline), (f"hybrid BM25 + {embeddings.value.upper()}", ours)):
        table.add_row(name, *(f"{scores.recall[k]:.3f}" for k in CUTOFFS), f"{scores.mrr:.3f}")
    out.print(table)
