"""sovereign-graph: trustworthy literature analysis as a LangGraph state machine."""

from sovereign_graph.context import Context
from sovereign_graph.graph import build_graph

__all__ = ["Context", "build_graph"]
__version__ = "0.1.0"
