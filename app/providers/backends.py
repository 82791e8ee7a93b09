"""The chat backend for a provider: its wire module imported on first use, its key looked up.

The provider table (app/providers/registry.py) is data and imports no keychain; the key lookup
(app/secrets.py) reads that table. This module uses both, so neither imports the other back.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Mapping

from app.core.errors import ModelNotFound
from app.providers.registry import (
    LOCAL,
    ProviderSpec,
    all_providers,
    base_url_for,
    get_provider,
    parse_model_id,
)

_BACKENDS = {
    "openai": ("app.providers.openai_compat", "OpenAICompatBackend"),
    "anthropic": ("app.providers.anthropic", "AnthropicBackend"),
    "gemini": ("app.providers.gemini", "GeminiBackend"),
}


def create_backend(spec: ProviderSpec, model: str, base_url: str, api_key: str | None):
    """A backend with `stream_chat` and `list_models`; its module is imported on first use."""
    module_name, class_name = _BACKENDS[spec.wire]
    backend_class = getattr(importlib.import_module(module_name), class_name)
    return backend_class(spec, model, base_url, api_key)


def backend_for_model_id(
    model_id: str,
    *,
    base_url_overrides: Mapping[str, str] | None = None,
    api_key: str | None = None,
):
    """The backend for "openai:gpt-4o-mini": key from the session, keychain or environment.

    Raises NoKey when the provider needs a key and none is found, ModelNotFound for a local
    GGUF name (those belong to the local engine).
    """
    from app import secrets
    from app.core.provider_errors import NoKey

    provider_id, model = parse_model_id(model_id)
    if provider_id == LOCAL:
        raise ModelNotFound(f"“{model_id}” is not a cloud or server model.")
    spec = get_provider(provider_id)
    key = api_key if api_key is not None else secrets.get_key(spec.id)
    if spec.needs_key and not key:
        raise NoKey(spec.display_name)
    return create_backend(spec, model, base_url_for(spec, base_url_overrides), key)


async def detect_local_servers(
    overrides: Mapping[str, str] | None = None, *, timeout: float = 0.5
) -> list[ProviderSpec]:
    """The auto-detected servers (Ollama, LM Studio) that answer right now."""
    from app.providers.openai_compat import server_answers

    specs = [s for s in all_providers() if s.auto_detect]
    answers = await asyncio.gather(
        *(server_answers(base_url_for(s, overrides), timeout=timeout) for s in specs)
    )
    return [spec for spec, up in zip(specs, answers, strict=True) if up]
