"""The settings reference, generated from the models themselves: `docs/settings.md` is this module's output, and
so is the table between the README's settings-table markers; a test keeps both equal to it (regenerate with
`python -m sovereign_graph.settings.table > docs/settings.md` and `... --readme README.md`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from sovereign_graph.settings.live import LIVE_FLAGS, LiveConfig
from sovereign_graph.settings.run import RESUMABLE, SCALAR_FIELDS, RunSettings, env_var, flag

INTRO = """\
# Run settings

Generated from `src/sovereign_graph/settings/` (`python -m sovereign_graph.settings.table > docs/settings.md`);
a test keeps this file equal to the code.

A run's settings are one value, `RunSettings`. Each is set by its command-line flag (`sovereign run`, and
`sovereign batch` for every row), else by its environment variable, else it is the default. From Python or
LangGraph Studio the same fields are the `Context`'s (`source` is `source_name` there), each also read from its
environment variable when left at its default (for `source`, the older `SOVEREIGN_SOURCE_NAME` too).

The settings are recorded whole in the thread's checkpoint metadata (`sovereign_settings`, JSON) when the run
starts, and restored whole when it is resumed, forked, re-run by a batch or continued by a queue worker: a
revision round is judged by the thresholds, verifier and limits the first round was. Only the settings marked
*resume: may change* can be given again to `sovereign resume` and `sovereign fork` (an arXiv mirror, a model
server that moved); such a change is recorded with that resume. The report's JSON carries the settings under
`settings`, and its method section lists the ones that are not the defaults.

Never recorded: the corpus database URL (`--db`; it may carry a password, and every process gives its own) and
any API key (from the provider's variable, e.g. `NVIDIA_API_KEY`).
"""


def _cell(value: Any) -> str:
    text = " ".join(str(value).split())
    return text.replace("|", "\\|")


def _default(model: type[BaseModel], name: str) -> str:
    field = model.model_fields[name]
    if name == "live":
        return "embedded engines"
    if field.default_factory is not None or field.default is None:
        return "—"
    return f"`{field.default}`"


def run_settings_table() -> str:
    rows = ["| setting | CLI flag | environment | default | resume | description |", "|---|---|---|---|---|---|"]
    for name, field in RunSettings.model_fields.items():
        flags = ", ".join(f"`{f}`" for f in flag(name).split(", "))
        env = f"`{env_var(name)}`" if name in SCALAR_FIELDS else "—"
        resume = "may change" if name in RESUMABLE else "kept"
        rows.append(
            f"| `{name}` | {flags} | {env} | {_default(RunSettings, name)} | {resume} | {_cell(field.description)} |"
        )
    return "\n".join(rows)


def live_table() -> str:
    rows = ["| live setting | CLI flag | default | description |", "|---|---|---|---|"]
    for name, field in LiveConfig.model_fields.items():
        given = f"`{LIVE_FLAGS[name]}`" if name in LIVE_FLAGS else "`--config` file"
        rows.append(f"| `{name}` | {given} | {_default(LiveConfig, name)} | {_cell(field.description)} |")
    return "\n".join(rows)


def settings_markdown() -> str:
    """The whole reference page."""
    return (
        f"{INTRO}\n{run_settings_table()}\n\n"
        "## Live models (`live`)\n\n"
        "Named on the command line or in a `--config` file (TOML or JSON); a `[roles.<role>]` table overrides "
        "`model`, `base_url` and the prices for one role (planner, extractor, skeptic, validator, synthesizer, "
        "writer, reviser). A file with any other field, an `api_key` among them, is refused.\n\n"
        f"{live_table()}\n"
    )


README_BEGIN, README_END = "<!-- settings-table:begin -->", "<!-- settings-table:end -->"


def with_readme_table(readme: str) -> str:
    """The README with the generated table between its settings-table markers."""
    head, rest = readme.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    return f"{head}{README_BEGIN}\n{run_settings_table()}\n{README_END}{tail}"


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if sys.argv[1:2] == ["--readme"]:
        path = Path(sys.argv[2])
        path.write_text(with_readme_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(settings_markdown(), end="")
