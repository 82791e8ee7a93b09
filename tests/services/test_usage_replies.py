"""The usage dashboard counts replies that produced text, not failed sends.

Real services on a temporary data folder: one real reply from the tiny local model, then cloud
sends that fail (offline mode, a refused loopback port) or are stopped before any word.
"""

from __future__ import annotations

import asyncio
import socket

from app import secrets
from app.services import open_services
from app.store import usage as store_usage

OPENAI_KEY = "sk-test-0123456789abcdefghijklmnop"


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_failed_sends_are_not_counted_as_replies(data_dir, tiny_gguf, monkeypatch):
    secrets.set_key("openai", OPENAI_KEY)
    services = open_services(data_dir)
    services.settings.set("max_tokens", 8)

    async def send(cid, text, model_id):
        updates = [
            u async for u in services.chat.send(conversation_id=cid, text=text, model_id=model_id)
        ]
        return updates[-1].message

    async def scenario():
        try:
            (local,), _ = await services.models.add_from_disk([tiny_gguf])
            first = await send(None, "Hello", local.id)
            cid = first.conversation_id
            monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", "https://api.openai.com/v1")
            services.providers.set_offline(True)
            await send(cid, "and online?", "openai:gpt-4o-mini")
            await send(cid, "once more", "openai:gpt-4o-mini")
            services.providers.set_offline(False)
            monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
            await send(cid, "and now?", "openai:gpt-4o-mini")
            return (
                first,
                await services.usage.dashboard(),
                await services.usage.conversation_total(conversation_id=cid),
            )
        finally:
            services.providers.set_offline(False)
            await services.close()

    first, dashboard, chat = asyncio.run(scenario())
    assert first.content and first.status == "complete"
    split = dashboard.local_vs_cloud
    assert (split.local.replies, split.cloud.replies) == (1, 0)
    assert split.local_share == 1.0
    assert dashboard.today.replies == 1
    assert dashboard.month.totals.replies == 1
    assert chat.replies == 1


def test_a_stopped_reply_with_words_still_counts(store):
    conversation = store.create_conversation("Stopped").id
    for content, status in (("Half a reply", "stopped"), ("", "error"), ("", "stopped")):
        store.db["messages"].insert(
            {
                "conversation_id": conversation,
                "role": "assistant",
                "content": content,
                "status": status,
                "model_id": "tiny",
                "provider": "local",
                "destination": "on this computer",
                "cost_usd": "0",
                "created": store_usage.utc_text(store_usage.local_now()),
            }
        )
    assert store_usage.totals(store.db, None, None).replies == 1
