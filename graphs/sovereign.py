"""The graph LangGraph Studio, `langgraph dev` and LangGraph Server load (see langgraph.json).

Compiled without a checkpointer: the server brings its own persistence. Studio's form comes from the
graph's schemas: `paper` and `question` (input) and the run's context fields, each with its description.
"""

from sovereign_graph import build_graph

graph = build_graph()
