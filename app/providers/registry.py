"""Every cloud and local-server provider Hearth knows, declared as data.

A new OpenAI-compatible service is one more ProviderSpec here; a new wire format is one new
module plus its name in `_BACKENDS` (app/providers/backends.py, which makes the backends). This
table imports no keychain: app/secrets.py reads each provider's `key_env_var` from it. Model ids
everywhere are "provider:model", split on the first colon ("openrouter:anthropic/claude-3.5-sonnet",
"ollama:llama3.2:latest"); a name with no known provider prefix is a local GGUF model's
registered name.

Base URL precedence: the HEARTH_<PROVIDER>_BASE_URL environment variable, then the Settings
override, then the default. The environment wins so that scripts and tests can point Hearth at
another server without touching the user's settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from app.core.chat import ModelInfo
from app.core.errors import ModelNotFound

WireFormat = Literal["openai", "anthropic", "gemini"]
LOCAL = "local"


@dataclass(frozen=True, slots=True)
class DefaultModel:
    """A model shown while the provider's model list cannot be fetched (offline, no key yet)."""

    name: str
    context_length: int | None = None


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    id: str
    display_name: str
    wire: WireFormat
    default_base_url: str
    needs_key: bool
    key_env_var: str | None = None
    is_local_server: bool = False  # a server on this computer: "on this computer", no key
    auto_detect: bool = False  # probe at start-up and list its models when it answers
    default_models: tuple[DefaultModel, ...] = ()
    docs_hint: str = ""  # where the user gets a key / how to start the server
    stream_usage_option: bool = True  # send stream_options.include_usage (OpenAI format)

    @property
    def base_url_env_var(self) -> str:
        return f"HEARTH_{self.id.upper()}_BASE_URL"

    def model_id(self, model: str) -> str:
        return f"{self.id}:{model}"


def _models(*names: str | tuple[str, int]) -> tuple[DefaultModel, ...]:
    return tuple(DefaultModel(*n) if isinstance(n, tuple) else DefaultModel(n) for n in names)


_PROVIDERS = (
    ProviderSpec(
        "openai", "OpenAI", "openai", "https://api.openai.com/v1", True, "OPENAI_API_KEY",
        default_models=_models(("gpt-4o-mini", 128_000), ("gpt-4o", 128_000),
                               ("gpt-4.1-mini", 1_047_576), ("gpt-4.1", 1_047_576),
                               ("o4-mini", 200_000)),
        docs_hint="Create a key at platform.openai.com/api-keys.",
    ),
    ProviderSpec(
        "anthropic", "Anthropic", "anthropic", "https://api.anthropic.com/v1", True,
        "ANTHROPIC_API_KEY",
        default_models=_models(("claude-3-5-haiku-latest", 200_000),
                               ("claude-3-7-sonnet-latest", 200_000),
                               ("claude-sonnet-4-20250514", 200_000),
                               ("claude-opus-4-20250514", 200_000)),
        docs_hint="Create a key at console.anthropic.com/settings/keys.",
    ),
    ProviderSpec(
        "gemini", "Google Gemini", "gemini", "https://generativelanguage.googleapis.com/v1beta",
        True, "GEMINI_API_KEY",
        default_models=_models(("gemini-2.0-flash", 1_048_576), ("gemini-2.5-flash", 1_048_576),
                               ("gemini-2.5-pro", 1_048_576)),
        docs_hint="Create a key at aistudio.google.com/apikey.",
    ),
    ProviderSpec(
        "openrouter", "OpenRouter", "openai", "https://openrouter.ai/api/v1", True,
        "OPENROUTER_API_KEY",
        default_models=_models(("openai/gpt-4o-mini", 128_000),
                               ("anthropic/claude-3.5-sonnet", 200_000),
                               ("google/gemini-2.0-flash-001", 1_048_576),
                               ("meta-llama/llama-3.1-8b-instruct", 131_072)),
        docs_hint="Create a key at openrouter.ai/keys.",
    ),
    ProviderSpec(
        "groq", "Groq", "openai", "https://api.groq.com/openai/v1", True, "GROQ_API_KEY",
        default_models=_models(("llama-3.1-8b-instant", 131_072),
                               ("llama-3.3-70b-versatile", 131_072)),
        docs_hint="Create a key at console.groq.com/keys.",
    ),
    ProviderSpec(
        "together", "Together AI", "openai", "https://api.together.xyz/v1", True,
        "TOGETHER_API_KEY",
        default_models=_models(("meta-llama/Llama-3.3-70B-Instruct-Turbo", 131_072)),
        docs_hint="Create a key at api.together.ai/settings/api-keys.",
    ),
    ProviderSpec(
        "deepseek", "DeepSeek", "openai", "https://api.deepseek.com/v1", True, "DEEPSEEK_API_KEY",
        default_models=_models(("deepseek-chat", 65_536), ("deepseek-reasoner", 65_536)),
        docs_hint="Create a key at platform.deepseek.com/api_keys.",
    ),
    ProviderSpec(
        "mistral", "Mistral AI", "openai", "https://api.mistral.ai/v1", True, "MISTRAL_API_KEY",
        default_models=_models(("mistral-small-latest", 32_000), ("mistral-large-latest", 128_000)),
        docs_hint="Create a key at console.mistral.ai/api-keys.",
        # Mistral rejects unknown request fields and reports usage in its last chunk anyway.
        stream_usage_option=False,
    ),
    ProviderSpec(
        "fireworks", "Fireworks AI", "openai", "https://api.fireworks.ai/inference/v1", True,
        "FIREWORKS_API_KEY",
        default_models=_models(("accounts/fireworks/models/llama-v3p1-8b-instruct", 131_072)),
        docs_hint="Create a key at fireworks.ai/account/api-keys.",
    ),
    ProviderSpec(
        "xai", "xAI", "openai", "https://api.x.ai/v1", True, "XAI_API_KEY",
        default_models=_models(("grok-3-mini", 131_072), ("grok-3", 131_072)),
        docs_hint="Create a key at console.x.ai.",
    ),
    ProviderSpec(
        "ollama", "Ollama", "openai", "http://127.0.0.1:11434/v1", False,
        is_local_server=True, auto_detect=True,
        docs_hint="Install Ollama from ollama.com, then run `ollama pull llama3.2`.",
    ),
    ProviderSpec(
        "lmstudio", "LM Studio", "openai", "http://127.0.0.1:1234/v1", False,
        is_local_server=True, auto_detect=True,
        docs_hint="In LM Studio, open the Developer tab and start the server.",
    ),
    ProviderSpec(
        # vLLM, llama.cpp's llama-server, a box on the LAN: any base URL, the key is optional.
        "custom", "Custom OpenAI-compatible server", "openai", "http://127.0.0.1:8080/v1", False,
        "HEARTH_CUSTOM_API_KEY", is_local_server=True,
        docs_hint="Enter the server's address including the version path, e.g. "
        "http://192.168.1.20:8000/v1.",
    ),
)  # fmt: skip
_BY_ID = {spec.id: spec for spec in _PROVIDERS}


