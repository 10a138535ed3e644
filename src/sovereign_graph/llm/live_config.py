"""Which live models a run uses, as plain data: CLI flags, a config file, and what a checkpoint records.

A `LiveConfig` names models (`provider:model`), endpoints, prices and retry settings, never a key: it is
written into checkpoint metadata so `sovereign resume` rebuilds the same models. Keys come from the
provider's usual environment variable (`NVIDIA_API_KEY`, ...) or are passed to `build_role_models` directly.

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

    [roles.skeptic]                                # per-role override: model, base_url, prices
    model = "nvidia:deepseek-ai/deepseek-r1"
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sovereign_graph.errors import InputError, shown, shown_path

LlmRole = Literal["planner", "extractor", "skeptic", "validator", "synthesizer", "reviser"]
LLM_ROLES: tuple[LlmRole, ...] = ("planner", "extractor", "skeptic", "validator", "synthesizer", "reviser")


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

    model: str | None = None
    base_url: str | None = None
    price_in: float | None = Field(default=None, ge=0)
    price_out: float | None = Field(default=None, ge=0)

    @field_validator("model")
    @classmethod
    def _spec(cls, value: str | None) -> str | None:
        if value is not None:
            parse_spec(value)
        return value


class LiveConfig(RoleConfig):
    embeddings: str | None = None
    embeddings_base_url: str | None = None
    truncate: Literal["NONE", "START", "END"] = "END"
    timeout: float = Field(default=60.0, gt=0)
    attempts: int = Field(default=3, ge=1, le=10)
    backoff: float = Field(default=1.0, ge=0)
    roles: dict[LlmRole, RoleConfig] = Field(default_factory=dict)

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
        )

    @property
    def is_live(self) -> bool:
        return bool(self.model or self.embeddings or any(r.model for r in self.roles.values()))

    def to_json(self) -> str:
        return self.model_dump_json(exclude_defaults=True)

    @classmethod
    def from_json(cls, text: str) -> LiveConfig:
        return cls.model_validate_json(text)


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
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in error.errors())
        raise InputError(f"--config {shown_path(path)}: {problems}.") from None
