"""A real tiny GGUF through real llama.cpp, served: the SDKs, raw HTTP for bad bodies, a client
that leaves mid-stream, 20 clients at once, and the network address's token."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import anthropic
import httpx
import openai
import pytest


def test_openai_and_anthropic_sdks_on_a_local_model(services, serve, local):
    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        listed = await client.models.list()
        whole = await client.chat.completions.create(
            model=local.id, messages=[{"role": "user", "content": "Hello"}], max_tokens=8, seed=1
        )
        stream = await client.chat.completions.create(
            model=local.id,
            messages=[{"role": "user", "content": "Hello"}],
            max_completion_tokens=8,
            seed=1,
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [c async for c in stream]
        text = await client.completions.create(model=local.id, prompt="Once upon", max_tokens=6)
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused")
        message = await claude.messages.create(
            model=local.id, max_tokens=8, messages=[{"role": "user", "content": "Hello"}]
        )
        return listed, whole, chunks, text, message

    listed, whole, chunks, text, message = serve(scenario)
    assert [m.id for m in listed.data] == [local.id]
    assert whole.usage.completion_tokens <= 8 and whole.choices[0].message.role == "assistant"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == whole.choices[0].message.content  # same seed, same words
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens
    assert text.usage.completion_tokens <= 6 and text.object == "text_completion"
    assert message.usage.output_tokens <= 8
    assert all(r.cost_usd == 0 for r in services.server.requests)


def test_json_schema_response_format_constrains_a_local_model(services, serve, local):
    import json

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        return await client.chat.completions.create(
            model=local.id,
            messages=[{"role": "user", "content": "JSON please"}],
            max_tokens=40,
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
        )

    got = serve(scenario)
    content = got.choices[0].message.content
    if got.choices[0].finish_reason == "stop":
        assert isinstance(json.loads(content)["a"], int)
    else:  # cut at max_tokens: still only what the grammar allows
        assert content.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/v1/chat/completions", b"{not json", 400),
        ("/v1/chat/completions", b'{"model": "tiny-chat"}', 400),
        (
            "/v1/chat/completions",
            b'{"model": "nope", "messages": [{"role": "user", "content": "x"}]}',
            404,
        ),
        (
            "/v1/chat/completions",
            b'{"model": "tiny-chat", "messages": [], "temperature": "hot"}',
            400,
        ),
        (
            "/v1/messages",
            b'{"model": "tiny-chat", "messages": [{"role": "user", "content": "x"}]}',
            400,
        ),
        ("/v1/nothing", b"{}", 400),
    ],
)
def test_malformed_bodies_get_each_apis_error_shape(services, serve, local, path, body, status):
    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            return await raw.post(base + path, content=body)

    got = serve(scenario)
    assert got.status_code == status
    shape = got.json()
    if path.startswith("/v1/messages"):
        assert shape["type"] == "error" and shape["error"]["message"]
    else:
        assert shape["error"]["message"] and "Traceback" not in got.text


def test_body_too_large_is_413(services, serve, local):
    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            return await raw.post(base + "/v1/chat/completions", content=b"x" * (9 * 1024 * 1024))

    assert serve(scenario).status_code == 413


def test_disconnect_mid_stream_stops_generation(services, serve, local):
    async def scenario(base):
        async with httpx.AsyncClient(timeout=30) as raw:
            body = {
                "model": local.id,
                "messages": [{"role": "user", "content": "Talk"}],
                "max_tokens": 4000,
                "stream": True,
            }
            async with raw.stream("POST", base + "/v1/chat/completions", json=body) as response:
                async for line in response.aiter_lines():
                    if '"content"' in line and '"content":""' not in line:
                        break
        for _ in range(500):  # the request ends (and is recorded) as soon as the engine stops
            if services.server.requests:
                break
            await asyncio.sleep(0.02)
        return list(services.server.requests)

    (done,) = serve(scenario)
    assert done.status == "stopped" and done.output_tokens < 4000


def test_twenty_clients_at_once_queue_or_get_retry_after(services, serve, local):
    services.settings.set("server_queue_length", 30)

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)

        async def one(i):
            return await client.chat.completions.create(
                model=local.id, messages=[{"role": "user", "content": f"Hi {i}"}], max_tokens=4
            )

        return await asyncio.gather(*(one(i) for i in range(20)))

    answers = serve(scenario)
    assert len(answers) == 20 and all(a.choices[0].message.role == "assistant" for a in answers)


def test_past_the_queue_length_is_429_with_retry_after(services, serve, local):
    services.settings.set("server_queue_length", 0)

    async def scenario(base):
        async with httpx.AsyncClient(timeout=30) as raw:
            body = {
                "model": local.id,
                "messages": [{"role": "user", "content": "x"}],
                "max_tokens": 4,
            }
            return await asyncio.gather(
                *(raw.post(base + "/v1/chat/completions", json=body) for _ in range(6))
            )

    got = serve(scenario)
    refused = [r for r in got if r.status_code == 429]
    assert refused and all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert any(r.status_code == 200 for r in got)


def test_network_address_needs_a_token(services, serve, local):
    secret = services.server.tokens.create("Obsidian")
    assert services.server.tokens.names() == ["Obsidian"]
    assert secret not in services.settings.path.read_text()

    async def scenario(base):
        body = {"model": local.id, "messages": [{"role": "user", "content": "x"}], "max_tokens": 2}
        async with httpx.AsyncClient(timeout=30) as raw:
            missing = await raw.post(base + "/v1/chat/completions", json=body)
            wrong = await raw.post(
                base + "/v1/messages", json=body, headers={"x-api-key": "hearth-wrong"}
            )
            right = await raw.post(
                base + "/v1/chat/completions",
                json=body,
                headers={"authorization": f"Bearer {secret}"},
            )
        return missing, wrong, right

    missing, wrong, right = serve(scenario, network=True)
    assert missing.status_code == 401 and wrong.status_code == 401
    assert wrong.json()["error"]["type"] == "authentication_error"
    assert right.status_code == 200
    assert services.server.requests[-1].client == "Obsidian"


def test_a_request_for_another_local_model_waits_for_the_running_one(
    services, serve, local, tmp_path
):
    """Switching the served model (a second app asks for another file) waits until the running
    answer is finished: the first one is whole, and the second is then answered by its model."""
    from tests.gguf_factory import write_tiny_gguf

    other_file = write_tiny_gguf(tmp_path / "other-tiny.gguf")

    async def scenario(base):
        (other,), _ = await services.models.add_from_disk([other_file])
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        first = await client.chat.completions.create(
            model=local.id,
            messages=[{"role": "user", "content": "Talk"}],
            max_tokens=300,
            stream=True,
        )
        pieces, second = [], None
        async for chunk in first:
            if chunk.choices and chunk.choices[0].delta.content and second is None:
                second = asyncio.ensure_future(  # asked while the first is being written
                    client.chat.completions.create(
                        model=other.id, messages=[{"role": "user", "content": "Hi"}], max_tokens=8
                    )
                )
            pieces.append(chunk)
        return other, pieces, await second

    other, pieces, answer = serve(scenario)
    reasons = [c.choices[0].finish_reason for c in pieces if c.choices]
    assert reasons[-1] in ("stop", "length")  # whole, not cut off by the switch
    assert answer.model == other.id and answer.choices[0].message.role == "assistant"
    first, second = sorted(services.server.requests, key=lambda r: r.time)
    assert first.status == "ok" and second.status == "ok"
    ended = [r.time + timedelta(seconds=r.seconds) for r in (first, second)]
    assert ended[0] <= ended[1]  # the second model answered after the first one finished
