"""List, rename, delete (with undo), search and export conversations."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.doc_prompt import source_lines
from app.core.records import Conversation, Message
from app.services.worker import DbWorker
from app.store import Store


@dataclass(frozen=True, slots=True)
class ConversationExport:
    conversation: Conversation
    messages: list[Message]


class ConversationService:
    def __init__(self, db: DbWorker) -> None:
        self._db = db

    async def list(self) -> list[Conversation]:
        return await self._db.call(Store.conversations)

    async def get(self, conversation_id: int) -> Conversation:
        return await self._db.call(Store.conversation, conversation_id)

    async def latest(self) -> Conversation | None:
        return await self._db.call(Store.latest_conversation)

    async def create(self, title: str = "New chat") -> Conversation:
        return await self._db.call(Store.create_conversation, title)

    async def messages(self, conversation_id: int) -> list[Message]:
        return await self._db.call(Store.messages, conversation_id)

    async def last_model(self, conversation_id: int) -> str | None:
        """The model of the newest reply on the shown branch: the chat's model when reopened."""
        replies = [m for m in await self.messages(conversation_id) if m.role == "assistant"]
        return replies[-1].model_id if replies else None

    async def rename(self, conversation_id: int, title: str) -> None:
        await self._db.call(Store.rename_conversation, conversation_id, title)

    async def set_pinned(self, conversation_id: int, pinned: bool) -> None:
        await self._db.call(Store.set_pinned, conversation_id, pinned)

    async def delete(self, conversation_id: int) -> None:
        """Hidden at once; restore() undoes it until purge_deleted() runs (at the next start)."""
        await self._db.call(Store.delete_conversation, conversation_id)

    async def restore(self, conversation_id: int) -> None:
        await self._db.call(Store.restore_conversation, conversation_id)

    async def purge_deleted(self) -> int:
        return await self._db.call(Store.purge_deleted)

    async def search(self, query: str) -> list[Message]:
        return await self._db.call(Store.search, query)

    async def export(self, conversation_ids: list[int] | None) -> list[ConversationExport]:
        """The given conversations, or all of them (None), with their shown branch."""
        convs = (
            await self.list()
            if conversation_ids is None
            else [await self.get(cid) for cid in conversation_ids]
        )
        return [ConversationExport(c, await self.messages(c.id)) for c in convs]


def conversation_markdown(item: ConversationExport) -> str:
    lines = [f"# {item.conversation.title}", ""]
    for m in item.messages:
        if m.role == "user":
            lines.append("## You")
        elif m.role == "assistant":
            note = "" if m.status == "complete" else f" — {m.status}"
            lines.append(f"## {m.model_id or 'Assistant'} ({m.where}){note}")
        else:
            lines.append(f"## {m.role.title()}")
        lines += ["", m.content, ""]
        if m.role == "assistant" and m.cited_sources:
            lines += ["Sources:", *(f"- {line}" for line in source_lines(m.cited_sources)), ""]
        if m.images:
            lines += [attached_line(m), ""]
    return "\n".join(lines).rstrip()


def attached_line(message: Message) -> str:
    """ "*Attached: photo.jpg, pasted image*" for Markdown (the files are in the JSON export)."""
    return "*Attached: " + ", ".join(ref.name for ref in message.images) + "*"
