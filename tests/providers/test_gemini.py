"""Google Gemini streamGenerateContent (alt=sse) against a loopback server."""

from __future__ import annotations

import asyncio

import pytest

from app.core.events import Done, Notice, ReasoningDelta, Retrying, Usage
from app.core.provider_errors import (
    InvalidKey,
    ProviderUnavailable,
    RequestRejected,
    StreamInterrupted,
)
from app.providers.gemini import GeminiBackend
from app.providers.registry import get_provider
from tests.wire_servers import (
    GEMINI_400_BAD_KEY,
    GEMINI_500,
    WireServer,
    chat,
    collect,
    encode_sse,
    fast_retry,
    gemini_429,
    gemini_events,
    json_reply,
    split_inside_utf8,
    sse_reply,
    text_of,
)

KEY = "AIzaSyTest-abcdefghijklmnopqrstuvwxyz012"
PATH = "/v1beta/models/gemini-2.0-flash:streamGenerateContent"


@pytest.fixture
def server():
    with WireServer() as s:
        yield s


def backend(server, model="gemini-2.0-flash", key=KEY, **kw):
    kw.setdefault("retry_policy", fast_retry())
    return GeminiBackend(get_provider("gemini"), model, server.base_url + "/v1beta", key, **kw)


def test_stream_split_utf8_with_crlf(server):
    texts = ["Ciao ", "già ", "μέσα — ", "中文 ", "🙂"]
    body = encode_sse(gemini_events(texts, prompt_tokens=12, output_tokens=9), newline="\r\n")
    server.script("POST", PATH, sse_reply(split_inside_utf8(body), pause=0.001))

    events = collect(backend(server))

    assert text_of(events) == "".join(texts)
    assert events[-2:] == [Usage(12, 9), Done("stop")]


def test_request_matches_the_documented_shape(server):
    server.script("POST", PATH, sse_reply([encode_sse(gemini_events(["ok"]))]))

    request = chat("Hi", "Hello!", "And now?", system="Be brief.", max_tokens=64, seed=3)
    collect(backend(server, model="models/gemini-2.0-flash"), request)

    sent = server.requests[0]
    assert sent.path == PATH and sent.query == {"alt": ["sse"]}
    assert sent.headers["x-goog-api-key"] == KEY and KEY not in sent.path
    body = sent.json()
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello!"}]},
        {"role": "user", "parts": [{"text": "And now?"}]},
    ]
    assert body["generationConfig"] == {"temperature": 0.7, "maxOutputTokens": 64, "seed": 3}


def test_thoughts_are_reasoning_and_usage_counts_them_as_output(server):
    stream = gemini_events(["42"], thoughts=["Hmm…"], thoughts_tokens=30, cached_tokens=4)
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    events = collect(backend(server))
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Hmm…"]
    assert Usage(12, 39, cached_tokens=4, reasoning_tokens=30) in events


def test_max_tokens_and_safety_finish_reasons(server):
    server.script(
        "POST",
        PATH,
        sse_reply([encode_sse(gemini_events(["cut"], finish="MAX_TOKENS"))]),
        sse_reply([encode_sse(gemini_events(["no"], finish="SAFETY"))]),
    )
    assert collect(backend(server))[-1] == Done("length")
    events = collect(backend(server))
    assert isinstance(events[-2], Notice) and "safety" in events[-2].text
    assert events[-1] == Done("stop")


def test_400_api_key_invalid_is_the_key_was_rejected(server):
    server.script("POST", PATH, json_reply(400, GEMINI_400_BAD_KEY))
    (event,) = collect(backend(server))
    assert isinstance(event.error, InvalidKey)
    assert event.error.message == "The key was rejected by Google Gemini."


def test_429_retry_info_delay_is_honoured(server):
    server.script(
        "POST",
        PATH,
        json_reply(429, gemini_429("0.02s")),
        sse_reply([encode_sse(gemini_events(["later"]))]),
    )
    events = collect(backend(server))
    assert events[0] == Retrying(attempt=1, delay=0.02, reason=events[0].reason)
    assert text_of(events) == "later"


def test_500_exhausts_retries(server):
    server.script("POST", PATH, json_reply(500, GEMINI_500))
    events = collect(backend(server, retry_policy=fast_retry(max_attempts=2)))
    assert isinstance(events[-1].error, ProviderUnavailable) and len(server.requests) == 2


def test_error_after_200_keeps_partial_reply(server):
    stream = gemini_events(["Some ", "words"], finish=None)
    stream.append(
        (
            None,
            {
                "error": {
                    "code": 503,
                    "message": "The model is overloaded.",
                    "status": "UNAVAILABLE",
                }
            },
        )
    )
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    events = collect(backend(server))
    assert text_of(events) == "Some words"
    assert isinstance(events[-1].error, StreamInterrupted)


def test_stream_ending_without_finish_reason_is_interrupted(server):
    server.script("POST", PATH, sse_reply([encode_sse(gemini_events(["Half"], finish=None))]))
    events = collect(backend(server))
    assert text_of(events) == "Half" and isinstance(events[-1].error, StreamInterrupted)


def test_blocked_prompt_is_explained(server):
    blocked = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 8, "totalTokenCount": 8},
    }
    server.script("POST", PATH, sse_reply([encode_sse([(None, blocked)])]))
    error = collect(backend(server))[-1].error
    assert isinstance(error, RequestRejected) and "blocked" in error.message


def test_list_models_filters_and_pages(server):
    page1 = {
        "models": [
            {
                "name": "models/gemini-2.0-flash",
                "displayName": "Gemini 2.0 Flash",
                "inputTokenLimit": 1048576,
                "outputTokenLimit": 8192,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
            },
            {
                "name": "models/text-embedding-004",
                "displayName": "Text Embedding 004",
                "supportedGenerationMethods": ["embedContent"],
            },
        ],
        "nextPageToken": "page-2",
    }
    page2 = {
        "models": [
            {
                "name": "models/gemini-2.5-pro",
                "displayName": "Gemini 2.5 Pro",
                "inputTokenLimit": 1048576,
                "supportedGenerationMethods": ["generateContent"],
            }
        ]
    }
    server.script("GET", "/v1beta/models", json_reply(200, page1), json_reply(200, page2))

    models = asyncio.run(backend(server).list_models())

    assert [m.id for m in models] == ["gemini:gemini-2.0-flash", "gemini:gemini-2.5-pro"]
    assert models[0].context_length == 1048576 and models[0].display_name == "Gemini 2.0 Flash"
    assert server.requests[1].query["pageToken"] == ["page-2"]
    assert server.requests[0].headers["x-goog-api-key"] == KEY
