"""A stopped reply offers Continue: it goes on in the same message, from where it stopped.

Real services on a temporary data folder; the tiny local model (llama.cpp continues its own
text) and OpenAI's wire format on loopback (the conversation with the partial reply is sent,
and the model asked to go on). The window's side is tests/ui/chat/test_continue.py.
"""

from __future__ import annotations

import asyncio

import pytest

from app import secrets
from app.services import open_services
from app.services.chat import CONTINUE_PROMPT, NothingToContinue, ReplyFinished, ReplyStarted
from app.store import Store
from tests.wire_servers import (
    WireServer,
    encode_sse,
    openai_events,
    openai_usage,
    sse_reply,
)

OPENAI_KEY = "sk-test-0123456789abcdefghijklmnop"
MINI = "openai:gpt-4o-mini"
PARTIAL = "Once upon a time"


def _stopped_reply(services, model_id: str, provider: str, **values) -> tuple[int, int]:
    """A chat whose reply was stopped after a few words: (conversation id, reply id)."""

    async def make():
        db = services.db
        conv = await db.call(Store.create_conversation, "Story")
        user = await db.call(Store.add_message, conv.id, role="user", content="Tell me a story")
        reply = await db.call(
            Store.add_message,
            conv.id,
            role="assistant",
            content=PARTIAL,
            status="stopped",
            parent_id=user.id,
            model_id=model_id,
            provider=provider,
        )
        if values:
            await db.call(Store.update_message, reply.id, **values)
        return conv.id, reply.id

    return make()


async def _continue(services, reply_id):
    return [u async for u in services.chat.continue_reply(message_id=reply_id)]


def test_a_local_model_continues_its_own_reply_in_the_same_message(data_dir, tiny_gguf):
    services = open_services(data_dir)
    services.settings.set("max_tokens", 6)

    async def scenario():
        try:
            (local,), _ = await services.models.add_from_disk([tiny_gguf])
            cid, reply_id = await _stopped_reply(services, local.id, "local")
            updates = await _continue(services, reply_id)
            return cid, reply_id, updates, await services.conversations.messages(cid)
        finally:
            await services.close()

    cid, reply_id, updates, stored = asyncio.run(scenario())
    started = next(u for u in updates if isinstance(u, ReplyStarted))
    assert started.reply.id == reply_id and started.reply.content == PARTIAL
    finished = updates[-1]
    assert isinstance(finished, ReplyFinished) and finished.error is None
    assert [m.role for m in stored] == ["user", "assistant"]  # no new message
    reply = stored[-1]
    assert reply.id == reply_id
    assert reply.content.startswith(PARTIAL) and len(reply.content) > len(PARTIAL)
    assert reply.status == "complete"
    assert reply.output_tokens and reply.output_tokens <= 6


def test_the_local_prompt_ends_with_the_words_so_far(data_dir, tiny_gguf):
    """llama.cpp is given the chat up to the model's turn, then the partial reply: it goes on
    from the last word instead of starting a new reply."""
    from app.core.chat import ChatMessage

    services = open_services(data_dir)

    async def scenario():
        try:
            (local,), _ = await services.models.add_from_disk([tiny_gguf])
            backend = await services.models.backend_for(local)
            chat = backend._owner.chat  # rendering is pure Python: no need for its thread
            return chat.render(
                [ChatMessage("user", "Tell me a story"), ChatMessage("assistant", PARTIAL)]
            ), chat.render([ChatMessage("user", "Tell me a story")])
        finally:
            await services.close()

    continued, fresh = asyncio.run(scenario())
    assert continued == fresh + PARTIAL


def test_an_online_model_is_asked_to_go_on_and_the_costs_add_up(data_dir, monkeypatch):
    secrets.set_key("openai", OPENAI_KEY)
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        events = openai_events([", there was", " a fox."], usage=openai_usage(40, 6))
        server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(events)]))
        services = open_services(data_dir)

        async def scenario():
            try:
                cid, reply_id = await _stopped_reply(
                    services,
                    MINI,
                    "openai",
                    destination="sent to OpenAI",
                    input_tokens=30,
                    output_tokens=4,
                    cost_usd="0.0000069",
                    ttft_ms=120.0,
                )
                await _continue(services, reply_id)
                return await services.conversations.messages(cid)
            finally:
                await services.close()

        stored = asyncio.run(scenario())
        sent = server.requests[-1].json()["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == PARTIAL and sent[2]["content"] == CONTINUE_PROMPT
    reply = stored[-1]
    assert len(stored) == 2 and reply.content == PARTIAL + ", there was a fox."
    assert reply.status == "complete" and reply.where == "sent to OpenAI"
    assert (reply.input_tokens, reply.output_tokens) == (70, 10)
    # 0.0000069 before, plus 40 in at $0.15 and 6 out at $0.60 per 1M (0.0000096)
    assert reply.cost_usd == "0.0000165"
    assert reply.ttft_ms == 120.0


def test_only_a_stopped_reply_can_be_continued(data_dir):
    services = open_services(data_dir)

    async def scenario():
        try:
            _cid, reply_id = await _stopped_reply(services, MINI, "openai")
            await services.db.call(Store.update_message, reply_id, status="complete")
            with pytest.raises(NothingToContinue):
                await _continue(services, reply_id)
        finally:
            await services.close()

    asyncio.run(scenario())
