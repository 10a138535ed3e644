"""The options the commands share: the database, and the run settings (`settings.RunSettings`) as flags.

`run` and `batch` take every setting; `resume` and `fork` only those a resume may change (how the arXiv API and
the live models are reached). A flag left out is None: the setting then comes from its environment variable, or
is its default (`RunSettings.from_env`); for a resume, it stays as the thread recorded it. The settings module
loads only when a command runs (it brings pydantic), so `--help` stays fast; docs/settings.md is the reference.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast, get_type_hints

import typer

from sovereign_graph.errors import InputError

if TYPE_CHECKING:
    from sovereign_graph.settings.live import LiveConfig
    from sovereign_graph.settings.run import RunSettings

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLite checkpoint file, or a PostgreSQL URL (postgresql://user@host:port/db; extra `postgres`) "
        "[default: $SOVEREIGN_HOME/sovereign.sqlite].",
    ),
]


class SourceChoice(StrEnum):
    snapshot = "snapshot"
    arxiv = "arxiv"


@dataclass(frozen=True)
class Flag:
    """One setting's command-line option: its flag, the type click parses, its help, click's extra checks."""

    flag: str
    kind: Any
    help: str
    checks: dict[str, Any] = field(default_factory=dict)

    def annotation(self) -> Any:
        return Annotated[self.kind | None, typer.Option(self.flag, help=self.help, **self.checks)]


# Every setting's flag, in the order --help lists them (docs/settings.md: defaults and variables). Written out
# here rather than read from `RunSettings`: that module brings pydantic, and `--help` must stay fast.
FLAGS: dict[str, Flag] = {
    "source": Flag(
        "--source",
        SourceChoice,
        "snapshot: the bundled offline corpus; arxiv: the live arXiv API (one request per 3 s, $SOVEREIGN_ARXIV_DELAY; "
        "endpoint $SOVEREIGN_ARXIV_URL) [default: snapshot].",
    ),
    "corpus": Flag(
        "--corpus",
        str,
        "A corpus built with `sovereign corpus build`; with a PostgreSQL --db, looked up in that database first, then "
        "on disk [default: the bundled snapshot].",
    ),
    "verifier": Flag(
        "--verifier", str, "trained (default) | neural (the reader's stance stacked on it) | tfidf (the seed method)."
    ),
    "relevance": Flag(
        "--relevance", str, "lexical (default) | neural (the embedded reader's score stacked on the lexical features)."
    ),
    "model": Flag(
        "--model",
        str,
        "Chat model for every LLM role, as provider:model (e.g. nvidia:meta/llama-3.3-70b-instruct; key from "
        "NVIDIA_API_KEY) [default: the embedded engines].",
    ),
    "base_url": Flag("--base-url", str, "Endpoint of a self-hosted NIM or OpenAI-compatible server (…/v1)."),
    "embeddings": Flag("--embeddings", str, "Embeddings model, e.g. nvidia:nvidia/nv-embedqa-e5-v5 [default: LSA]."),
    "config": Flag(
        "--config", Path, "TOML/JSON file of live models: per-role models, prices, retries (docs/models.md)."
    ),
    "fulltext": Flag(
        "--fulltext",
        int,
        "Read the full text of the subject and of the N best-ranked hits (live arXiv: HTML, else PDF, cached; a "
        "corpus built from PDFs: its documents); 0: abstracts only [default: 8].",
        {"min": 0},
    ),
    "hits_per_query": Flag("--hits-per-query", int, "Papers kept from each search query [default: 8]."),
    "max_papers": Flag("--max-papers", int, "Papers indexed per round [default: 24]."),
    "max_claims": Flag("--max-claims", int, "Most claims in the dossier [default: 8]."),
    "max_claims_per_paper": Flag("--max-claims-per-paper", int, "Most claims from one paper [default: 3]."),
    "verify_threshold": Flag(
        "--verify-threshold", float, "tfidf verifier: cosine at which evidence counts [default: 0.15]."
    ),
    "revise_below": Flag("--revise-below", float, "Tribunal score under which a revision round runs [default: 6.5]."),
    "arxiv_url": Flag(
        "--arxiv-url", str, "The arXiv API's query endpoint (a mirror) [default: https://export.arxiv.org/api/query]."
    ),
    "arxiv_delay": Flag("--arxiv-delay", float, "Seconds between arXiv requests [default: 3.0]."),
    "arxiv_timeout": Flag("--arxiv-timeout", float, "Seconds per arXiv request [default: 30.0]."),
    "arxiv_retries": Flag("--arxiv-retries", int, "Retries of an arXiv request [default: 3]."),
    "arxiv_backoff": Flag("--arxiv-backoff", float, "First wait before an arXiv retry, seconds [default: 1.0]."),
    "arxiv_fulltext_url": Flag(
        "--arxiv-fulltext-url", str, "Where arXiv serves /html and /pdf [default: https://arxiv.org]."
    ),
}
LIVE_FLAG_NAMES = ("model", "base_url", "embeddings", "config")
# What a resume or a fork may give again: how the live models and the arXiv API are reached, nothing it judges by.
RESUME_FLAGS = (*LIVE_FLAG_NAMES, "arxiv_url", "arxiv_delay", "arxiv_timeout", "arxiv_retries", "arxiv_backoff",
                "arxiv_fulltext_url")  # fmt: skip
Command = TypeVar("Command", bound=Callable[..., None])


def with_flags(names: tuple[str, ...] = tuple(FLAGS)) -> Callable[[Command], Command]:
    """Give a command these settings' options (typer reads the signature this sets) and hand them to it as one
    dict, `flags` (name -> value, None when left out): one list of the settings' flags for run, batch, resume and
    fork, not four."""

    def decorate(command: Command) -> Command:
        hints = get_type_hints(command, include_extras=True)
        own = [
            parameter.replace(annotation=hints[parameter.name])
            for parameter in inspect.signature(command).parameters.values()
            if parameter.name != "flags"
        ]
        added = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=FLAGS[name].annotation())
            for name in names
        ]

        @functools.wraps(command)
        def with_settings(*args: Any, **kwargs: Any) -> None:
            flags = {name: kwargs.pop(name) for name in names}
            command(*args, flags=flags, **kwargs)

        with_settings.__signature__ = inspect.Signature([*own, *added])  # type: ignore[attr-defined]
        return cast("Command", with_settings)

    return decorate


def live_config(config: Path | None, model: str | None, base_url: str | None, embeddings: str | None) -> LiveConfig:
    """The config file (if any), with the command line's flags over it."""
    from sovereign_graph.settings.live import LiveConfig, load_config, parse_spec, usable

    settings = load_config(config) if config is not None else LiveConfig()
    for spec in (model, embeddings):
        if spec is not None:
            parse_spec(spec)
    flags = {"model": model, "base_url": base_url, "embeddings": embeddings}
    return usable(settings.model_copy(update={k: v for k, v in flags.items() if v is not None}))


