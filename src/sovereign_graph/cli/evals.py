"""`sovereign eval ...`: benchmarks a user can run on any file in the public format.

Each benchmark adds its command to `eval_app` from its own module (imported in `cli/__init__.py`).
"""

from __future__ import annotations

import typer

from sovereign_graph.cli.common import app

eval_app = typer.Typer(help="Measure retrieval and verification on public benchmarks (SciFact).", no_args_is_help=True)
app.add_typer(eval_app, name="eval")
