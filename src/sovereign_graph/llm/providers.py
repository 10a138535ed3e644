"""Which providers a `provider:model` name may use, and what each one needs installed.

`nvidia` is built here (its package is a dependency). Every other provider goes through LangChain's
`init_chat_model` / `init_embeddings`, which need `langchain` and the provider's own package. With `langchain`
installed its registry decides; without it, the lists below (langchain 1.x's) still tell a mistyped provider
from a missing install, so the message can say which of the two it is.
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches
from importlib.util import find_spec
from typing import Any, Literal

from sovereign_graph.errors import InputError, shown

Kind = Literal["model", "embeddings"]
NVIDIA = "nvidia"
LANGCHAIN = "langchain"
_NOUNS: dict[Kind, str] = {"model": "chat model providers", "embeddings": "embeddings providers"}

# provider -> the module LangChain imports for it (langchain 1.x: chat_models `_BUILTIN_PROVIDERS`,
# embeddings `_SUPPORTED_PROVIDERS`). The pip package is the module's top level with '-' for '_'.
CHAT_MODULES: dict[str, str] = {
    "anthropic": "langchain_anthropic",
    "anthropic_bedrock": "langchain_aws",
    "azure_ai": "langchain_azure_ai",
    "azure_openai": "langchain_openai",
    "bedrock": "langchain_aws",
    "bedrock_converse": "langchain_aws",
    "cohere": "langchain_cohere",
    "deepseek": "langchain_deepseek",
    "fireworks": "langchain_fireworks",
    "google_anthropic_vertex": "langchain_google_vertexai",
    "google_genai": "langchain_google_genai",
    "google_vertexai": "langchain_google_vertexai",
    "groq": "langchain_groq",
    "huggingface": "langchain_huggingface",
    "ibm": "langchain_ibm",
    "mistralai": "langchain_mistralai",
    "nvidia": "langchain_nvidia_ai_endpoints",
    "ollama": "langchain_ollama",
    "openai": "langchain_openai",
    "openrouter": "langchain_openrouter",
    "perplexity": "langchain_perplexity",
    "together": "langchain_together",
    "upstage": "langchain_upstage",
    "xai": "langchain_xai",
}
EMBEDDINGS_MODULES: dict[str, str] = {
    "azure_openai": "langchain_openai",
    "bedrock": "langchain_aws",
    "cohere": "langchain_cohere",
    "google_vertexai": "langchain_google_vertexai",
    "huggingface": "langchain_huggingface",
    "mistralai": "langchain_mistralai",
    "nvidia": "langchain_nvidia_ai_endpoints",
    "ollama": "langchain_ollama",
    "openai": "langchain_openai",
}
# Where the installed langchain keeps each registry, and the fallback for each.
_REGISTRIES: dict[Kind, tuple[str, str, dict[str, str]]] = {
    "model": ("langchain.chat_models.base", "_BUILTIN_PROVIDERS", CHAT_MODULES),
    "embeddings": ("langchain.embeddings.base", "_SUPPORTED_PROVIDERS", EMBEDDINGS_MODULES),
}


def package_of(module: str) -> str:
    return module.split(".")[0].replace("_", "-")


def _modules_of(registry: Any, fallback: dict[str, str]) -> dict[str, str] | None:
    """provider -> module from a langchain registry: {name: (module, class, creator)}, {name: module} or a set
    of names (older releases); None for a shape this version does not know."""
    if isinstance(registry, dict):
        modules = {}
        for name, entry in registry.items():
            module = entry[0] if isinstance(entry, tuple) and entry else entry
            if not isinstance(name, str) or not isinstance(module, str):
                return None
            modules[name] = module
        return modules
    if isinstance(registry, set | frozenset) and all(isinstance(name, str) for name in registry):
        return {name: fallback.get(name, f"langchain_{name}") for name in registry}
    return None


def known_providers(kind: Kind) -> dict[str, str]:
    """provider -> module its client comes from, `nvidia` always included."""
    module_name, attribute, fallback = _REGISTRIES[kind]
    modules = None
    if find_spec(LANGCHAIN) is not None:
        try:
            registry = getattr(importlib.import_module(module_name), attribute, None)
        except ImportError:
            registry = None
        modules = _modules_of(registry, fallback)
    return {**(modules or fallback), NVIDIA: CHAT_MODULES[NVIDIA]}


def require_provider(kind: Kind, spec: str, provider: str) -> str:
    """The provider's name as LangChain spells it; an InputError if it is unknown (listing the known ones), or
    known but not installed (naming what to install)."""
    key = provider.replace("-", "_")
    known = known_providers(kind)
    if key not in known:
        close = get_close_matches(key, known, n=1)
        guess = f"did you mean '{close[0]}'? " if close else ""
        listed = ", ".join(sorted(known))
        raise InputError(
            f"{kind} {shown(spec)}: unknown provider {shown(provider)}; {guess}known {_NOUNS[kind]}: {listed}."
        )
    if key == NVIDIA:
        return key
    needed = dict.fromkeys([LANGCHAIN, known[key].split(".")[0]])
    missing = [package_of(module) for module in needed if find_spec(module) is None]
    if missing:
        raise InputError(f"{kind} {shown(spec)}: provider '{key}' needs `pip install {' '.join(missing)}`.")
    return key
