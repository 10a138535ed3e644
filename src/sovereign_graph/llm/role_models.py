"""`RoleModels`: which chat model each LLM role runs on (None = the embedded engine), with retry and prices.

A host app passes its own `BaseChatModel` (`RoleModels(default=my_model)`, or per role); the CLI builds one
from a `LiveConfig` (`RoleModels.from_config`). Nothing here holds a key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel

from sovereign_graph.llm.models import chat_model
from sovereign_graph.settings.live import LLM_ROLES, LiveConfig, LlmRole, RoleConfig

# Roles whose step calls the model several times at once: the extractor reads each paper in its own call.
PARALLEL_ROLES: frozenset[LlmRole] = frozenset({"extractor"})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    backoff: float = 1.0  # first wait in seconds; doubles each retry
    max_wait: float = 60.0  # cap on any wait, a server's Retry-After included


@dataclass(frozen=True)
class Price:
    """Per 1,000 tokens, in whatever currency the user configured."""

    input_per_1k: float = 0.0
    output_per_1k: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return input_tokens / 1000 * self.input_per_1k + output_tokens / 1000 * self.output_per_1k


@dataclass(frozen=True)
class RoleModel:
    model: BaseChatModel
    label: str  # how errors and the report name it: "nvidia:meta/llama-3.3-70b-instruct"
    price: Price | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # More clients of the same model, for a step that calls it several times at once (the extractor reads papers
    # in parallel); a client object sends one request at a time (`llm/calls.py`).
    replicas: tuple[BaseChatModel, ...] = ()

    def clients(self) -> list[RoleModel]:
        """This role model and one per replica, each usable by one thread at a time."""
        return [self] + [RoleModel(m, self.label, self.price, self.retry) for m in self.replicas]


def label_of(model: Any) -> str:
    name = getattr(model, "model", None) or getattr(model, "model_name", None)
    return f"{type(model).__name__}({name})" if name else type(model).__name__


@dataclass
class RoleModels:
    default: BaseChatModel | None = None
    roles: dict[LlmRole, BaseChatModel] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    prices: dict[LlmRole, Price] = field(default_factory=dict)
    labels: dict[LlmRole, str] = field(default_factory=dict)
    replicas: dict[LlmRole, tuple[BaseChatModel, ...]] = field(default_factory=dict)
    config: LiveConfig | None = field(default=None, metadata={"description": "the specs it was built from"})

    def for_role(self, role: LlmRole) -> RoleModel | None:
        model = self.roles.get(role, self.default)
        if model is None:
            return None
        return RoleModel(
            model=model,
            label=self.labels.get(role) or label_of(model),
            price=self.prices.get(role),
            retry=self.retry,
            replicas=self.replicas.get(role, ()),
        )

    def describe(self) -> dict[str, str]:
        """role -> model label, for the report's method section."""
        return {role: target.label for role in LLM_ROLES if (target := self.for_role(role)) is not None}

    @classmethod
    def of(cls, models: RoleModels | BaseChatModel) -> RoleModels:
        """A host's chat model for every role, or its RoleModels as they are."""
        return models if isinstance(models, RoleModels) else cls(default=models)

    @classmethod
    def from_config(cls, config: LiveConfig, api_key: str | None = None) -> RoleModels | None:
        """One client per role; None if nothing is live. (Live embeddings alone give a RoleModels with no role,
        so the config is still recorded for a resume.) Not one client per model: ChatNVIDIA keeps a request's
        inputs on the client (`last_inputs`) between building and posting them, so two roles calling one
        client at once (the three reviewers run in parallel) could send each other's prompts."""
        roles: dict[LlmRole, BaseChatModel] = {}
        prices: dict[LlmRole, Price] = {}
        labels: dict[LlmRole, str] = {}
        replicas: dict[LlmRole, tuple[BaseChatModel, ...]] = {}
        for role in LLM_ROLES:
            settings = config.role(role)
            if settings.model is None:
                continue

            def client(settings: RoleConfig = settings) -> BaseChatModel:
                return chat_model(
                    settings.model or "",
                    base_url=settings.base_url,
                    timeout=config.timeout,
                    api_key=api_key,
                    max_tokens=settings.max_tokens,
                    temperature=settings.temperature,
                    seed=settings.seed,
                )

            roles[role] = client()
            if role in PARALLEL_ROLES:
                replicas[role] = tuple(client() for _ in range(config.concurrency - 1))
            labels[role] = settings.model
            if settings.price_in is not None or settings.price_out is not None:
                prices[role] = Price(settings.price_in or 0.0, settings.price_out or 0.0)
        if not config.is_live:
            return None
        retry = RetryPolicy(attempts=config.attempts, backoff=config.backoff)
        return cls(roles=roles, retry=retry, prices=prices, labels=labels, replicas=replicas, config=config)