def all_providers() -> tuple[ProviderSpec, ...]:
    return _PROVIDERS


def get_provider(provider_id: str) -> ProviderSpec:
    try:
        return _BY_ID[provider_id]
    except KeyError:
        raise ModelNotFound(
            f"There is no provider called “{provider_id}”.",
            action="Known providers: " + ", ".join(_BY_ID) + ".",
        ) from None


def parse_model_id(model_id: str) -> tuple[str, str]:
    """("openrouter", "anthropic/claude-3.5-sonnet") or ("local", name) for a GGUF name."""
    prefix, sep, rest = model_id.partition(":")
    if not sep or prefix not in _BY_ID:
        return LOCAL, model_id
    if not rest.strip():
        raise ModelNotFound(f"“{model_id}” names a provider but no model.")
    return prefix, rest


def base_url_for(
    spec: ProviderSpec,
    overrides: Mapping[str, str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> str:
    """The base URL (with its version path, no trailing slash) to use for `spec`."""
    env = os.environ if env is None else env
    url = env.get(spec.base_url_env_var) or (overrides or {}).get(spec.id) or spec.default_base_url
    return url.strip().rstrip("/")


def default_model_infos(spec: ProviderSpec) -> list[ModelInfo]:
    """The built-in list, for when the models endpoint cannot be reached."""
    return [
        ModelInfo(
            id=spec.model_id(m.name),
            provider=spec.id,
            display_name=m.name,
            context_length=m.context_length,
        )
        for m in spec.default_models
    ]


def model_info_for(model_id: str) -> ModelInfo:
    """A ModelInfo for "provider:model" without a network call (context length when known)."""
    provider_id, model = parse_model_id(model_id)
    if provider_id == LOCAL:
        raise ModelNotFound(f"“{model_id}” is not a cloud or server model.")
    spec = get_provider(provider_id)
    known = {m.name: m.context_length for m in spec.default_models}
    return ModelInfo(
        id=spec.model_id(model),
        provider=spec.id,
        display_name=model,
        context_length=known.get(model),
    )


# -- backends ---------------------------------------------------------------------------------


def wire_of(model_id: str) -> str:
    """The wire format a model is spoken to in ("openai", "anthropic", "gemini"), "local" for
    a model in this process; an unknown provider is taken as OpenAI-compatible."""
    provider, _name = parse_model_id(model_id)
    if provider == LOCAL:
        return LOCAL
    try:
        return get_provider(provider).wire
    except ModelNotFound:
        return "openai"