def run_settings(flags: dict[str, Any]) -> RunSettings:
    """A new run's settings: the flags given, else the environment's, else the defaults."""
    from sovereign_graph.settings.run import RunSettings
    from sovereign_graph.steps.verify import check_verifier

    flags = dict(flags)
    if flags["verifier"] is not None:
        check_verifier(flags["verifier"])
    live = live_config(*(flags.pop(name) for name in ("config", "model", "base_url", "embeddings")))
    source, corpus = flags.pop("source"), flags["corpus"]
    settings = RunSettings.from_env(source=source.value if source is not None else None, live=live, **flags)
    if corpus is not None and settings.source != "snapshot":
        raise InputError("--corpus NAME is an offline corpus: it cannot be combined with --source arxiv.")
    if "neural" in (settings.relevance, settings.verifier):
        # Weights that do not match their manifest stop the run here, before a thread exists.
        from sovereign_graph.ml.reader.runtime import load_reader

        load_reader()
    return settings


def resume_changes(flags: dict[str, Any]) -> dict[str, Any]:
    """What a resume (or a fork) changes in the thread's recorded settings: only the flags given. A --config
    file's fields and the model flags are laid over the recorded live config, field by field."""
    from sovereign_graph.settings.live import fields_set, load_config, parse_spec

    config, model, base_url, embeddings = (flags[name] for name in ("config", "model", "base_url", "embeddings"))
    changes: dict[str, Any] = {
        name: value for name, value in flags.items() if value is not None and name not in LIVE_FLAG_NAMES
    }
    live = fields_set(load_config(config)) if config is not None else {}
    for spec in (model, embeddings):
        if spec is not None:
            parse_spec(spec)
    live.update({k: v for k, v in {"model": model, "base_url": base_url, "embeddings": embeddings}.items() if v})
    if live:
        changes["live"] = live
    return changes
