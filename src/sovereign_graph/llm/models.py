"""Chat-model and embeddings factories for `provider:model` names.

`nvidia:` builds `ChatNVIDIA` / `NVIDIAEmbeddings` (NIM, hosted or self-hosted via `base_url`); any other
provider LangChain knows (`llm/providers.py`) goes through its `init_chat_model` / `init_embeddings` when
`langchain` and the provider's package are installed. The key is read by the client from its usual variable
(`NVIDIA_API_KEY`, ...) unless one is passed here; it is handed to the client and kept nowhere else.
NVIDIA's usage telemetry stays off unless `NVIDIA_USAGE_TELEMETRY_ENABLED` turns it on.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from sovereign_graph.errors import InputError, shown
from sovereign_graph.llm.providers import require_provider
from sovereign_graph.settings.live import parse_spec

TELEMETRY_ENV = "NVIDIA_USAGE_TELEMETRY_ENABLED"
_ON = {"1", "true", "yes", "on"}


def telemetry_enabled() -> bool:
    """Off unless the user explicitly turned it on (the NVIDIA client's own default is on)."""
    return os.environ.get(TELEMETRY_ENV, "").strip().casefold() in _ON


# The NVIDIA client raises a bare Exception on HTTP errors, without the response's headers; a response hook
# on its requests sessions remembers a 429/503's Retry-After for the thread that made the request.
_retry_after = threading.local()


def parse_retry_after(value: str) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def take_retry_after() -> float | None:
    """The Retry-After this thread last received (then forgotten)."""
    seconds: float | None = getattr(_retry_after, "seconds", None)
    _retry_after.seconds = None
    return seconds


def _remember_retry_after(response: Any, *args: Any, **kwargs: Any) -> Any:
    if response.status_code in (429, 503) and (value := response.headers.get("Retry-After")):
        _retry_after.seconds = parse_retry_after(value)
    return response


def _hooked(session_factory: Callable[[], Any]) -> Callable[[], Any]:
    def make_session() -> Any:
        session = session_factory()
        session.hooks["response"].append(_remember_retry_after)
        return session

    return make_session


def _watch_retry_after(client: Any) -> None:
    inner = getattr(client, "_client", None)
    if inner is not None and hasattr(inner, "get_session_fn"):
        inner.get_session_fn = _hooked(inner.get_session_fn)


def _require_nvidia_key(spec: str, base_url: str | None, api_key: str | None) -> None:
    if not base_url and not api_key and not os.environ.get("NVIDIA_API_KEY"):
        raise InputError(
            f"{shown(spec)} on NVIDIA's hosted API needs a key: set NVIDIA_API_KEY "
            "(or give --base-url for a self-hosted NIM)."
        )


def _client_kwargs(base_url: str | None, api_key: str | None, **settings: Any) -> dict[str, Any]:
    """A client's keyword arguments: the settings, plus the endpoint and key only when given."""
    kwargs = dict(settings)
    if base_url:
        kwargs["base_url"] = base_url
    if api_key:
        kwargs["api_key"] = api_key
    return kwargs


# A server of one's own that speaks OpenAI's chat API (llama.cpp's llama-server, Ollama, vLLM, LM Studio):
# `openai:NAME --base-url URL`. ChatNVIDIA speaks that protocol (the same /v1/chat/completions; structured output
# as response_format json_schema first, which llama.cpp turns into a grammar), so it needs no other package.
# Without --base-url, `openai:` is OpenAI's own API through LangChain (extra packages).
OPENAI_COMPATIBLE = "openai"
# A local server usually wants no key, but the client sends one: this, never the NVIDIA key, which must not go to
# a server that is not NVIDIA's.
NO_KEY = "no-key"


def local_openai_model(
    model: str, *, base_url: str, timeout: float, api_key: str | None = None, **generation: Any
) -> BaseChatModel:
    from langchain_nvidia_ai_endpoints import ChatNVIDIA

    key = api_key or os.environ.get("OPENAI_API_KEY") or NO_KEY
    chat = ChatNVIDIA(
        model=model,
        base_url=base_url,
        api_key=key,
        usage_telemetry_enabled=telemetry_enabled(),
        timeout=timeout,
        **generation,
    )
    _watch_retry_after(chat)
    return chat


def chat_model(
    spec: str, *, base_url: str | None, timeout: float, api_key: str | None = None, **generation: Any
) -> BaseChatModel:
    """`generation`: max_tokens, temperature, seed (those not None are sent with every request)."""
    generation = {k: v for k, v in generation.items() if v is not None}
    # ChatNVIDIA's name for it (its `max_tokens` is deprecated); other providers' clients take max_tokens.
    nvidia = {("max_completion_tokens" if k == "max_tokens" else k): v for k, v in generation.items()}
    provider, model = parse_spec(spec)
    if provider == OPENAI_COMPATIBLE and base_url:
        return local_openai_model(model, base_url=base_url, timeout=timeout, api_key=api_key, **nvidia)
    provider = require_provider("model", spec, provider)
    if provider == "nvidia":
        _require_nvidia_key(spec, base_url, api_key)
        from langchain_nvidia_ai_endpoints import ChatNVIDIA

        kwargs = _client_kwargs(
            base_url, api_key, usage_telemetry_enabled=telemetry_enabled(), timeout=timeout, **nvidia
        )
        chat = ChatNVIDIA(model=model, **kwargs)
        _watch_retry_after(chat)
        return chat
    from langchain.chat_models import init_chat_model  # type: ignore[import-not-found,unused-ignore]

    try:
        built: BaseChatModel = init_chat_model(
            model, model_provider=provider, **_client_kwargs(base_url, api_key, timeout=timeout, **generation)
        )
    except (ImportError, ValueError) as error:
        raise InputError(f"model {shown(spec)}: {one_line(error)}") from None
    return built


def embeddings_model(
    spec: str, *, base_url: str | None, truncate: str, timeout: float, api_key: str | None = None
) -> Embeddings:
    provider, model = parse_spec(spec)
    provider = require_provider("embeddings", spec, provider)
    if provider == "nvidia":
        _require_nvidia_key(spec, base_url, api_key)
        from langchain_nvidia_ai_endpoints import NVIDIAEmbeddings

        kwargs = _client_kwargs(base_url, api_key, usage_telemetry_enabled=telemetry_enabled(), truncate=truncate)
        embedder = NVIDIAEmbeddings(model=model, **kwargs)
        embedder._client.timeout = timeout  # the constructor takes no timeout; requests use the client's
        _watch_retry_after(embedder)
        return embedder
    from langchain.embeddings import init_embeddings  # type: ignore[import-not-found,unused-ignore]

    try:
        built: Embeddings = init_embeddings(model, provider=provider)
    except (ImportError, ValueError) as error:
        raise InputError(f"embeddings {shown(spec)}: {one_line(error)}") from None
    return built


def one_line(error: BaseException) -> str:
    """LangChain's messages span lines (a list of providers); the CLI prints one."""
    return " ".join(str(error).split())
