"""History use cases: search every conversation, branches (edit and resend, regenerate),
personas and per-conversation system prompts, automatic titles."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.errors import HearthError
from app.core.records import Conversation, Message
from app.store import Store
from app.store import history as store_history
from app.store import personas as store_personas
from app.store.history import Branches, Page, SearchHit
from app.store.personas import Persona

if TYPE_CHECKING:
    from app.services.models import ModelService
    from app.services.worker import DbWorker

log = logging.getLogger(__name__)

MAX_TITLE_CHARS = 60
TITLE_PROMPT = (
    "Write a title of at most six words for this conversation. Reply with the title only: "
    "no quotes, no full stop."
)
# What the title model reads: the first exchange, trimmed, so a long paste costs little.
TITLE_SOURCE_CHARS = 1500
DEFAULT_TITLES = ("New chat", "Untitled")


def clean_title(raw: str) -> str:
    """A model's title reply made presentable: first line, no "Title:", quotes or full stop."""
    line = next((ln.strip() for ln in (raw or "").splitlines() if ln.strip()), "")
    line = re.sub(r"^(?:title\s*:\s*)", "", line, flags=re.IGNORECASE)
    line = line.strip().strip("\"'“”‘’*#").strip().rstrip(".").strip()
    from app.services.chat import title_from

    return title_from(line, MAX_TITLE_CHARS) if line else ""


def title_request(messages: list[Message]) -> ChatRequest:
    """What the model reads to title a chat: its first exchange, trimmed."""
    exchange = "\n\n".join(
        f"{m.role}: {m.content.strip()}"
        for m in messages[:2]
        if m.role in ("user", "assistant") and m.content.strip()
    )[:TITLE_SOURCE_CHARS]
    return ChatRequest(
        messages=(ChatMessage("system", TITLE_PROMPT), ChatMessage("user", exchange)),
        temperature=0.2,
        max_tokens=24,
        keep_cache=True,  # the chat goes on after its title: its cache must survive
    )


