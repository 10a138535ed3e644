"""A run's settings as one typed value (`RunSettings`), with the live models it names (`LiveConfig`).

The bottom layer: stdlib, pydantic and `errors` only, so every layer above (the context, the runner, the
report, the ways in) can read the same value. `run.py` holds the run's settings and their environment
fallback, `live.py` the live-model config, `table.py` the generated reference (docs/settings.md).
"""

from sovereign_graph.settings.live import LLM_ROLES, LiveConfig, LlmRole, RoleConfig, load_config, parse_spec
from sovereign_graph.settings.run import RunSettings

__all__ = ["LLM_ROLES", "LiveConfig", "LlmRole", "RoleConfig", "RunSettings", "load_config", "parse_spec"]
