"""Usage rows of requests other apps made through the local server and that were not kept as
chats (migration m018). Read back by app/store/usage.py beside the replies in `messages`."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from app.store.store import now, write_error

if TYPE_CHECKING:
    from app.store.store import Store


def add_served_request(
    store: Store,
    *,
    client: str,
    endpoint: str,
    model_id: str | None,
    provider: str | None,
    destination: str | None,
    status: str,
    input_tokens: int,
    output_tokens: int,
    cost_usd: str | None,
) -> int:
    try:
        with store.db.conn:
            return (
                store.db["served_requests"]
                .insert(
                    {
                        "created": now(),
                        "client": client,
                        "endpoint": endpoint,
                        "model_id": model_id,
                        "provider": provider,
                        "destination": destination,
                        "status": status,
                        "input_tokens": input_tokens,
                        "output_tokens": output_tokens,
                        "cost_usd": cost_usd,
                    }
                )
                .last_pk
            )
    except sqlite3.Error as exc:
        raise write_error(exc, store.path) from exc


def tag_client(store: Store, message_id: int, client: str) -> None:
    """A served request kept as a chat: its reply says which app asked."""
    store.update_message(message_id, client=client)
