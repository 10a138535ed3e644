"""Live embeddings under the run's retry policy, built from a `LiveConfig` (CLI --embeddings, a config file)."""

from __future__ import annotations

from langchain_core.embeddings import Embeddings

from sovereign_graph.llm.calls import with_retries
from sovereign_graph.llm.models import embeddings_model
from sovereign_graph.llm.role_models import RetryPolicy
from sovereign_graph.settings.live import LiveConfig, parse_spec


class RetryingEmbeddings(Embeddings):
    """A live Embeddings model under the retry policy; its last failure is a ModelError naming it."""

    def __init__(self, inner: Embeddings, *, label: str, retry: RetryPolicy) -> None:
        self.inner = inner
        self.label = label
        self.retry = retry

    @property
    def display_name(self) -> str:
        return f"{type(self.inner).__name__} ({self.label})"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return with_retries(self.retry, f"the embeddings model {self.label}", lambda: self.inner.embed_documents(texts))

    def embed_query(self, text: str) -> list[float]:
        return with_retries(self.retry, f"the embeddings model {self.label}", lambda: self.inner.embed_query(text))


def embeddings_from_config(config: LiveConfig, api_key: str | None = None) -> Embeddings | None:
    if config.embeddings is None:
        return None
    base_url = config.embeddings_base_url
    if base_url is None and (config.model is None or parse_spec(config.model)[0] == parse_spec(config.embeddings)[0]):
        base_url = config.base_url  # one endpoint for the provider's chat and embeddings, unless told otherwise
    inner = embeddings_model(
        config.embeddings, base_url=base_url, truncate=config.truncate, timeout=config.timeout, api_key=api_key
    )
    return RetryingEmbeddings(
        inner, label=config.embeddings, retry=RetryPolicy(attempts=config.attempts, backoff=config.backoff)
    )
