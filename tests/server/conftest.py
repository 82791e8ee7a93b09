"""The local server on a free loopback port, over the test's services."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from app.services import open_services


@pytest.fixture
def services(data_dir):
    from app.server import front_door

    svc = open_services(data_dir)
    svc.settings.set("max_tokens", 24)
    svc.server.front_door = front_door
    return svc


@pytest.fixture
def serve(services):
    """serve(scenario): start the server (port 0), run `await scenario(base_url)`, stop."""

    def run(scenario: Callable[[str], Awaitable], **start) -> object:
        async def main():
            try:
                await services.server.start(port=0, **start)
                return await scenario(services.server.local_address)
            finally:
                await services.close()

        return asyncio.run(main())

    return run


CLOUD = "openai:gpt-4o-mini"


@pytest.fixture
def local(services, tiny_gguf):
    """The tiny GGUF, added as a local model."""

    async def add():
        (model,), _ = await services.models.add_from_disk([tiny_gguf])
        return model

    return asyncio.run(add())


@pytest.fixture
def cloud(services, openai_server):
    """Cloud models shared, OpenAI's key set, and one streamed answer scripted."""
    from app import secrets
    from tests.wire_servers import encode_sse, openai_events, openai_usage, sse_reply

    secrets.set_key("openai", "sk-test-0123456789abcdefghijklmnop")
    services.settings.set("server_cloud_models", True)
    stream = encode_sse(openai_events(["Bonjour", " à vous"], usage=openai_usage(31, 4)))
    openai_server.script("POST", "/v1/chat/completions", sse_reply([stream]))
    return openai_server