class HistoryService:
    def __init__(self, *, db: DbWorker, models: ModelService) -> None:
        self._db = db
        self._models = models

    # -- search ----------------------------------------------------------------------------------

    async def search(self, *, text: str, limit: int = 50) -> list[SearchHit]:
        """Every conversation (not deleted), best match first, with a highlighted snippet."""
        return await self._db.call(store_history.search, text, limit=limit)

    async def find_in_conversation(self, *, conversation_id: int, text: str) -> list[int]:
        """Find in the current chat: ids of the shown messages containing the words."""
        return await self._db.call(store_history.find_in_conversation, conversation_id, text)

    async def open_around(self, *, message_id: int, before: int, after: int) -> Page:
        """Open a search hit: if the message is on a hidden branch, that branch is shown. Only a
        window of the branch is read: up to `before` messages above the hit and `after` below."""
        if not await self._db.call(store_history.is_shown, message_id):
            await self._db.call(store_history.show_message, message_id)
        return await self.around(message_id=message_id, before=before, after=after)

    # -- branches --------------------------------------------------------------------------------

    async def edit(self, *, message_id: int, text: str) -> Message:
        """Edit and resend, step one: the new version of a user message, beside the old one and
        now shown. Step two is ChatService.reply_to(user_message_id=new.id)."""
        return await self._db.call(store_history.edit_message, message_id, text)

    async def branches(self, *, message_id: int) -> Branches:
        return await self._db.call(store_history.branches, message_id)

    async def branches_for(self, *, message_ids: list[int]) -> dict[int, Branches]:
        """Branches of just the messages on screen that have other versions."""
        return await self._db.call(store_history.branches_for, list(message_ids))

    async def recent(
        self, *, conversation_id: int, limit: int = 100, before_id: int | None = None
    ) -> list[Message]:
        """A page of the shown branch, oldest first: the last `limit` messages, or the `limit`
        before `before_id`. Opening a 10,000-message chat reads one page, not all of it."""
        return await self._db.call(
            store_history.recent_messages, conversation_id, limit=limit, before_id=before_id
        )

    async def around(self, *, message_id: int, before: int = 20, after: int = 20) -> Page:
        """A window of the shown branch around one of its messages, oldest first: up to
        `before` messages above it, the message, up to `after` below it."""
        return await self._db.call(
            store_history.messages_around, message_id, before=before, after=after
        )

    async def newer(self, *, after_id: int, limit: int = 100) -> Page:
        """The page of the shown branch below this message, oldest first; `more_after` says
        whether the branch goes on below it."""
        return await self._db.call(store_history.newer_page, after_id, limit=limit)

    async def switch_branch(self, *, message_id: int, after: int = 100) -> Page:
        """Show the version of the conversation through this message (its newest continuation).
        Returns that version and up to `after` messages below it."""
        await self._db.call(store_history.show_message, message_id)
        return await self.around(message_id=message_id, before=0, after=after)

    # -- system prompts and personas -------------------------------------------------------------

    async def system_prompt(self, *, conversation_id: int) -> str | None:
        """The conversation's own system prompt; None when it uses the app-wide one."""
        return await self._db.call(store_personas.conversation_system_prompt, conversation_id)

    async def set_system_prompt(self, *, conversation_id: int, text: str | None) -> None:
        await self._db.call(store_personas.set_conversation_system_prompt, conversation_id, text)

    async def persona_id(self, *, conversation_id: int) -> int | None:
        """The persona whose instructions this conversation uses, if it was started with one."""
        return await self._db.call(store_personas.conversation_persona_id, conversation_id)

    async def personas(self) -> list[Persona]:
        return await self._db.call(store_personas.personas)

    async def create_persona(
        self, *, name: str, system_prompt: str, default_model: str | None = None
    ) -> Persona:
        return await self._db.call(
            store_personas.create_persona, name, system_prompt, default_model
        )

    async def update_persona(self, *, persona_id: int, **values: str | None) -> Persona:
        """Change any of name=, system_prompt=, default_model= (None clears the model)."""
        unknown = set(values) - {"name", "system_prompt", "default_model"}
        if unknown:
            raise TypeError(f"unknown persona fields: {sorted(unknown)}")
        return await self._db.call(store_personas.update_persona, persona_id, **values)

    async def delete_persona(self, *, persona_id: int) -> None:
        await self._db.call(store_personas.delete_persona, persona_id)

    async def apply_persona(self, *, conversation_id: int, persona_id: int) -> Persona:
        """Use a persona's system prompt in this conversation; the caller switches to its
        default_model when it has one."""
        return await self._db.call(store_personas.apply_persona, conversation_id, persona_id)

    async def start_with_persona(self, *, persona_id: int) -> Conversation:
        chosen = await self._db.call(store_personas.persona, persona_id)
        conv = await self._db.call(Store.create_conversation, "New chat")
        await self.apply_persona(conversation_id=conv.id, persona_id=chosen.id)
        return conv

    # -- titles ----------------------------------------------------------------------------------

    async def auto_title(self, *, conversation_id: int, model: ModelInfo | None = None) -> str:
        """Title a new conversation from its first exchange. The model writes it only when it
        runs on this computer (the loaded one by default): a title is never worth a cloud call.
        Otherwise, and whenever the model fails, the first words of the first message.
        The user's own title is never replaced."""
        from app.services.chat import title_from  # the chat service: not for a search

        conv = await self._db.call(Store.conversation, conversation_id)
        messages = await self._db.call(Store.messages, conversation_id)
        first = next((m for m in messages if m.role == "user" and m.content.strip()), None)
        if first is None:
            return conv.title
        fallback = title_from(first.content)
        if conv.title not in (*DEFAULT_TITLES, fallback):
            return conv.title
        title = await self._title_by_model(model or self._models.loaded, messages) or fallback
        # The model took a moment: the user may have named the chat meanwhile. Theirs stays.
        now = (await self._db.call(Store.conversation, conversation_id)).title
        if now != conv.title:
            return now
        if title != conv.title:
            await self._db.call(Store.rename_conversation, conversation_id, title)
        return title

    async def _title_by_model(self, model: ModelInfo | None, messages: list[Message]) -> str:
        if model is None or not model.is_local:
            return ""
        from app.services.memory import complete_text  # the engines: not for a search

        try:
            return clean_title(await complete_text(self._models, model, title_request(messages)))
        except HearthError as err:
            log.info("Title by %s failed, using the first words: %s", model.id, err.plain())
            return ""
