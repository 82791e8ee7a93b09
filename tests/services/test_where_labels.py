"""Where the words went is never wrong: "sent to <provider>" only once the request was written.

Real services on a temporary data folder; OpenAI's wire format from a loopback server, a refused
loopback port for "could not reach", and offline mode (app.netguard) for "offline mode". What
the window says is tests/ui/chat/test_where_labels.py.
"""

from __future__ import annotations

import asyncio

from app import secrets
from app.core.events import Error, RequestSent, TextDelta
from app.core.provider_errors import OfflineModeBlocked
from app.netguard import set_offline_mode, socket_guard
from app.providers.openai_compat import OpenAICompatBackend
from app.providers.registry import get_provider
from app.services import open_services
from app.services.chat import ReplyFinished
from app.services.conversations import conversation_markdown
from tests.loopback import closed_port
from tests.wire_servers import (
    OPENAI_401,
    WireServer,
    collect,
    encode_sse,
    json_reply,
    openai_events,
    sse_reply,
)

OPENAI_KEY = "sk-test-0123456789abcdefghijklmnop"
MODEL = "openai:gpt-4o-mini"


async def _ask(services, text: str = "hi"):
    updates = [u async for u in services.chat.send(conversation_id=None, text=text, model_id=MODEL)]
    assert isinstance(updates[-1], ReplyFinished)
    return updates[-1].message


def _stored_after(data_dir, monkeypatch, *, offline: bool = False, base_url: str | None = None):
    """One reply through the services, then the stored message and `show`'s Markdown."""
    if base_url:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", base_url)
    secrets.set_key("openai", OPENAI_KEY)
    services = open_services(data_dir)
    services.providers.set_offline(offline)

    async def scenario():
        try:
            finished = await _ask(services)
            stored = await services.conversations.messages(finished.conversation_id)
            [export] = await services.conversations.export([finished.conversation_id])
            exported = conversation_markdown(export)
            return stored[-1], exported
        finally:
            services.providers.set_offline(False)
            await services.close()

    return asyncio.run(scenario())


def test_offline_mode_is_stored_as_not_sent(data_dir, monkeypatch):
    with socket_guard() as attempts:
        reply, markdown = _stored_after(
            data_dir, monkeypatch, offline=True, base_url="https://api.openai.com/v1"
        )
    assert attempts == []
    assert reply.status == "error"
    assert reply.where == "not sent — offline mode"
    assert "sent to OpenAI" not in markdown and "not sent — offline mode" in markdown


def test_a_refused_connection_is_stored_as_could_not_reach(data_dir, monkeypatch):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    reply, markdown = _stored_after(data_dir, monkeypatch, base_url=url)
    assert reply.status == "error"
    assert reply.where == "not sent — could not reach OpenAI"
    assert "not sent — could not reach OpenAI" in markdown


def test_a_request_that_was_written_is_sent_even_when_it_fails(data_dir, monkeypatch):
    """A 401 comes back after the words went out: they did reach OpenAI."""
    with WireServer() as server:
        server.script("POST", "/v1/chat/completions", json_reply(401, OPENAI_401))
        reply, _ = _stored_after(data_dir, monkeypatch, base_url=server.base_url + "/v1")
        assert server.requests  # it really was written
    assert reply.status == "error"
    assert reply.where == "sent to OpenAI"


# -- the provider layer: RequestSent only once the body went out -----------------------------


def _openai(base_url: str) -> OpenAICompatBackend:
    return OpenAICompatBackend(get_provider("openai"), "gpt-4o-mini", base_url, OPENAI_KEY)


def test_request_sent_comes_before_the_first_words():
    with WireServer() as server:
        hi = sse_reply([encode_sse(openai_events(["Hi"]))])
        server.script("POST", "/v1/chat/completions", hi)
        events = collect(_openai(server.base_url + "/v1"), with_sent=True)
    sent = [i for i, e in enumerate(events) if isinstance(e, RequestSent)]
    first_text = next(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert len(sent) == 1 and sent[0] < first_text


def test_no_request_sent_when_nothing_left(online_again):
    refused = collect(_openai(f"http://127.0.0.1:{closed_port()}/v1"), with_sent=True)
    assert not any(isinstance(e, RequestSent) for e in refused)
    assert isinstance(refused[-1], Error)
    set_offline_mode(True)
    blocked = collect(_openai("https://api.openai.com/v1"), with_sent=True)
    assert not any(isinstance(e, RequestSent) for e in blocked)
    assert isinstance(blocked[-1].error, OfflineModeBlocked)


def test_a_fallback_after_a_blocked_send_stays_on_this_computer(data_dir, tiny_gguf, monkeypatch):
    """Offline mode blocked the online model and the local fallback answered: the words never
    left, so the label says only "on this computer"."""
    monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", "https://api.openai.com/v1")
    secrets.set_key("openai", OPENAI_KEY)
    services = open_services(data_dir)
    services.settings.set("max_tokens", 6)
    services.settings.set("fallback_model", "tiny-chat")
    services.providers.set_offline(True)

    async def scenario():
        try:
            await services.models.add_from_disk([tiny_gguf])
            return await _ask(services)
        finally:
            services.providers.set_offline(False)
            await services.close()

    with socket_guard() as attempts:
        reply = asyncio.run(scenario())
    assert attempts == []
    assert reply.model_id == "tiny-chat" and reply.where == "on this computer"
