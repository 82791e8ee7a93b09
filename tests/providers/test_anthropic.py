"""Anthropic Messages API streaming against a loopback server speaking its documented events."""

from __future__ import annotations

import asyncio

import pytest

from app.core.events import Done, Error, ReasoningDelta, Retrying, Usage
from app.core.provider_errors import InvalidKey, NoCredits, Overloaded, StreamInterrupted
from app.providers.anthropic import API_VERSION, AnthropicBackend
from app.providers.registry import get_provider
from tests.wire_servers import (
    ANTHROPIC_401,
    ANTHROPIC_429,
    ANTHROPIC_529,
    ANTHROPIC_LOW_CREDIT,
    WireServer,
    anthropic_error,
    anthropic_events,
    chat,
    collect,
    encode_sse,
    fast_retry,
    json_reply,
    split_every,
    split_inside_utf8,
    sse_reply,
    text_of,
)

KEY = "sk-ant-api03-test-abcdefghijklmnopqrstuvwxyz0123456789"
PATH = "/v1/messages"


@pytest.fixture
def server():
    with WireServer() as s:
        yield s


def backend(server, key=KEY, **kw):
    kw.setdefault("retry_policy", fast_retry())
    spec = get_provider("anthropic")
    return AnthropicBackend(spec, "claude-3-5-haiku-latest", server.base_url + "/v1", key, **kw)


def test_stream_with_pings_split_utf8_and_crlf(server):
    texts = ["Hallo ", "Wëlt — ", "こんにちは ", "🙂"]
    body = encode_sse(anthropic_events(texts, input_tokens=25, output_tokens=15), newline="\r\n")
    server.script("POST", PATH, sse_reply(split_inside_utf8(body), pause=0.001))

    events = collect(backend(server), chat("Hi", system="Be brief."))

    assert text_of(events) == "".join(texts)
    assert events[-2:] == [Usage(25, 15), Done("stop")]


def test_request_headers_and_body_follow_the_docs(server):
    server.script("POST", PATH, sse_reply([encode_sse(anthropic_events(["ok"]))]))

    collect(backend(server), chat("Hi", "Hello", "Again", system="Be brief.", temperature=1.4))

    sent = server.requests[0]
    assert sent.headers["x-api-key"] == KEY
    assert sent.headers["anthropic-version"] == API_VERSION
    assert "authorization" not in sent.headers
    body = sent.json()
    assert body["system"] == "Be brief." and body["stream"] is True
    assert body["max_tokens"] == 4096 and body["temperature"] == 1.0  # clamped to 0-1
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_thinking_blocks_are_reasoning(server):
    stream = anthropic_events(["Answer"], thinking=["Let me ", "think."])
    server.script("POST", PATH, sse_reply(split_every(encode_sse(stream), 64)))
    events = collect(backend(server))
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Let me ", "think."]
    assert text_of(events) == "Answer"


def test_cached_prompt_tokens_are_counted_in_input(server):
    stream = anthropic_events(["ok"], input_tokens=10, cache_read=90, output_tokens=3)
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    assert Usage(100, 3, cached_tokens=90) in collect(backend(server))


def test_max_tokens_stop_reason_is_length(server):
    stream = anthropic_events(["cut"], stop_reason="max_tokens")
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    assert collect(backend(server))[-1] == Done("length")


def test_401_body_as_anthropic_sends_it(server):
    server.script("POST", PATH, json_reply(401, ANTHROPIC_401))
    (event,) = collect(backend(server))
    assert isinstance(event.error, InvalidKey)
    assert event.error.message == "The key was rejected by Anthropic."
    assert event.error.detail == "invalid x-api-key"


def test_529_overloaded_is_retried_then_streams(server):
    server.script(
        "POST",
        PATH,
        json_reply(529, ANTHROPIC_529),
        json_reply(429, ANTHROPIC_429, {"retry-after": "0"}),
        sse_reply([encode_sse(anthropic_events(["finally"]))]),
    )
    events = collect(backend(server))
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [r.attempt for r in retries] == [1, 2]
    assert "overloaded" in retries[0].reason and retries[1].delay == 0
    assert text_of(events) == "finally"


def test_persistent_overload_ends_in_overloaded(server):
    server.script("POST", PATH, json_reply(529, ANTHROPIC_529))
    events = collect(backend(server, retry_policy=fast_retry(max_attempts=2)))
    assert isinstance(events[-1].error, Overloaded)
    assert events[-1].error.message == "Anthropic is overloaded right now."


def test_low_credit_balance_is_no_credits(server):
    server.script("POST", PATH, json_reply(400, ANTHROPIC_LOW_CREDIT))
    assert isinstance(collect(backend(server))[-1].error, NoCredits)


def test_error_event_after_200_keeps_the_partial_reply(server):
    stream = anthropic_events(["Part ", "of it"], stop=False)[:-1]  # cut before message_delta
    stream.append(("error", anthropic_error("overloaded_error", "Overloaded")))
    server.script("POST", PATH, sse_reply(split_every(encode_sse(stream), 80)))

    events = collect(backend(server))

    assert text_of(events) == "Part of it"
    error = events[-1].error
    assert isinstance(error, StreamInterrupted) and "overloaded" in error.message
    assert isinstance(events[-2], Usage)


def test_error_event_before_any_text_is_the_plain_error(server):
    stream = anthropic_events([], stop=False)[:2] + [("error", ANTHROPIC_529)]
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    events = collect(backend(server))
    assert [type(e) for e in events] == [Usage, Error]  # input usage from message_start
    assert isinstance(events[-1].error, Overloaded)


def test_stream_ending_without_message_stop_is_interrupted(server):
    stream = anthropic_events(["Half"], stop=False)[:-1]
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    events = collect(backend(server))
    assert text_of(events) == "Half" and isinstance(events[-1].error, StreamInterrupted)


def test_unknown_event_types_are_ignored(server):
    stream = anthropic_events(["fine"])
    stream.insert(3, ("future_event", {"type": "future_event", "whatever": 1}))
    server.script("POST", PATH, sse_reply([encode_sse(stream)]))
    assert collect(backend(server))[-1] == Done("stop")


def test_list_models_follows_pages(server):
    page1 = {
        "data": [
            {
                "type": "model",
                "id": "claude-sonnet-4-20250514",
                "display_name": "Claude Sonnet 4",
                "created_at": "2025-05-22T00:00:00Z",
            }
        ],
        "has_more": True,
        "first_id": "claude-sonnet-4-20250514",
        "last_id": "claude-sonnet-4-20250514",
    }
    page2 = {
        "data": [
            {
                "type": "model",
                "id": "claude-3-5-haiku-20241022",
                "display_name": "Claude Haiku 3.5",
                "created_at": "2024-10-22T00:00:00Z",
                "max_input_tokens": 200000,
            }
        ],
        "has_more": False,
        "first_id": "claude-3-5-haiku-20241022",
        "last_id": "claude-3-5-haiku-20241022",
    }
    server.script("GET", "/v1/models", json_reply(200, page1), json_reply(200, page2))

    models = asyncio.run(backend(server).list_models())

    assert [(m.id, m.display_name) for m in models] == [
        ("anthropic:claude-3-5-haiku-20241022", "Claude Haiku 3.5"),
        ("anthropic:claude-sonnet-4-20250514", "Claude Sonnet 4"),
    ]
    assert models[0].context_length == 200000
    assert server.requests[1].query["after_id"] == ["claude-sonnet-4-20250514"]
    assert server.requests[0].headers["anthropic-version"] == API_VERSION
