"""The app with every command registered (importing a module registers its commands)."""

from sovereign_graph.cli import (
    batch,
    cache,
    corpus,
    eval_retrieval,
    eval_scifact,
    eval_stance,
    evals,
    history,
    mcp_server,
    models,
    queue,
    runs,
    serve,
)
from sovereign_graph.cli.common import app

__all__ = [
    "app",
    "batch",
    "cache",
    "corpus",
    "eval_retrieval",
    "eval_scifact",
    "eval_stance",
    "evals",
    "history",
    "mcp_server",
    "models",
    "queue",
    "runs",
    "serve",
]
