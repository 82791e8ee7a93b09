"""OpenAI Chat Completions streaming (and the compatible presets) against a loopback server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from app.core.errors import ModelNotFound, PromptTooLong
from app.core.events import Done, Error, ReasoningDelta, RequestSent, Retrying, TextDelta, Usage
from app.core.provider_errors import (
    InvalidKey,
    LocalServerNotRunning,
    MalformedResponse,
    ModelUnavailable,
    NoCredits,
    NoKey,
    Offline,
    ProviderUnavailable,
    RateLimited,
    StreamInterrupted,
)
from app.netguard import socket_guard
from app.providers.backends import backend_for_model_id
from app.providers.http_errors import error_for_transport, parse_retry_after
from app.providers.http_retry import RetryPolicy, backoff_delay
from app.providers.openai_compat import OpenAICompatBackend
from app.providers.registry import (
    all_providers,
    base_url_for,
    get_provider,
    model_info_for,
    parse_model_id,
)
from tests.wire_servers import (
    OPENAI_401,
    OPENAI_429,
    OPENAI_500,
    OPENAI_MIDSTREAM_ERROR,
    OPENAI_QUOTA,
    OPENROUTER_402,
    WireServer,
    chat,
    collect,
    encode_sse,
    fast_retry,
    json_reply,
    openai_events,
    openai_usage,
    split_every,
    split_inside_utf8,
    sse_reply,
    text_of,
)

KEY = "sk-test-abcdefghijklmnopqrstuvwxyz0123456789"
PATH = "/v1/chat/completions"


@pytest.fixture
def server():
    with WireServer() as s:
        yield s


def backend(server, provider="openai", model="gpt-4o-mini", key=KEY, **kw):
    kw.setdefault("retry_policy", fast_retry())
    return OpenAICompatBackend(get_provider(provider), model, server.base_url + "/v1", key, **kw)


def kinds(events):
    return [type(e).__name__ for e in events]


# -- the happy path, with every awkward part of the wire ---------------------------------------


def test_stream_split_utf8_crlf_keepalive_and_usage_only_chunk(server):
    texts = ["Grüße ", "aus ", "Köln — ", "日本語 ", "🙂 done"]
    body = encode_sse(
        openai_events(texts, usage=openai_usage(21, 9, cached=5, reasoning=2)),
        newline="\r\n",
        keepalive=True,
    )
    server.script("POST", PATH, sse_reply(split_inside_utf8(body), pause=0.001))

    events = collect(backend(server), chat("Hi", system="Be brief."))

    assert text_of(events) == "".join(texts)
    assert events[-2:] == [Usage(21, 9, cached_tokens=5, reasoning_tokens=2), Done("stop")]
    assert all(isinstance(e, TextDelta) for e in events[:-2])


def test_request_is_what_openai_documents(server):
    server.script("POST", PATH, sse_reply([encode_sse(openai_events(["ok"]))]))

    collect(backend(server), chat("Hi", "Hello!", "How are you?", system="Be brief.", seed=7))

    sent = server.requests[0]
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["accept"] == "text/event-stream"
    body = sent.json()
    assert body["model"] == "gpt-4o-mini"
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["seed"] == 7 and body["temperature"] == 0.7
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]


def test_reasoning_models_get_no_temperature_and_new_max_tokens_field(server):
    server.script("POST", PATH, sse_reply([encode_sse(openai_events(["ok"]))]))
    collect(backend(server, model="o4-mini"), chat("Hi", max_tokens=50))
    body = server.requests[0].json()
    assert "temperature" not in body and body["max_completion_tokens"] == 50


def test_mistral_is_not_sent_stream_options_but_its_usage_is_read(server):
    # Mistral puts usage on the last content chunk rather than a separate usage-only chunk.
    events = openai_events(["Bonjour"], finish="stop")
    events[-2][1]["usage"] = {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6}
    server.script("POST", PATH, sse_reply([encode_sse(events)]))

    result = collect(backend(server, provider="mistral", model="mistral-small-latest"))

    assert "stream_options" not in server.requests[0].json()
    assert Usage(4, 2) in result


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_deltas_from_deepseek_and_openrouter(server, field):
    stream = openai_events(["42"], reasoning=["Think", "ing…"], reasoning_field=field)
    server.script("POST", PATH, sse_reply(split_every(encode_sse(stream), 19)))

    events = collect(backend(server, provider="deepseek", model="deepseek-reasoner"))

    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Think", "ing…"]
    assert text_of(events) == "42"


def test_no_usage_reported_is_counted_locally(server):
    server.script("POST", PATH, sse_reply([encode_sse(openai_events(["abcdefgh"]))]))
    events = collect(backend(server, provider="ollama", key=None), chat("x" * 40))
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage == Usage(10, 2, counted_locally=True)


def test_length_finish_and_openrouter_processing_comments(server):
    body = b": OPENROUTER PROCESSING\n\n" + encode_sse(openai_events(["cut"], finish="length"))
    server.script("POST", PATH, sse_reply([body]))
    events = collect(backend(server, provider="openrouter", model="openai/gpt-4o-mini"))
    assert events[-1] == Done("length")


def test_stream_without_done_after_finish_reason_still_completes(server):
    server.script("POST", PATH, sse_reply([encode_sse(openai_events(["ok"], done=False))]))
    assert collect(backend(server))[-1] == Done("stop")


# -- errors before the reply ----------------------------------------------------------------


def test_401_is_the_key_was_rejected_without_the_key(server):
    server.script("POST", PATH, json_reply(401, OPENAI_401))
    events = collect(backend(server))
    assert kinds(events) == ["Error"]
    error = events[0].error
    assert isinstance(error, InvalidKey)
    assert error.message == "The key was rejected by OpenAI."
    assert "Settings" in error.action
    assert "sk-test" not in (error.detail or "") and KEY not in error.plain()
    assert len(server.requests) == 1  # never retried


def test_429_honours_retry_after_ms_then_succeeds(server):
    server.script(
        "POST",
        PATH,
        json_reply(429, OPENAI_429, {"retry-after-ms": "30", "retry-after": "1"}),
        sse_reply([encode_sse(openai_events(["after the wait"]))]),
    )
    events = collect(backend(server))
    assert events[0] == Retrying(attempt=1, delay=0.03, reason=events[0].reason)
    assert "limiting" in events[0].reason
    assert text_of(events) == "after the wait" and events[-1] == Done("stop")


def test_500s_are_retried_with_backoff_then_reported(server):
    server.script("POST", PATH, json_reply(500, OPENAI_500))
    events = collect(backend(server, retry_policy=fast_retry(max_attempts=3)))
    assert kinds(events) == ["Retrying", "Retrying", "Error"]
    assert isinstance(events[-1].error, ProviderUnavailable)
    assert len(server.requests) == 3


def test_quota_429_is_no_credits_and_not_retried(server):
    server.script("POST", PATH, json_reply(429, OPENAI_QUOTA))
    events = collect(backend(server))
    assert kinds(events) == ["Error"] and isinstance(events[0].error, NoCredits)


def test_402_from_openrouter_is_explained(server):
    server.script("POST", PATH, json_reply(402, OPENROUTER_402))
    events = collect(backend(server, provider="openrouter", model="openai/gpt-4o-mini"))
    error = events[-1].error
    assert isinstance(error, NoCredits) and "credits" in error.message


def test_retry_after_too_long_is_reported_not_waited(server):
    server.script("POST", PATH, json_reply(429, OPENAI_429, {"retry-after": "3600"}))
    events = collect(backend(server))
    assert kinds(events) == ["Error"]
    assert isinstance(events[0].error, RateLimited) and events[0].error.retry_after == 3600


def test_context_too_long_is_prompt_too_long(server):
    body = {
        "error": {
            "message": "This model's maximum context length is 128000 tokens.",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        }
    }
    server.script("POST", PATH, json_reply(400, body))
    assert isinstance(collect(backend(server))[-1].error, PromptTooLong)


def test_missing_key_is_no_key_before_any_request(server):
    events = collect(backend(server, key=None))
    assert isinstance(events[-1].error, NoKey) and server.requests == []


def test_nothing_listening_on_loopback_is_local_server_not_running():
    spec = get_provider("ollama")
    with WireServer() as s:
        url = s.base_url + "/v1"  # a port that is free once the server stops
    events = collect(OpenAICompatBackend(spec, "llama3.2", url, None))
    error = events[-1].error
    assert isinstance(error, LocalServerNotRunning) and "Ollama" in error.message


def test_cloud_provider_that_cannot_connect_reads_offline():
    with WireServer() as s:
        url = s.base_url + "/v1"  # nothing listens here any more
    events = collect(OpenAICompatBackend(get_provider("openai"), "gpt-4o-mini", url, KEY))
    assert isinstance(events[-1].error, Offline)


def test_lan_server_not_answering_names_the_address():
    error = error_for_transport(
        httpx.ConnectError("[Errno 111] Connection refused"),
        provider="Custom OpenAI-compatible server",
        base_url="http://192.168.1.20:8000/v1",
        local_server=True,
    )
    assert isinstance(error, LocalServerNotRunning) and "192.168.1.20" in error.message


def test_base_url_without_scheme_is_explained():
    spec = get_provider("ollama")
    with socket_guard() as attempts:
        error = collect(OpenAICompatBackend(spec, "llama3.2", "localhost:11434/v1", None))[-1].error
    assert "not a valid" in error.message and "Settings" in error.action
    assert attempts == []


def test_unknown_model_on_ollama_is_model_unavailable(server):
    body = {
        "error": {
            "message": 'model "nope" not found, try pulling it first',
            "type": "api_error",
            "param": None,
            "code": None,
        }
    }
    server.script("POST", PATH, json_reply(404, body))
    error = collect(backend(server, provider="ollama", model="nope", key=None))[-1].error
    assert isinstance(error, ModelUnavailable) and "pulling" in error.detail


def test_connect_failure_to_the_internet_reads_offline():
    error = error_for_transport(
        httpx.ConnectError("[Errno -3] Temporary failure in name resolution"),
        provider="OpenAI",
        base_url="https://api.openai.com/v1",
    )
    assert isinstance(error, Offline)
    assert error.message == "You appear to be offline."
    assert error.action == "Use a model on this computer."


# -- errors after HTTP 200 -------------------------------------------------------------------


def test_error_event_after_200_keeps_partial_reply(server):
    events = openai_events(["Half ", "a reply"], done=False)[:3]
    body = encode_sse([*events, (None, OPENAI_MIDSTREAM_ERROR)])
    server.script("POST", PATH, sse_reply(split_every(body, 50)))

    result = collect(backend(server))

    assert text_of(result) == "Half a reply"
    assert isinstance(result[-1], Error) and isinstance(result[-1].error, StreamInterrupted)
    assert "kept" in result[-1].error.message
    assert isinstance(result[-2], Usage)  # what was used so far is still recorded


def test_malformed_json_is_an_error_not_a_crash(server):
    server.script("POST", PATH, sse_reply([b'data: {"choices": [{"delta": {"content": "x"\n\n']))
    result = collect(backend(server))
    assert kinds(result) == ["Error"] and isinstance(result[0].error, MalformedResponse)


def test_dropped_connection_mid_stream_is_interrupted(server):
    chunks = split_every(encode_sse(openai_events(["one ", "two ", "three"])), 120)
    server.script("POST", PATH, sse_reply(chunks, drop_after=len(chunks) - 2))
    result = collect(backend(server))
    assert text_of(result)
    assert isinstance(result[-1].error, StreamInterrupted)


def test_json_instead_of_a_stream_is_understood(server):
    server.script("POST", PATH, json_reply(200, {"error": "model 'nope' not found"}))
    result = collect(backend(server, provider="ollama", key=None))
    assert isinstance(result[-1], Error) and "not found" in (result[-1].error.detail or "")


# -- stop / cancellation ------------------------------------------------------------------


def test_cancelling_the_consumer_closes_the_response(server):
    chunks = [encode_sse([(None, {"choices": [{"index": 0, "delta": {"content": "tick "}}]})])]
    server.script("POST", PATH, sse_reply(chunks * 200, pause=0.02))

    async def consume_then_stop():
        got = []

        async def consume():
            async for event in backend(server).stream_chat(chat("Hi")):
                got.append(event)

        task = asyncio.create_task(consume())
        while len(got) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return got

    got = asyncio.run(consume_then_stop())
    assert len(got) >= 3
    assert server.wait_for_hangup(), "the HTTP response was not closed on cancel"


def test_aclose_after_first_delta_closes_the_response(server):
    chunks = [encode_sse([(None, {"choices": [{"index": 0, "delta": {"content": "x"}}]})])]
    server.script("POST", PATH, sse_reply(chunks, hold_open=True))

    async def first_then_close():
        stream = backend(server).stream_chat(chat("Hi"))
        sent = await anext(stream)
        first = await anext(stream)
        await stream.aclose()
        return sent, first

    assert asyncio.run(first_then_close()) == (RequestSent(), TextDelta("x"))
    assert server.wait_for_hangup()


# -- model lists ---------------------------------------------------------------------------


def test_list_models_openai_shape(server):
    data = {
        "object": "list",
        "data": [
            {"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "system"},
            {"id": "text-embedding-3-small", "object": "model", "created": 1, "owned_by": "system"},
            {"id": "o4-mini", "object": "model", "created": 1, "owned_by": "system"},
        ],
    }
    server.script("GET", "/v1/models", json_reply(200, data))

    models = asyncio.run(backend(server).list_models())

    assert [m.id for m in models] == ["openai:gpt-4o-mini", "openai:o4-mini"]
    assert models[0].provider == "openai" and models[0].where == "sent to openai"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_list_models_openrouter_and_together_shapes(server):
    openrouter = {
        "data": [
            {
                "id": "anthropic/claude-3.5-sonnet",
                "name": "Claude 3.5 Sonnet",
                "context_length": 200000,
            }
        ]
    }
    server.script("GET", "/v1/models", json_reply(200, openrouter))
    (model,) = asyncio.run(backend(server, provider="openrouter").list_models())
    assert model.id == "openrouter:anthropic/claude-3.5-sonnet"
    assert model.display_name == "Claude 3.5 Sonnet" and model.context_length == 200000

    together = [
        {"id": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "type": "chat", "context_length": 131072},
        {"id": "BAAI/bge-base", "type": "embedding"},
    ]
    with WireServer() as s2:
        s2.script("GET", "/v1/models", json_reply(200, together))
        models = asyncio.run(backend(s2, provider="together").list_models())
    assert [m.id for m in models] == ["together:meta-llama/Llama-3.3-70B-Instruct-Turbo"]


def test_list_models_401_raises_invalid_key(server):
    server.script("GET", "/v1/models", json_reply(401, OPENAI_401))
    with pytest.raises(InvalidKey):
        asyncio.run(backend(server).list_models())


# -- retry-after parsing and backoff -------------------------------------------------------


def test_parse_retry_after_forms():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after({"Retry-After-Ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "7"}) == 7
    assert parse_retry_after({"retry-after": "Thu, 01 Jan 2026 12:00:30 GMT"}, now=now) == 30
    assert parse_retry_after({"retry-after": "Thu, 01 Jan 2026 11:00:00 GMT"}, now=now) == 0
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_is_exponential_with_jitter_and_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    assert [backoff_delay(n, policy, rand=lambda: 1.0) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 8]
    assert backoff_delay(3, policy, rand=lambda: 0.0) == 2  # never less than half


# -- the registry ------------------------------------------------------------------------------


def test_parse_model_id_splits_on_the_first_colon():
    assert parse_model_id("openai:gpt-4o-mini") == ("openai", "gpt-4o-mini")
    assert parse_model_id("openrouter:anthropic/claude-3.5-sonnet") == (
        "openrouter",
        "anthropic/claude-3.5-sonnet",
    )
    assert parse_model_id("ollama:llama3.2:latest") == ("ollama", "llama3.2:latest")
    assert parse_model_id("tiny-chat") == ("local", "tiny-chat")
    assert parse_model_id("C:\\models\\x.gguf") == ("local", "C:\\models\\x.gguf")
    with pytest.raises(ModelNotFound):
        parse_model_id("openai:")


def test_base_urls_defaults_settings_and_environment():
    spec = get_provider("ollama")
    assert base_url_for(spec, env={}) == "http://127.0.0.1:11434/v1"
    assert base_url_for(spec, {"ollama": "http://127.0.0.1:9999/v1/"}, env={}) == (
        "http://127.0.0.1:9999/v1"
    )
    env = {"HEARTH_OLLAMA_BASE_URL": "http://localhost:1/v1"}
    assert base_url_for(spec, {"ollama": "http://127.0.0.1:9999/v1"}, env=env) == (
        "http://localhost:1/v1"
    )
    assert get_provider("anthropic").base_url_env_var == "HEARTH_ANTHROPIC_BASE_URL"
    assert base_url_for(get_provider("gemini"), env={}) == (
        "https://generativelanguage.googleapis.com/v1beta"
    )
    assert get_provider("lmstudio").base_url_env_var == "HEARTH_LMSTUDIO_BASE_URL"


def test_every_provider_is_declared_completely():
    ids = {p.id for p in all_providers()}
    assert {
        "openai",
        "anthropic",
        "gemini",
        "openrouter",
        "groq",
        "together",
        "deepseek",
        "mistral",
        "fireworks",
        "xai",
        "ollama",
        "lmstudio",
        "custom",
    } <= ids
    for spec in all_providers():
        assert spec.default_base_url.startswith(("https://", "http://127.0.0.1"))
        assert spec.needs_key == (not spec.is_local_server)
        if spec.needs_key:
            assert spec.key_env_var and spec.default_models and spec.docs_hint


def test_backend_for_model_id_uses_env_key_and_base_url(server, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_from_environment")
    monkeypatch.setenv("HEARTH_GROQ_BASE_URL", server.base_url + "/openai/v1")
    server.script(
        "POST", "/openai/v1/chat/completions", sse_reply([encode_sse(openai_events(["hi"]))])
    )
    events = collect(backend_for_model_id("groq:llama-3.1-8b-instant"))
    assert text_of(events) == "hi"
    assert server.requests[0].headers["authorization"] == "Bearer gsk_from_environment"


def test_model_info_for_a_cloud_id_needs_no_network():
    info = model_info_for("openai:gpt-4o-mini")
    assert (info.id, info.provider, info.context_length) == ("openai:gpt-4o-mini", "openai", 128000)
    assert model_info_for("openrouter:some/new-model").context_length is None
    with pytest.raises(ModelNotFound):
        model_info_for("tiny-chat")


def test_backend_for_model_id_without_key_raises_no_key(monkeypatch):
    monkeypatch.delenv("XAI_API_KEY", raising=False)
    monkeypatch.setattr("app.secrets._keychain_get", lambda provider_id: None)
    with pytest.raises(NoKey):
        backend_for_model_id("xai:grok-3-mini")
