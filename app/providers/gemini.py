"""Google Gemini streaming: POST {base}/models/{model}:streamGenerateContent?alt=sse.

Every event's data is a whole GenerateContentResponse: text in candidates[0].content.parts[].text
(parts with "thought": true are reasoning), candidates[0].finishReason on the last one, and
usageMetadata (cumulative, so the last one wins). There is no end sentinel: the stream simply
ends, so a stream that ends without a finishReason was cut off. The key goes in the
x-goog-api-key header, never in the URL, so it cannot end up in a log line.

Usage is normalised to OpenAI's meaning: input_tokens = promptTokenCount (which includes
cachedContentTokenCount), output_tokens = candidatesTokenCount + thoughtsTokenCount (thinking
is billed as output), reasoning_tokens = thoughtsTokenCount.
"""

from __future__ import annotations

from typing import Any

from httpx_sse import ServerSentEvent

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.events import StreamEvent
from app.core.events import Usage as UsageEvent
from app.core.provider_errors import RequestRejected
from app.providers.http_stream import HttpBackend
from app.providers.image_parts import gemini_parts
from app.providers.stream_parser import StreamParser, int_field, request_options


def gemini_usage(meta: Any) -> UsageEvent | None:
    if not isinstance(meta, dict) or meta.get("promptTokenCount") is None:
        return None
    thoughts = int_field(meta, "thoughtsTokenCount")
    return UsageEvent(
        input_tokens=int_field(meta, "promptTokenCount"),
        output_tokens=int_field(meta, "candidatesTokenCount") + thoughts,
        cached_tokens=int_field(meta, "cachedContentTokenCount"),
        reasoning_tokens=thoughts,
    )


class GeminiStreamParser(StreamParser):
    # Gemini ends a blocked or failed answer with a finishReason and no parts at all.
    empty_is_error = True

    def feed(self, sse: ServerSentEvent) -> list[StreamEvent]:
        if not sse.data.strip():
            return []
        chunk = self.load(sse.data)
        if isinstance(chunk, list) and len(chunk) == 1:  # the JSON-array framing, defensively
            chunk = chunk[0]
        if not isinstance(chunk, dict):
            raise self.malformed("an event was not a JSON object")
        if chunk.get("error"):
            error = chunk["error"]
            code = error.get("code") if isinstance(error, dict) else None
            raise self.stream_error(code if isinstance(code, int) else 500, chunk)
        usage = gemini_usage(chunk.get("usageMetadata"))
        if usage is not None:
            self.usage = usage
        candidates = chunk.get("candidates") or []
        if not candidates:
            self._check_blocked(chunk.get("promptFeedback"))
            return []
        return self._candidate(candidates[0] if isinstance(candidates[0], dict) else {})

    def _candidate(self, candidate: dict) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        for part in (candidate.get("content") or {}).get("parts") or []:
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(text, str) and text:
                events.append(self.reasoning(text) if part.get("thought") else self.text(text))
        reason = candidate.get("finishReason")
        if reason and reason != "FINISH_REASON_UNSPECIFIED":
            self.finish("max_tokens" if reason == "MAX_TOKENS" else reason)
        return events

    def _check_blocked(self, feedback: Any) -> None:
        reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
        if reason:
            raise RequestRejected(
                self.provider,
                message=f"{self.provider} blocked this message "
                f"({str(reason).replace('_', ' ').lower()}).",
            )


def _contents(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Gemini's roles are "user" and "model"; consecutive turns of one role are joined."""
    contents: list[dict[str, Any]] = []
    for m in messages:
        role = "model" if m.role == "assistant" else "user"
        parts = gemini_parts(m)
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    return contents


class GeminiBackend(HttpBackend):
    models_params = {"pageSize": "1000"}

    @property
    def model_name(self) -> str:
        return self.model.removeprefix("models/")

    def auth_headers(self) -> dict[str, str]:
        return {"x-goog-api-key": self._api_key} if self._api_key else {}

    def chat_request(self, request: ChatRequest) -> tuple[str, dict[str, Any], dict[str, str]]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        config: dict[str, Any] = {"temperature": request.temperature}
        if request.max_tokens:
            config["maxOutputTokens"] = request.max_tokens
        if request.seed is not None:
            config["seed"] = request.seed
        body: dict[str, Any] = {
            "contents": _contents([m for m in request.messages if m.role != "system"]),
            "generationConfig": config,
        }
        if system:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        body.update(request_options(request))
        url = f"{self.base_url}/models/{self.model_name}:streamGenerateContent"
        return url, body, {"alt": "sse"}

    def new_parser(self) -> StreamParser:
        return GeminiStreamParser(self.provider_name, self._secrets())

    def parse_models(self, body: Any) -> tuple[list[ModelInfo], dict[str, str] | None]:
        if not isinstance(body, dict):
            raise self.new_parser().malformed("the model list was not an object")
        models = []
        for entry in body.get("models") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                continue
            methods = entry.get("supportedGenerationMethods")
            if isinstance(methods, list) and "generateContent" not in methods:
                continue  # embedding and other non-chat models
            name = entry["name"].removeprefix("models/")
            limit = int_field(entry, "inputTokenLimit") or None
            models.append(self.info(name, entry.get("displayName"), limit))
        token = body.get("nextPageToken")
        return models, ({**self.models_params, "pageToken": token} if token else None)
