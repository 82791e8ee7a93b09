"""Many clients and clients that leave: 20 at once over local and cloud models, and a client
that hangs up (streaming from the Anthropic API, or waiting for a whole answer) stops its
generation, freeing the engine for the next request. Real llama.cpp, real SDKs."""

from __future__ import annotations

import asyncio
import time

import httpx
import openai

from tests.server.conftest import CLOUD


async def wait_for_requests(services, count: int) -> None:
    for _ in range(500):
        if len(services.server.requests) >= count:
            return
        await asyncio.sleep(0.02)


def test_twenty_clients_local_and_cloud_at_once(services, serve, local, cloud):
    services.settings.set("server_queue_length", 30)

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)

        async def one(i):
            model = local.id if i % 2 else CLOUD
            return await client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": f"Hi {i}"}], max_tokens=4
            )

        return await asyncio.gather(*(one(i) for i in range(20)))

    answers = serve(scenario)
    assert len(answers) == 20
    assert [a.choices[0].message.content for a in answers[::2]] == ["Bonjour à vous"] * 10
    assert all(a.usage.completion_tokens <= 4 for a in answers[1::2])
    assert [r.status for r in services.server.requests] == ["ok"] * 20
    assert len(cloud.requests) == 10


def test_anthropic_stream_client_leaving_stops_generation(services, serve, local):
    async def scenario(base):
        body = {
            "model": local.id,
            "max_tokens": 4000,
            "stream": True,
            "messages": [{"role": "user", "content": "Talk"}],
        }
        async with httpx.AsyncClient(timeout=30) as raw:
            async with raw.stream("POST", base + "/v1/messages", json=body) as response:
                async for line in response.aiter_lines():
                    if "text_delta" in line:
                        break
            await wait_for_requests(services, 1)
            started = time.monotonic()
            after = await raw.post(
                base + "/v1/chat/completions",
                json={
                    "model": local.id,
                    "max_tokens": 2,
                    "messages": [{"role": "user", "content": "Next"}],
                },
            )
        return after, time.monotonic() - started

    after, seconds = serve(scenario)
    first, second = services.server.requests
    assert first.status == "stopped" and first.output_tokens < 4000 and first.streamed
    assert after.status_code == 200 and second.status == "ok"
    assert seconds < 10  # the engine was free: it did not write 4000 tokens first


def test_a_client_that_stops_waiting_for_a_whole_answer_stops_it(services, serve, local):
    async def scenario(base):
        body = {
            "model": local.id,
            "max_tokens": 4000,
            "messages": [{"role": "user", "content": "Talk"}],
        }
        async with httpx.AsyncClient() as raw:
            # Loaded first, so the client leaves while tokens are being written: the tiny model
            # fills its context in under a second on a quiet machine.
            warm = {**body, "max_tokens": 1}
            await raw.post(base + "/v1/chat/completions", json=warm, timeout=60)
            try:
                await raw.post(base + "/v1/chat/completions", json=body, timeout=0.25)
            except httpx.TimeoutException:
                pass
        await wait_for_requests(services, 2)
        return list(services.server.requests)

    _warm, done = serve(scenario)
    assert done.status == "stopped" and done.output_tokens < 4000, done
