"""OpenAI Chat Completions streaming, as spoken by OpenAI and the compatible presets.

One parser covers OpenAI, OpenRouter, Groq, Together, DeepSeek, Mistral, Fireworks, xAI, Ollama,
LM Studio, vLLM and llama.cpp's server. The differences it absorbs:

- usage arrives in a final chunk with empty `choices` (stream_options.include_usage), in the last
  content chunk (Mistral, Together), under `x_groq.usage` (Groq), or not at all (llama.cpp);
- cached prompt tokens are `prompt_tokens_details.cached_tokens` (or DeepSeek's
  `prompt_cache_hit_tokens`), reasoning tokens `completion_tokens_details.reasoning_tokens`;
- reasoning text streams as `delta.reasoning_content` (DeepSeek, vLLM, llama.cpp) or
  `delta.reasoning` (OpenRouter, Ollama);
- an error after HTTP 200 is a `data: {"error": {...}}` chunk (OpenAI), sometimes with
  `finish_reason: "error"` (OpenRouter); OpenRouter also sends `: OPENROUTER PROCESSING` comments.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx
from httpx_sse import ServerSentEvent

from app.core.chat import ChatRequest, ModelInfo
from app.core.events import StreamEvent
from app.core.events import Usage as UsageEvent
from app.netguard import is_loopback_url
from app.providers.http_stream import HttpBackend, make_client
from app.providers.image_parts import openai_content
from app.providers.stream_parser import StreamParser, int_field, request_options

# OpenAI's reasoning models accept only the default temperature.
_FIXED_TEMPERATURE = re.compile(r"^(o\d|gpt-5)")
# Entries in a models list that are not chat models.
_NOT_CHAT = re.compile(
    r"embed|tts|whisper|dall-e|moderation|davinci|babbage|transcribe|rerank|image|audio|realtime"
    r"|search|computer-use",
    re.IGNORECASE,
)
_NOT_CHAT_TYPES = {"embedding", "embeddings", "image", "audio", "moderation", "rerank"}


def openai_usage(usage: Any) -> UsageEvent | None:
    if not isinstance(usage, dict) or (
        usage.get("prompt_tokens") is None and usage.get("completion_tokens") is None
    ):
        return None
    cached = int_field(usage, "prompt_tokens_details", "cached_tokens") or int_field(
        usage, "prompt_cache_hit_tokens"
    )
    return UsageEvent(
        input_tokens=int_field(usage, "prompt_tokens"),
        output_tokens=int_field(usage, "completion_tokens"),
        cached_tokens=cached,
        reasoning_tokens=int_field(usage, "completion_tokens_details", "reasoning_tokens"),
    )


class OpenAIStreamParser(StreamParser):
    def feed(self, sse: ServerSentEvent) -> list[StreamEvent]:
        data = sse.data.strip()
        if not data:
            return []
        if data == "[DONE]":
            self.terminal_seen = True
            return []
        chunk = self.load(data)
        if not isinstance(chunk, dict):
            raise self.malformed("an event was not a JSON object")
        if chunk.get("error") or sse.event == "error":
            raise self._error(chunk.get("error") or chunk)
        usage = openai_usage(chunk.get("usage")) or openai_usage(
            (chunk.get("x_groq") or {}).get("usage")
        )
        if usage is not None:
            self.usage = usage
        events: list[StreamEvent] = []
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                events += self._choice(choice)
        return events

    def _choice(self, choice: dict) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        delta = choice.get("delta") or {}
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            events.append(self.reasoning(reasoning))
        content = delta.get("content")
        if isinstance(content, str) and content:
            events.append(self.text(content))
        reason = choice.get("finish_reason")
        if reason == "error":
            raise self._error(choice.get("error") or {"message": "finish_reason: error"})
        if reason:
            self.finish(reason)
        return events

    def _error(self, error: Any) -> Exception:
        code = error.get("code") if isinstance(error, dict) else None
        status = code if isinstance(code, int) and 400 <= code < 600 else 500
        return self.stream_error(status, {"error": error})


class OpenAICompatBackend(HttpBackend):
    def auth_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._api_key}"} if self._api_key else {}

    def chat_request(self, request: ChatRequest) -> tuple[str, dict[str, Any], dict[str, str]]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": openai_content(m)} for m in request.messages],
            "stream": True,
        }
        if self.spec.stream_usage_option:
            body["stream_options"] = {"include_usage": True}
        if not (self.spec.id == "openai" and _FIXED_TEMPERATURE.match(self.model)):
            body["temperature"] = request.temperature
        if request.max_tokens:
            # OpenAI renamed the field; compatible servers still expect the old name.
            field = "max_completion_tokens" if self.spec.id == "openai" else "max_tokens"
            body[field] = request.max_tokens
        if request.seed is not None:
            body["seed"] = request.seed
        body.update(request_options(request))
        return f"{self.base_url}/chat/completions", body, {}

    def new_parser(self) -> StreamParser:
        return OpenAIStreamParser(self.provider_name, self._secrets())

    def parse_models(self, body: Any) -> tuple[list[ModelInfo], dict[str, str] | None]:
        # OpenAI: {"object": "list", "data": [...]}; Together: a bare list.
        entries = body.get("data") if isinstance(body, dict) else body
        if not isinstance(entries, list):
            raise self.new_parser().malformed("the model list had no data")
        models = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            if _NOT_CHAT.search(entry["id"]) or entry.get("type") in _NOT_CHAT_TYPES:
                continue
            name = entry.get("name") if isinstance(entry.get("name"), str) else None
            info = self.info(entry["id"], name, _context_length(entry))
            models.append(replace(info, sees_images=_sees_images(entry)))
        return models, None


def _sees_images(entry: dict) -> bool | None:
    """Where the list says so: OpenRouter's `architecture.input_modalities`, Mistral's
    `capabilities.vision`. None elsewhere (the model table decides)."""
    modalities = (entry.get("architecture") or {}).get("input_modalities")
    if isinstance(modalities, list):
        return "image" in modalities
    vision = (entry.get("capabilities") or {}).get("vision")
    return vision if isinstance(vision, bool) else None


def _context_length(entry: dict) -> int | None:
    """Each server names it differently: OpenRouter/Together `context_length`, Groq
    `context_window`, Mistral `max_context_length`, vLLM `max_model_len`, llama.cpp
    `meta.n_ctx_train`."""
    for key in ("context_length", "context_window", "max_context_length", "max_model_len"):
        value = entry.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return int_field(entry, "meta", "n_ctx_train") or None


async def server_answers(base_url: str, *, timeout: float = 0.5) -> bool:
    """True when something answers HTTP at base_url/models (used to detect Ollama, LM Studio).

    Only loopback addresses are probed: detection must never reach out to the network.
    """
    if not is_loopback_url(base_url):
        return False
    try:
        async with make_client(
            base_url, provider="local server", timeout=httpx.Timeout(timeout)
        ) as client:
            response = await client.get(base_url.rstrip("/") + "/models")
            return response.status_code < 500
    except (httpx.HTTPError, OSError):
        return False
