"""Anthropic Messages API streaming (POST /v1/messages, "stream": true).

Event flow, as documented: `message_start` (a Message with empty content and the input usage),
per content block `content_block_start` / `content_block_delta`* / `content_block_stop`, one or
more `message_delta` (stop_reason and cumulative output usage), then `message_stop`. `ping`
events may come at any time; an `error` event may arrive after HTTP 200 (e.g. overloaded_error);
unknown event types are ignored, as Anthropic's versioning policy asks.

Usage is normalised to OpenAI's meaning so costs add up the same way everywhere: input_tokens is
the whole prompt (input_tokens + cache_creation_input_tokens + cache_read_input_tokens) and
cached_tokens the part read from the cache.
"""

from __future__ import annotations

from typing import Any

from httpx_sse import ServerSentEvent

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.events import StreamEvent
from app.core.events import Usage as UsageEvent
from app.providers.http_stream import HttpBackend
from app.providers.image_parts import anthropic_blocks
from app.providers.stream_parser import StreamParser, int_field, request_options

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096  # required by the API; generous for chat, within every model's limit

# The HTTP status each documented error type corresponds to, for error events after HTTP 200.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


class AnthropicStreamParser(StreamParser):
    def __init__(self, provider: str, secrets=()) -> None:
        super().__init__(provider, secrets)
        self._counts = {"input": 0, "cache_write": 0, "cache_read": 0, "output": 0}
        self._saw_usage = False

    def feed(self, sse: ServerSentEvent) -> list[StreamEvent]:
        if not sse.data.strip():
            return []
        event = self.load(sse.data)
        if not isinstance(event, dict):
            raise self.malformed("an event was not a JSON object")
        kind = event.get("type") or sse.event
        if kind == "error":
            error = event.get("error") or {}
            status = _ERROR_STATUS.get(error.get("type", "") if isinstance(error, dict) else "")
            raise self.stream_error(status or 500, event)
        if kind == "message_start":
            self._add_usage((event.get("message") or {}).get("usage"))
        elif kind == "content_block_start":
            return self._block_start(event.get("content_block") or {})
        elif kind == "content_block_delta":
            return self._delta(event.get("delta") or {})
        elif kind == "message_delta":
            self._add_usage(event.get("usage"))
            reason = (event.get("delta") or {}).get("stop_reason")
            if reason:
                self.finish(reason)
        elif kind == "message_stop":
            self.terminal_seen = True
            if self.finish_reason is None:
                self.finish("end_turn")
        return []  # ping, content_block_stop and event types added after this was written

    def _block_start(self, block: dict) -> list[StreamEvent]:
        if block.get("type") == "text" and block.get("text"):
            return [self.text(block["text"])]
        if block.get("type") == "thinking" and block.get("thinking"):
            return [self.reasoning(block["thinking"])]
        return []

    def _delta(self, delta: dict) -> list[StreamEvent]:
        kind = delta.get("type")
        if kind == "text_delta" and isinstance(delta.get("text"), str) and delta["text"]:
            return [self.text(delta["text"])]
        if kind == "thinking_delta" and isinstance(delta.get("thinking"), str):
            return [self.reasoning(delta["thinking"])] if delta["thinking"] else []
        return []  # signature_delta, input_json_delta, citations_delta

    def _add_usage(self, usage: Any) -> None:
        """message_start has the prompt; message_delta the cumulative output (and, in newer
        API versions, the prompt counts again). Later values replace earlier ones."""
        if not isinstance(usage, dict):
            return
        fields = {
            "input": "input_tokens",
            "cache_write": "cache_creation_input_tokens",
            "cache_read": "cache_read_input_tokens",
            "output": "output_tokens",
        }
        for name, key in fields.items():
            if usage.get(key) is not None:
                self._counts[name] = int_field(usage, key)
                self._saw_usage = True
        if self._saw_usage:
            c = self._counts
            self.usage = UsageEvent(
                input_tokens=c["input"] + c["cache_write"] + c["cache_read"],
                output_tokens=c["output"],
                cached_tokens=c["cache_read"],
            )


def _alternating(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """The API wants user/assistant turns; consecutive turns of one role are joined. A turn
    with images is a list of content blocks (images, then its text); others stay plain text."""
    turns: list[dict[str, Any]] = []
    for m in messages:
        content: str | list[dict[str, Any]] = anthropic_blocks(m) if m.images else m.content
        if turns and turns[-1]["role"] == m.role:
            turns[-1]["content"] = _joined(turns[-1]["content"], content)
        else:
            turns.append({"role": m.role, "content": content})
    return turns


def _joined(first: str | list, second: str | list) -> str | list:
    if isinstance(first, str) and isinstance(second, str):
        return first + "\n\n" + second
    as_blocks = [
        [{"type": "text", "text": part}] if isinstance(part, str) else part
        for part in (first, second)
    ]
    return as_blocks[0] + as_blocks[1]


class AnthropicBackend(HttpBackend):
    models_params = {"limit": "1000"}

    def auth_headers(self) -> dict[str, str]:
        headers = {"anthropic-version": API_VERSION}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    def chat_request(self, request: ChatRequest) -> tuple[str, dict[str, Any], dict[str, str]]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens or DEFAULT_MAX_TOKENS,
            "messages": _alternating([m for m in request.messages if m.role != "system"]),
            "stream": True,
            # Anthropic's scale is 0-1 where OpenAI's is 0-2.
            "temperature": min(max(request.temperature, 0.0), 1.0),
        }
        if system:
            body["system"] = system
        body.update(request_options(request))
        return f"{self.base_url}/messages", body, {}

    def new_parser(self) -> StreamParser:
        return AnthropicStreamParser(self.provider_name, self._secrets())

    def parse_models(self, body: Any) -> tuple[list[ModelInfo], dict[str, str] | None]:
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise self.new_parser().malformed("the model list had no data")
        models = [
            self.info(m["id"], m.get("display_name"), int_field(m, "max_input_tokens") or None)
            for m in body["data"]
            if isinstance(m, dict) and isinstance(m.get("id"), str)
        ]
        more = body.get("has_more") and body.get("last_id")
        return models, ({**self.models_params, "after_id": body["last_id"]} if more else None)
