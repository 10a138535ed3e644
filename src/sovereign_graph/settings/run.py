"""`RunSettings`: everything that decides how a run searches, reads, extracts, verifies and judges, as one typed,
serialisable value.

It is recorded whole in the thread's checkpoint metadata when a run starts, and restored whole on resume, fork,
a batch re-run and a queue continuation, so a revision round is judged by the rules the first round was. Only
what says how to *reach* something (the arXiv endpoint and its timings, a live model's endpoint or name) may
be changed by a resume (`resumed`); the thresholds, the verifier and the limits are the thread's for life.

Each field has a description, a command-line flag (`--<field>`, with dashes; the live models: `--model`,
`--base-url`, `--embeddings`, `--config`) and an environment variable `SOVEREIGN_<FIELD>` that sets it when the
flag is not given. The corpus database (`--db`) is not a setting: its URL may carry a password, so it is never
recorded, and every process takes it from its own `--db`. Nor is a key: a `LiveConfig` has no field for one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sovereign_graph.errors import InputError, shown
from sovereign_graph.settings.live import LIVE_FLAGS, LiveConfig

ENV_PREFIX = "SOVEREIGN_"
ARXIV_API_URL = "https://export.arxiv.org/api/query"
ARXIV_FULLTEXT_URL = "https://arxiv.org"
SourceName = Literal["snapshot", "arxiv"]
VerifierName = Literal["neural", "trained", "tfidf"]
RelevanceName = Literal["neural", "lexical"]
# What a thread recorded before a setting existed ran with: a record without it gets this, not today's default.
RECORDED_BEFORE = {"relevance": "lexical"}
# The variable an older version read for a field under another name (the context's `source_name`).
LEGACY_ENV = {"source": "SOVEREIGN_SOURCE_NAME"}


def _setting(default: Any, description: str, *, on_resume: bool = False, **constraints: Any) -> Any:
    """A field with its description; `on_resume`: a resume may change it (it says how to reach a service)."""
    extra: dict[str, Any] | None = {"on_resume": True} if on_resume else None
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class RunSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: SourceName = _setting(
        "snapshot", "Where to search: 'snapshot' (the offline `corpus`) or 'arxiv' (the live API)."
    )
    corpus: str = _setting(
        "bundled",
        "Offline corpus to search: 'bundled' is the snapshot shipped in the package; any other name is a corpus "
        "built with `sovereign corpus build`: looked up in the `corpus_db` database when that is a PostgreSQL URL, "
        "else (or if it has none of that name) under $SOVEREIGN_HOME/corpora.",
        min_length=1,
    )
    fulltext: int = _setting(
        8,
        "Read the full text of the subject paper and of this many of the best-ranked hits (live arXiv: HTML, else "
        "PDF, cached under $SOVEREIGN_HOME/fulltext; a corpus built from PDFs: its documents); 0 reads abstracts "
        "only.",
        ge=0,
    )
    hits_per_query: int = _setting(8, "Papers kept from each search query (before de-duplication).", ge=1)
    max_papers: int = _setting(24, "Papers indexed into passages per round.", ge=1)
    max_claims: int = _setting(8, "Most claims extracted for the dossier.", ge=0)
    max_claims_per_paper: int = _setting(3, "Most claims from one paper, so one source cannot fill the table.", ge=0)
    verifier: VerifierName = _setting(
        "trained",
        "Claim verifier: 'trained' (the SciFact-trained model shipped in the package, lexical features), 'neural' "
        "(the same with the embedded reader's stance stacked on them) or 'tfidf' (the seed method).",
    )
    relevance: RelevanceName = _setting(
        "lexical",
        "Relevance model: 'neural' (the lexical features with the embedded reader's cross-encoder score stacked on "
        "them) or 'lexical' (the lexical features alone).",
    )
    verify_threshold: float = _setting(
        0.15,
        "Seed verifier ('tfidf'): TF-IDF cosine (word 1-2-grams) at or above which evidence counts.",
        ge=0,
        le=1,
    )
    revise_below: float = _setting(
        6.5,
        "Tribunal score (0-10) under which a revision round runs (if one is left); the threshold the report and "
        "the desk show.",
        ge=0,
    )
    arxiv_url: str = _setting(
        ARXIV_API_URL, "The arXiv API's query endpoint (live source only).", on_resume=True, min_length=1
    )
    arxiv_delay: float = _setting(
        3.0,
        "Seconds between arXiv requests, across all parallel branches (arXiv's terms: 3).",
        on_resume=True,
        ge=0,
    )
    arxiv_timeout: float = _setting(30.0, "Seconds before an arXiv request gives up.", on_resume=True, gt=0)
    arxiv_retries: int = _setting(
        3, "Retries of an arXiv request on 429/5xx, connection errors or timeouts.", on_resume=True, ge=0
    )
    arxiv_backoff: float = _setting(
        1.0, "First wait before a retry, in seconds; doubles on each retry.", on_resume=True, ge=0
    )
    arxiv_fulltext_url: str = _setting(
        ARXIV_FULLTEXT_URL,
        "Where arXiv serves full text (/html/<id>, /pdf/<id>); live source only. Left at its default while "
        "`arxiv_url` points elsewhere, full text comes from that host.",
        on_resume=True,
        min_length=1,
    )
    live: LiveConfig = Field(
        default_factory=LiveConfig,
        description="The live models (names, endpoints, prices, retries; never a key): see the table below. "
        "Default: the embedded engines.",
        json_schema_extra={"on_resume": True},
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: Any) -> RunSettings:
        """Each field from `given` (the command line's flags; None: not given), else from its environment
        variable, else its default. A bad value is one InputError naming its flag or variable."""
        unknown = sorted(set(given) - set(cls.model_fields))
        if unknown:
            raise TypeError(f"not run settings: {', '.join(unknown)}")
        flags = {name: value for name, value in given.items() if value is not None}
        try:
            return cls.model_validate({**environment_values(environ), **flags})
        except ValidationError as error:
            raise InputError(_flag_problems(error)) from None

    @classmethod
    def from_json(cls, text: str) -> RunSettings:
        """Settings a thread recorded. A field this version lacks (a newer version's) is left out; one the record
        lacks (an older version's) is its default."""
        data = RECORDED_BEFORE | json.loads(text)
        return cls.model_validate({k: v for k, v in data.items() if k in cls.model_fields})

    def to_json(self) -> str:
        return self.model_dump_json()

    def resumed(self, changes: Mapping[str, Any]) -> RunSettings:
        """These settings with a resume's explicit changes: only the fields that say how to reach a service
        (`RESUMABLE`); `live` is a mapping of LiveConfig fields laid over the recorded config."""
        fixed = sorted(set(changes) - set(RESUMABLE))
        if fixed:
            raise InputError(
                f"{', '.join(fixed)}: a thread keeps the settings it started with; only {', '.join(RESUMABLE)} "
                "may change when it resumes (start a new run to change the others)."
            )
        updates = dict(changes)
        if "live" in updates:
            updates["live"] = self.live.updated(updates["live"])
        try:
            return type(self).model_validate({**dict(self), **updates})
        except ValidationError as error:
            raise InputError(_flag_problems(error)) from None

    def differences(self) -> dict[str, Any]:
        """The fields not at their default, the live models aside (the method section names those)."""
        return {name: getattr(self, name) for name in SCALAR_FIELDS if getattr(self, name) != DEFAULTS[name]}


def env_var(name: str) -> str:
    return f"{ENV_PREFIX}{name.upper()}"


def flag(name: str) -> str:
    """The command-line flag of a field (the live models: several)."""
    if name == "live":
        return ", ".join([*LIVE_FLAGS.values(), "--config"])
    return "--" + name.replace("_", "-")


def environment_values(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The fields an environment variable sets, parsed and checked (the live models have none: they are named on
    the command line or in a --config file, or passed by a host app)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for name in SCALAR_FIELDS:
        variables = [env_var(name), LEGACY_ENV[name]] if name in LEGACY_ENV else [env_var(name)]
        variable = next((v for v in variables if v in environ), None)
        if variable is None:
            continue
        try:
            values[name] = getattr(RunSettings.model_validate({name: environ[variable]}), name)
        except ValidationError as error:
            raise InputError(f"${variable}={shown(environ[variable])}: {error.errors()[0]['msg']}.") from None
    return values


def _flag_problems(error: ValidationError) -> str:
    """'--max-claims: Input should be ...; ...', naming the flag a user gave."""
    parts = []
    for problem in error.errors():
        where = [str(p) for p in problem["loc"]]
        named = flag(where[0]) if where and where[0] in SCALAR_FIELDS else ".".join(where) or "settings"
        parts.append(f"{named}: {problem['msg']}")
    return "; ".join(parts) + "."


def _on_resume(name: str) -> bool:
    extra = RunSettings.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("on_resume"))


SCALAR_FIELDS: tuple[str, ...] = tuple(name for name in RunSettings.model_fields if name != "live")
RESUMABLE: tuple[str, ...] = tuple(name for name in RunSettings.model_fields if _on_resume(name))
DEFAULTS: dict[str, Any] = dict(RunSettings())
