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
