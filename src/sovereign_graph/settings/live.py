"""Which live models a run uses, as plain data: CLI flags, a config file, and what a checkpoint records.

A `LiveConfig` names models (`provider:model`), endpoints, prices and retry settings, never a key: it is
part of the run's settings, recorded in checkpoint metadata, so `sovereign resume` rebuilds the same models.
Keys come from the provider's usual environment variable (`NVIDIA_API_KEY`, ...) or are passed to
`RoleModels.from_config` directly. A config file with any other field (an `api_key`) is refused.

Config file (TOML or JSON), every field optional:

    model = "nvidia:meta/llama-3.3-70b-instruct"   # default chat model for every LLM role
    base_url = "http://localhost:8000/v1"          # self-hosted NIM / OpenAI-compatible endpoint
    embeddings = "nvidia:nvidia/nv-embedqa-e5-v5"
    embeddings_base_url = "http://localhost:8001/v1"  # default: base_url, when the provider is the same
    truncate = "END"                               # embeddings: NONE | START | END
    timeout = 60                                   # seconds per request
    attempts = 3                                   # tries per call (with exponential backoff)
    backoff = 1.0                                  # first wait, seconds; doubles; a 429's Retry-After wins
    price_in = 0.0005                              # per 1k input tokens (optional, for `usage.cost`)
    price_out = 0.0015                             # per 1k output tokens

    max_tokens = 2048                              # most tokens per answer (default: per role, 1k-4k)
    temperature = 0.0                              # default 0
    seed = 7                                       # sent with each request (default: none)

    [roles.skeptic]                                # per-role override: model, base_url, prices, max_tokens, ...
    model = "nvidia:deepseek-ai/deepseek-r1"
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sovereign_graph.errors import InputError, shown, shown_path

LlmRole = Literal["planner", "extractor", "skeptic", "validator", "synthesizer", "writer", "reviser"]
LLM_ROLES: tuple[LlmRole, ...] = ("planner", "extractor", "skeptic", "validator", "synthesizer", "writer", "reviser")
# The config's fields a command-line flag sets (the rest only a --config file).
LIVE_FLAGS = {"model": "--model", "base_url": "--base-url", "embeddings": "--embeddings"}


def parse_spec(spec: str) -> tuple[str, str]:
    """'provider:model' -> (provider, model). The model part may itself hold ':' or '/'."""
    provider, sep, model = spec.partition(":")
    if not sep or not provider.strip() or not model.strip():
        raise InputError(
            f"a model is named 'provider:model' (e.g. nvidia:meta/llama-3.3-70b-instruct), not {shown(spec)}."
        )
    return provider.strip().lower(), model.strip()


class RoleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str | None = Field(
        default=None,
        description="Chat model for every LLM role, as provider:model (key from the provider's variable, e.g. "
        "NVIDIA_API_KEY); none: the embedded engines.",
    )
    base_url: str | None = Field(
        default=None, description="Endpoint of a self-hosted NIM or OpenAI-compatible server (…/v1)."
    )
    price_in: float | None = Field(default=None, ge=0, description="Price per 1,000 input tokens (for usage.cost).")
    price_out: float | None = Field(default=None, ge=0, description="Price per 1,000 output tokens.")
    max_tokens: int | None = Field(
        default=None, gt=0, le=65536, description="Most tokens a role's answer may have; default: the role's own."
    )
    temperature: float | None = Field(default=None, ge=0, le=2, description="Sampling temperature; default 0.")
    seed: int | None = Field(default=None, ge=0, description="Sampling seed sent with each request; default: none.")

    @field_validator("model")
    @classmethod
    def _spec(cls, value: str | None) -> str | None:
        if value is not None:
            parse_spec(value)
        return value


# Enough for each role's answer with room to spare (ChatNVIDIA's own default, 1,024, cuts off eight claims with
# their quotes, or a full Answer); a cut-off answer shrinks the job or falls back (`llm/calls.py`), never halts.
ROLE_MAX_TOKENS: dict[LlmRole, int] = {
    "planner": 1024, "extractor": 4096, "skeptic": 2048, "validator": 2048, "synthesizer": 2048, "writer": 4096,
    "reviser": 1024,
}  # fmt: skip
DEFAULT_TEMPERATURE = 0.0  # judgement, not prose: the same dossier should get the same review


class LiveConfig(RoleConfig):
    embeddings: str | None = Field(
        default=None, description="Embeddings model as provider:model, e.g. nvidia:nvidia/nv-embedqa-e5-v5; none: LSA."
    )
    embeddings_base_url: str | None = Field(
        default=None, description="Endpoint of the embeddings model; default: base_url when the provider is the same."
    )
    truncate: Literal["NONE", "START", "END"] = Field(
        default="END", description="Embeddings: which end of a long input the server cuts (NONE | START | END)."
    )
    timeout: float = Field(default=60.0, gt=0, description="Seconds per model request.")
    attempts: int = Field(default=3, ge=1, le=10, description="Tries per model call, with exponential backoff.")
    backoff: float = Field(
        default=1.0, ge=0, description="First wait before a retry, in seconds; doubles; a 429's Retry-After wins."
    )
    concurrency: int = Field(
        default=4, ge=1, le=16, description="Papers the live extractor reads at once (a client each)."
    )
    roles: dict[LlmRole, RoleConfig] = Field(
        default_factory=dict,
        description="Per-role overrides ([roles.skeptic]): model, base_url, prices, max_tokens, temperature, seed.",
    )

    @field_validator("embeddings")
    @classmethod
    def _embeddings_spec(cls, value: str | None) -> str | None:
        if value is not None:
            parse_spec(value)
        return value

    def role(self, role: LlmRole) -> RoleConfig:
        """The role's effective settings: its own overrides over the defaults."""
        own = self.roles.get(role, RoleConfig())
        model = own.model or self.model
        # The default endpoint serves a role's own model only when it is the same provider's.
        same_provider = model is not None and (self.model is None or parse_spec(model)[0] == parse_spec(self.model)[0])
        return RoleConfig(
            model=model,
            base_url=own.base_url or (self.base_url if same_provider else None),
            price_in=own.price_in if own.price_in is not None else self.price_in,
            price_out=own.price_out if own.price_out is not None else self.price_out,
            max_tokens=own.max_tokens or self.max_tokens or ROLE_MAX_TOKENS[role],
            temperature=next((t for t in (own.temperature, self.temperature) if t is not None), DEFAULT_TEMPERATURE),
            seed=own.seed if own.seed is not None else self.seed,
        )

    @property
    def is_live(self) -> bool:
        return bool(self.model or self.embeddings or any(r.model for r in self.roles.values()))

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, text: str) -> LiveConfig:
        return cls.model_validate_json(text)

    def updated(self, changes: Mapping[str, Any], origin: str = "the live model settings") -> LiveConfig:
        """This config with some fields replaced (a config file's, the command line's), checked again."""
        try:
            return usable(LiveConfig.model_validate({**self.model_dump(exclude_defaults=True), **changes}))
        except ValidationError as error:
            raise InputError(f"{origin}: {problems(error)}.") from None


def usable(config: LiveConfig) -> LiveConfig:
    """An endpoint needs a model to serve: `--base-url` alone would silently run the embedded engines."""
    if config.base_url and not config.is_live:
        raise InputError("--base-url names the endpoint of a live model: give --model or --embeddings with it.")
    return config


def problems(error: ValidationError, whole: str = "value") -> str:
    """pydantic's errors as one line: 'field: what is wrong; ...'."""
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or whole}: {e['msg']}" for e in error.errors())


def load_config(path: Path) -> LiveConfig:
    """A TOML (.toml) or JSON file; anything wrong in it is one InputError naming the file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"--config {shown_path(path)}: cannot read it ({error.strerror}).") from None
    try:
        data = json.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw)
        return LiveConfig.model_validate(data)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(
            f"--config {shown_path(path)}: not valid {path.suffix.lstrip('.').upper() or 'TOML'} ({error})."
        ) from None
    except ValidationError as error:
        raise InputError(f"--config {shown_path(path)}: {problems(error, 'file')}.") from None


def fields_set(config: LiveConfig) -> dict[str, Any]:
    """The fields a config (a file) sets itself, to lay over another (the one a thread recorded)."""
    return config.model_dump(include=config.model_fields_set)
