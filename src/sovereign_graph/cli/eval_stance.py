"""`sovereign eval stance`: an engine's stance on labelled claim-evidence pairs (a user's, or a public set's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sovereign_graph.cli.common import cli_errors, out, term
from sovereign_graph.cli.evals import eval_app
from sovereign_graph.errors import InputError


def _table(figures: dict[str, Any]) -> None:
    from rich.table import Table

    per_label = Table("label", "precision", "recall", "F1", "support")
    for label, row in figures["per_label"].items():
        per_label.add_row(
            label, f"{row['precision']:.3f}", f"{row['recall']:.3f}", f"{row['f1']:.3f}", str(row["support"])
        )
    labels = figures["confusion"]["labels"]
    confusion = Table("gold \\ predicted", *labels)
    for label, row in zip(labels, figures["confusion"]["matrix"], strict=True):
        confusion.add_row(label, *(str(n) for n in row))
    out.print(f"{figures['pairs']:,} pairs: accuracy {figures['accuracy']:.3f}, macro-F1 {figures['macro_f1']:.3f}")
    out.print(per_label)
    out.print(confusion)


@eval_app.command("stance")
def stance(
    pairs: Annotated[
        Path,
        typer.Option(
            "--pairs",
            help="JSONL (or .jsonl.gz), one object a line: claim, evidence, label (SUPPORT | CONTRADICT | "
            "NOT_ENOUGH_INFO).",
        ),
    ],
    verifier: Annotated[
        str,
        typer.Option(
            "--verifier",
            help="trained (the default engine) | neural (the embedded reader stacked on it) | tfidf (the seed).",
        ),
    ] = "trained",
    model: Annotated[
        Path | None, typer.Option("--model", help="A verifier model file for `trained` [default: the shipped one].")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: accuracy, macro_f1, per_label, confusion.")
    ] = False,
) -> None:
    """Measure an engine's stance on labelled pairs: accuracy, macro-F1, per-label precision/recall/F1 and the
    confusion matrix. Bad lines are named by number and skipped (exit 1); the rest are measured."""
    from sovereign_graph.evaluation.stance import ENGINES, figures, predict, read_pairs

    with cli_errors():
        if verifier not in ENGINES:
            raise InputError(f"--verifier must be one of {', '.join(ENGINES)}, not {verifier!r}.")
        if not pairs.is_file():
            raise InputError(f"no pairs file at {pairs}.")
        read, bad = read_pairs(pairs)
        for problem in bad:
            typer.echo(term(f"{pairs.name}: {problem}"), err=True)
        if not read:
            raise InputError(f"{pairs.name} holds no usable pair ({len(bad):,} bad lines).")
        predicted = predict(read, verifier, model)
        result = figures([p.label for p in read], predicted) | {"engine": verifier, "bad_lines": len(bad)}
        if as_json:
            typer.echo(json.dumps(result))
        else:
            _table(result)
    if bad:
        raise typer.Exit(1)
