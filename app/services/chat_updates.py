"""What ChatService.send and friends yield while a reply streams, besides the engines' own events
(TextDelta, ReasoningDelta, Notice, Retrying, RequestSent)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.chat import ModelInfo
from app.core.documents import Passage
from app.core.errors import HearthError, StorageError
from app.core.events import Notice, ReasoningDelta, RequestSent, Retrying, TextDelta
from app.core.records import Conversation, Message
from app.store.memory import Memory


@dataclass(frozen=True, slots=True)
class ReplyStarted:
    conversation: Conversation
    user_message: Message | None
    reply: Message
    model: ModelInfo
    memories: tuple[Memory, ...] = ()  # the memories put into this reply's system prompt


@dataclass(frozen=True, slots=True)
class PassagesFound:
    """The passages of the user's files that go with this reply, numbered from 1 in its prompt
    (the reply's [n] markers point into this list). Comes before the reply's first words."""

    passages: tuple[Passage, ...]
    notice: str | None = None  # "3 passages from your files will be sent to OpenAI."


@dataclass(frozen=True, slots=True)
class ModelLoading:
    model: ModelInfo
    progress: float | None  # None while unknown; 1.0 when loaded


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    message: Message
    error: HearthError | None = None
    # The reply could not be written (a full disk): `message` is the whole reply, kept in
    # memory; ChatService.save_reply(message) writes it once there is room again.
    save_error: StorageError | None = None


@dataclass(frozen=True, slots=True)
class FallbackUsed:
    """The cloud model failed before answering; the local fallback model answers instead."""

    model: ModelInfo
    error: HearthError

    @property
    def text(self) -> str:
        return f"{self.error.message} Answering with {self.model.display_name} on this computer."


ChatUpdate = (
    ReplyStarted
    | PassagesFound
    | ModelLoading
    | TextDelta
    | ReasoningDelta
    | Notice
    | Retrying
    | RequestSent
    | FallbackUsed
    | ReplyFinished
)
