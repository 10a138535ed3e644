"""sovereign-graph: trustworthy literature analysis as a LangGraph state machine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sovereign_graph.graph import build_graph
    from sovereign_graph.runtime.context import Context

__all__ = ["Context", "build_graph"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`Context` and `build_graph` load LangGraph and the engines: only when asked for, so the CLI's
    `--help` (which imports this package first) stays fast."""
    if name == "Context":
        from sovereign_graph.runtime.context import Context

        return Context
    if name == "build_graph":
        from sovereign_graph.graph import build_graph

        return build_graph
    raise AttributeError(f"module 'sovereign_graph' has no attribute {name!r}")
