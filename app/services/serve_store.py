"""Writing a served request down: its usage row, or (with "Keep served chats in history") a
conversation like the window's, its reply tagged with the app. Runs on the database worker."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.chat import ChatMessage, ModelInfo
from app.core.money import decimal_text
from app.services.serve_records import ServedRequest
from app.store import Store
from app.store.served import add_served_request, tag_client

_STATUS = {"ok": "complete", "stopped": "stopped"}


def _cost_text(done: ServedRequest) -> str | None:
    return None if done.cost_usd is None else decimal_text(done.cost_usd)


def keep_usage(store: Store, model: ModelInfo, done: ServedRequest) -> None:
    add_served_request(
        store,
        client=done.client,
        endpoint=done.endpoint,
        model_id=model.id,
        provider=model.provider,
        destination=model.where,
        status=done.status,
        input_tokens=done.input_tokens,
        output_tokens=done.output_tokens,
        cost_usd=_cost_text(done),
    )


def keep_as_chat(
    store: Store, model: ModelInfo, messages: Sequence[ChatMessage], text: str, done: ServedRequest
) -> None:
    last_user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    title = f"{done.client}: {' '.join(last_user.split())[:40] or 'served request'}"
    conv = store.create_conversation(title)
    for message in messages:
        if message.role in ("system", "user", "assistant") and message.content:
            store.add_message(conv.id, role=message.role, content=message.content)
    reply = store.add_message(
        conv.id,
        role="assistant",
        content=text,
        model_id=model.id,
        provider=model.provider,
        destination=model.where,
        status=_STATUS.get(done.status, "error"),
    )
    store.update_message(
        reply.id,
        input_tokens=done.input_tokens,
        output_tokens=done.output_tokens,
        cost_usd=_cost_text(done),
    )
    tag_client(store, reply.id, done.client)
