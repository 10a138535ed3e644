"""Prompt files, kept beside the step whose model role reads them (`steps/plan/planner.md`, ...), read at run time
and filled with `string.Template` placeholders ($question, $facets, $passages, $dossier, ...). Each file's first
line is `ROLE: <role>`, which also tells a test server or a log reader which role a request came from."""

from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template


@cache
def prompt_template(package: str, file_name: str) -> Template:
    text = resources.files(package).joinpath(file_name).read_text(encoding="utf-8")
    return Template(text)


def render(package: str, file_name: str, **values: object) -> str:
    """The prompt file `file_name` of `package` with every placeholder filled (a missing one is a bug: KeyError)."""
    return prompt_template(package, file_name).substitute({k: str(v) for k, v in values.items()})
