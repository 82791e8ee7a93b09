"""What the store hands back: conversations and messages as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.core.doc_prompt import parse_sources
from app.core.images import ImageRef

MessageStatus = Literal["complete", "streaming", "stopped", "interrupted", "error"]


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    title: str
    created: str
    updated: str
    pinned: bool = False
    message_count: int = 0


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    parent_id: int | None
    role: str
    content: str
    model_id: str | None
    provider: str | None
    status: MessageStatus
    created: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    ttft_ms: float | None = None
    tokens_per_second: float | None = None
    error: str | None = None
    cost_usd: str | None = None  # Decimal as text; "0" for local models
    destination: str | None = None  # "on this computer" / "sent to OpenAI", fixed when sent
    # The passages of the user's files the reply cited, as JSON [{n, file, page, text, …}]
    # (messages.sources); None when it was given none or cited none. cited_sources reads it.
    sources: str | None = None
    # Attached images (user messages), in order; read from message_images, not a column (so
    # it comes last: the store fills the columns before it by position).
    images: tuple[ImageRef, ...] = ()

    @property
    def cited_sources(self) -> list[dict]:
        return parse_sources(self.sources)

    @property
    def is_local(self) -> bool:
        if self.destination:  # "on this computer", or "… · also sent to OpenAI" (a fallback)
            return self.destination.startswith("on this computer")
        return self.provider in (None, "local")

    @property
    def where(self) -> str:
        if self.destination:
            return self.destination
        return "on this computer" if self.is_local else f"sent to {self.provider}"


# The columns of the messages table, in Message's order (images live in their own table).
MESSAGE_COLUMNS = tuple(f for f in Message.__dataclass_fields__ if f != "images")
