"""The options the commands share: the database, and the run settings (`settings.RunSettings`) as flags.

`run` and `batch` take every setting; `resume` and `fork` only those a resume may change (how the arXiv API and
the live models are reached). A flag left out is None: the setting then comes from its environment variable, or
is its default (`RunSettings.from_env`); for a resume, it stays as the thread recorded it. The settings module
loads only when a command runs (it brings pydantic), so `--help` stays fast; docs/settings.md is the reference.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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


# Every setting's flag, as `run` and `batch` take it (see docs/settings.md for the defaults and variables).
Source = Annotated[
    SourceChoice | None,
    typer.Option(
        "--source",
        help="snapshot: the bundled offline corpus; arxiv: the live arXiv API (one request per 3 s, "
        "$SOVEREIGN_ARXIV_DELAY; endpoint $SOVEREIGN_ARXIV_URL) [default: snapshot].",
    ),
]
Corpus = Annotated[
    str | None,
    typer.Option(
        "--corpus",
        help="A corpus built with `sovereign corpus build`; with a PostgreSQL --db, looked up in that database "
        "first, then on disk [default: the bundled snapshot].",
    ),
]
Verifier = Annotated[str | None, typer.Option("--verifier", help="trained (default) | tfidf (the seed method).")]
Fulltext = Annotated[
    int | None,
    typer.Option(
        "--fulltext",
        min=0,
        help="Read the full text of the subject and of the N best-ranked hits (live arXiv: HTML, else PDF, "
        "cached; a corpus built from PDFs: its documents); 0: abstracts only [default: 8].",
    ),
]
HitsPerQuery = Annotated[
    int | None, typer.Option("--hits-per-query", help="Papers kept from each search query [default: 8].")
]
MaxPapers = Annotated[int | None, typer.Option("--max-papers", help="Papers indexed per round [default: 24].")]
MaxClaims = Annotated[int | None, typer.Option("--max-claims", help="Most claims in the dossier [default: 8].")]
MaxClaimsPerPaper = Annotated[
    int | None, typer.Option("--max-claims-per-paper", help="Most claims from one paper [default: 3].")
]
VerifyThreshold = Annotated[
    float | None,
    typer.Option("--verify-threshold", help="tfidf verifier: cosine at which evidence counts [default: 0.15]."),
]
ReviseBelow = Annotated[
    float | None,
    typer.Option("--revise-below", help="Tribunal score under which a revision round runs [default: 6.5]."),
]
ArxivUrl = Annotated[
    str | None,
    typer.Option(
        "--arxiv-url", help="The arXiv API's query endpoint (a mirror) [default: https://export.arxiv.org/api/query]."
    ),
]
ArxivDelay = Annotated[
    float | None, typer.Option("--arxiv-delay", help="Seconds between arXiv requests [default: 3.0].")
]
ArxivTimeout = Annotated[
    float | None, typer.Option("--arxiv-timeout", help="Seconds per arXiv request [default: 30.0].")
]
ArxivRetries = Annotated[int | None, typer.Option("--arxiv-retries", help="Retries of an arXiv request [default: 3].")]
ArxivBackoff = Annotated[
    float | None, typer.Option("--arxiv-backoff", help="First wait before an arXiv retry, seconds [default: 1.0].")
]
ArxivFulltextUrl = Annotated[
    str | None,
    typer.Option("--arxiv-fulltext-url", help="Where arXiv serves /html and /pdf [default: https://arxiv.org]."),
]
Model = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Chat model for every LLM role, as provider:model (e.g. nvidia:meta/llama-3.3-70b-instruct; "
        "key from NVIDIA_API_KEY) [default: the embedded engines].",
    ),
]
BaseUrl = Annotated[
    str | None,
    typer.Option("--base-url", help="Endpoint of a self-hosted NIM or OpenAI-compatible server (…/v1)."),
]
EmbeddingsModel = Annotated[
    str | None,
    typer.Option("--embeddings", help="Embeddings model, e.g. nvidia:nvidia/nv-embedqa-e5-v5 [default: LSA]."),
]
ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", help="TOML/JSON file of live models: per-role models, prices, retries (docs/models.md)."),
]


def live_config(config: Path | None, model: str | None, base_url: str | None, embeddings: str | None) -> LiveConfig:
    """The config file (if any), with the command line's flags over it."""
    from sovereign_graph.settings.live import LiveConfig, load_config, parse_spec, usable

    settings = load_config(config) if config is not None else LiveConfig()
    for spec in (model, embeddings):
        if spec is not None:
            parse_spec(spec)
    flags = {"model": model, "base_url": base_url, "embeddings": embeddings}
    return usable(settings.model_copy(update={k: v for k, v in flags.items() if v is not None}))


def run_settings(source: SourceChoice | None, corpus: str | None, live: LiveConfig, **flags: Any) -> RunSettings:
    """A new run's settings: the flags given, else the environment's, else the defaults."""
    from sovereign_graph.settings.run import RunSettings

    settings = RunSettings.from_env(
        source=source.value if source is not None else None, corpus=corpus, live=live, **flags
    )
    if corpus is not None and settings.source != "snapshot":
        raise InputError("--corpus NAME is an offline corpus: it cannot be combined with --source arxiv.")
    return settings


def resume_changes(
    config: Path | None, model: str | None, base_url: str | None, embeddings: str | None, **arxiv: Any
) -> dict[str, Any]:
    """What a resume (or a fork) changes in the thread's recorded settings: only the flags given. A --config
    file's fields and the model flags are laid over the recorded live config, field by field."""
    from sovereign_graph.settings.live import fields_set, load_config, parse_spec

    changes: dict[str, Any] = {name: value for name, value in arxiv.items() if value is not None}
    live = fields_set(load_config(config)) if config is not None else {}
    for spec in (model, embeddings):
        if spec is not None:
            parse_spec(spec)
    live.update({k: v for k, v in {"model": model, "base_url": base_url, "embeddings": embeddings}.items() if v})
    if live:
        changes["live"] = live
    return changes
