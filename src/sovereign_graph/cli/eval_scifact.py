"""`sovereign eval scifact`: the seed method and a verifier on SciFact's open setting, side by side."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sovereign_graph.cli.common import cli_errors, out
from sovereign_graph.cli.evals import eval_app

if TYPE_CHECKING:  # the benchmark code (scikit-learn) loads when the command runs
    from rich.table import Table

    from sovereign_graph.evaluation.scifact_eval import SciFactEvaluation

DEFAULT_K = 5  # abstracts retrieved per claim; `scifact_open.DEFAULT_K` (a test keeps the two equal)

METRICS = (
    ("abstract_label_only", "abstract label-only"),
    ("abstract_label_rationale", "abstract label+rationale"),
    ("sentence_selection_label", "sentence selection+label"),
)


def _table(evaluation: SciFactEvaluation) -> Table:
    from rich.table import Table

    table = Table("metric", *(r.name + (" (seed)" if r.name == "tfidf" else "") for r in evaluation.results))
    for key, title in METRICS:
        for part in ("precision", "recall", "f1"):
            cells = []
            for result in evaluation.results:
                figures = (result.scores or {}).get(key)
                cells.append(f"{figures[part]:.3f}" if figures else "n/a")
            table.add_row(f"{title} {part[0].upper()}" if part != "f1" else f"{title} F1", *cells)
    table.add_row("claims/second", *(f"{r.run.claims_per_second(evaluation.claims):.0f}" for r in evaluation.results))
    return table


@eval_app.command("scifact")
def scifact(
    claims: Annotated[
        Path | None, typer.Option("--claims", help="SciFact claims (.jsonl[.gz]) [default: bundled training claims].")
    ] = None,
    corpus: Annotated[
        Path | None, typer.Option("--corpus", help="SciFact corpus (.jsonl[.gz]) [default: bundled 5,183 abstracts].")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option("--predictions", help="Write the verifier's predictions here (official format).")
    ] = None,
    verifier: Annotated[str, typer.Option("--verifier", help="trained | tfidf (the seed method).")] = "trained",
    model: Annotated[
        Path | None, typer.Option("--model", help="A verifier model file [default: the shipped one].")
    ] = None,
    k: Annotated[int, typer.Option("--k", help="Abstracts retrieved per claim.")] = DEFAULT_K,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object.")] = False,
) -> None:
    """Verify claims in SciFact's open setting (retrieve from the whole corpus, then label), scored side by side
    with the seed method: abstract-level label-only and label+rationale P/R/F1, sentence-level F1, claims/s."""
    from sovereign_graph.evaluation.scifact_eval import check_output, evaluate, write_predictions

    with cli_errors():
        check_output(predictions)
        evaluation = evaluate(claims, corpus, verifier=verifier, model_path=model, k=k)
        if predictions is not None:
            chosen = next(r for r in evaluation.results if r.name == verifier)
            write_predictions(predictions, chosen.run.predictions)
    if as_json:
        sys.stdout.write(json.dumps(evaluation.as_dict(), indent=2) + "\n")
        return
    recall = "n/a (unlabelled claims)" if evaluation.retrieval_recall is None else f"{evaluation.retrieval_recall:.3f}"
    out.print(
        f"SciFact open setting: {evaluation.claims} claims, {evaluation.corpus} abstracts; "
        f"hybrid retrieval (BM25 + LSA) top-{evaluation.k}, recall {recall}; "
        f"index built in {evaluation.index_seconds:.1f}s",
        highlight=False,
    )
    out.print(_table(evaluation))
    if predictions is not None:
        out.print(f"{verifier} predictions: {predictions}", highlight=False)
