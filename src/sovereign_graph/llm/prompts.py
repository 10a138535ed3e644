"""Prompt files, one per LLM role (`sovereign_graph/prompts/<role>.md`), read at run time and filled with
`string.Template` placeholders ($question, $facets, $passages, $dossier, ...). Each file's first line is
`ROLE: <role>`, which also tells a test server or a log reader which role a request came from."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

from sovereign_graph.settings.live import LlmRole


@cache
def prompt_template(role: LlmRole) -> Template:
    text = resources.files("sovereign_graph").joinpath("prompts", f"{role}.md").read_text(encoding="utf-8")
    return Template(text)


def render(role: LlmRole, **values: object) -> str:
    """The role's prompt with every placeholder filled (a missing one is a bug: KeyError)."""
    return prompt_template(role).substitute({k: str(v) for k, v in values.items()})
