"""Memory in the window: “Remember this”, /remember in the composer, the memory manager, and
suggested memories after a chat. Personas, the chat's system prompt and automatic titles are
the PersonaController's (persona_actions).

A controller MainWindow composes: it is given the services, the task keeper, the widgets it
drives (chat view, composer, toast) and the model controller (suggestions ask the current
model), and asks the window only through the narrow `MemoryHost` interface. It says
`changed` when the memories changed, so an open Settings page can refresh.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from app.core.errors import HearthError
from app.core.records import Message
from app.services.chat import ReplyFinished
from app.services.memory import parse_remember_command
from app.store.memory import MAX_MEMORY_CHARS, Memory
from app.ui.memory.memory_suggestions import AskToSuggest, MemorySuggestions

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.chat import ChatView, Composer
    from app.ui.conversations import ConversationController
    from app.ui.memory.memory_manager import MemoryManager
    from app.ui.models import ModelController
    from app.ui.settings import SettingsDialog
    from app.ui.shell.tasks import TaskKeeper
    from app.ui.shell.toast import Toast

log = logging.getLogger(__name__)

# “Remember this” on a long reply keeps its start: a memory is a fact, not a document.
REMEMBER_CHARS = 500
REMEMBER_HOW = "To remember something, write it after /remember, e.g. “/remember I live in Lyon”."
# Suggestions come after a real conversation, not after a single question.
SUGGEST_AFTER_REPLIES = 2
SUGGESTED_KEY = "memory_suggested_chats"  # conversations already asked about (each only once)
SUGGESTED_KEPT = 500


def memory_excerpt(text: str, limit: int = REMEMBER_CHARS) -> str:
    """The text on one line, cut at a word (with “…”) when longer than `limit`."""
    flat = " ".join((text or "").split())
    limit = min(limit, MAX_MEMORY_CHARS)
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def quoted(text: str, limit: int = 60) -> str:
    return f"“{text if len(text) <= limit else text[: limit - 1].rstrip() + '…'}”"


class MemoryHost(Protocol):
    """What memory asks of the window."""

    def settings_window(self) -> SettingsDialog: ...  # made on first use, left on its page

    def _keep(self, dialog: QWidget) -> None: ...  # a non-modal dialog, kept alive while open


class MemoryController(QObject):
    changed = Signal()  # memories were added, edited or deleted

    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        chat_view: ChatView,
        composer: Composer,
        toast: Toast,
        models: ModelController,
        chats: ConversationController,
        host: MemoryHost,
    ) -> None:
        super().__init__()
        self.window = window  # parent of the manager and the suggestion dialogs
        self.services = services
        self.tasks = tasks
        self.chat_view = chat_view
        self.composer = composer
        self.toast = toast
        self.models = models
        self.chats = chats  # the chat on screen, opening one, its title
        self.host = host
        self.memory_manager: MemoryManager | None = None
        self.memory_suggestions: MemorySuggestions | None = None
        self.suggestion_question: AskToSuggest | None = None
        self._replied_in: list[int] = []  # chats with a reply this session, for suggestions
        chat_view.remember_requested.connect(self.remember_message)
        chat_view.manage_memories_requested.connect(self.open_memory_manager)

    # -- remembering ---------------------------------------------------------------------------

    def remember_message(self, message: Message) -> asyncio.Task:
        """“Remember this” on a message: its text (the start of it, if long) becomes a memory."""
        text = memory_excerpt(message.content)
        return self.tasks.spawn(self._remember(text, message.id), name="remember")

    def remember_command(self, text: str) -> bool:
        """/remember FACT typed in the composer: stored here, never sent to a model. False when
        the text is an ordinary message."""
        if parse_remember_command(text) is None:
            return False
        self.tasks.spawn(self._remember_typed(text), name="remember-command")
        return True

    async def _remember_typed(self, text: str) -> None:
        try:
            memory = await self.services.memory.command(text=text)
        except HearthError as error:
            fact = parse_remember_command(text)
            self.toast.inform(REMEMBER_HOW if not fact else error.plain(), seconds=8)
            if not self.composer.text().strip():
                self.composer.set_text(text if fact else "/remember ")
            self.composer.focus()
            return
        self._confirm_remembered(memory)

    async def _remember(self, text: str, source_message_id: int | None) -> Memory | None:
        try:
            memory = await self.services.memory.remember(
                text=text, source_message_id=source_message_id
            )
        except HearthError as error:
            self.toast.inform(f"This could not be remembered. {error.plain()}", seconds=8)
            return None
        self._confirm_remembered(memory)
        return memory

    def _confirm_remembered(self, memory: Memory) -> None:
        paused = " Memory is paused, so no model is given it for now." if self.memory_paused else ""
        self.toast.offer_undo(
            f"Remembered {quoted(memory.text)}.{paused}",
            lambda: self.tasks.spawn(self.forget(memory.id), name="forget"),
        )
        self._memories_changed()

    async def forget(self, memory_id: int) -> None:
        try:
            await self.services.memory.delete(memory_id=memory_id)
        except HearthError as error:  # already deleted in the manager, say
            log.info("Undo of a memory found nothing to delete: %s", error.plain())
        self._memories_changed()

    @property
    def memory_paused(self) -> bool:
        return self.services.memory.paused

    # -- the manager and Settings → Memory -----------------------------------------------------

    def open_memory_manager(self) -> MemoryManager:
        if self.memory_manager is None:
            from app.ui.memory.memory_manager import MemoryManager  # built on first use

            manager = MemoryManager(self.services, self.tasks, self.window)
            manager.changed.connect(self.changed)
            self.memory_manager = manager
        else:
            self.memory_manager.refresh()
        self.memory_manager.present()
        return self.memory_manager

    def open_memory_settings(self):
        return self.host.settings_window().show_memory()

    def _memories_changed(self) -> None:
        self.refresh_memory_manager()
        self.changed.emit()

    def refresh_memory_manager(self) -> None:
        """Memories changed elsewhere (Settings → Memory): an open manager shows them."""
        if self.memory_manager is not None and self.memory_manager.isVisible():
            self.memory_manager.refresh()

    # -- suggestions after a chat --------------------------------------------------------------

    def on_reply_done(self, finished: ReplyFinished) -> None:
        """Each finished reply: the chat may get suggestions once the user leaves it."""
        cid = finished.message.conversation_id
        if cid not in self._replied_in:
            self._replied_in.append(cid)

    def suggest_after_leaving(self, shown: int | None) -> None:
        """The user moved to another chat (or a new one): chats they left may get suggestions."""
        left = [cid for cid in self._replied_in if cid != shown]
        self._replied_in = [cid for cid in self._replied_in if cid == shown]
        for cid in left:
            self.tasks.spawn(self.suggest_for(cid), name="suggest-memories")

    async def suggest_for(self, conversation_id: int) -> None:
        """Suggestions for a chat, if they are on and it had a real conversation; once per chat.
        A model on this computer is asked quietly; an online one only after the user says yes."""
        memory = self.services.memory
        model = self.models.current_model
        if not memory.suggestions_enabled or memory.paused or model is None:
            return
        if conversation_id in self._suggested_chats():
            return
        try:
            messages = await self.services.conversations.messages(conversation_id)
        except HearthError as error:  # deleted meanwhile, say
            log.info("No memory suggestions for chat %s: %s", conversation_id, error.plain())
            return
        replies = [m for m in messages if m.role == "assistant" and m.status == "complete"]
        if len(replies) < SUGGEST_AFTER_REPLIES:
            return
        self._mark_suggested(conversation_id)
        title = self.chats.title_of(conversation_id)
        if memory.should_suggest_after(model):
            await self.run_suggestions(conversation_id, model, title)
        elif not model.is_local and not self.services.providers.offline:
            self._ask_to_suggest(conversation_id, model, title)

    def _ask_to_suggest(self, conversation_id: int, model, title: str) -> None:
        question = AskToSuggest(title, model, self.window)

        def answered(yes: bool) -> None:
            if yes:
                self.tasks.spawn(
                    self.run_suggestions(conversation_id, model, title, allow_cloud=True),
                    name="suggest-memories",
                )

        question.answered.connect(answered)
        self.suggestion_question = question
        self.host._keep(question)
        question.open()

    async def run_suggestions(
        self, conversation_id: int, model, title: str, *, allow_cloud: bool = False
    ) -> MemorySuggestions | None:
        """Ask the model in the background; show what it proposes. Failures are only logged:
        the user did not ask for this, so an error dialog would be noise."""
        try:
            proposals = await self.services.memory.suggest(
                conversation_id=conversation_id, model=model, allow_cloud=allow_cloud
            )
        except HearthError as error:
            log.info("No memory suggestions for chat %s: %s", conversation_id, error.plain())
            return None
        except Exception:
            log.warning("Memory suggestions failed for chat %s", conversation_id, exc_info=True)
            return None
        if not proposals:
            log.info("The model suggested nothing to remember from chat %s", conversation_id)
            return None
        dialog = MemorySuggestions(title, proposals, self.window)
        dialog.approved.connect(lambda chosen: self._save_suggestions(chosen))
        self.memory_suggestions = dialog
        self.host._keep(dialog)
        dialog.open()
        return dialog

    def _save_suggestions(self, chosen: list[str]) -> None:
        if chosen:
            self.tasks.spawn(self._approve(chosen), name="approve-memories")

    async def _approve(self, chosen: list[str]) -> None:
        try:
            saved = await self.services.memory.approve(proposals=chosen)
        except HearthError as error:
            self.toast.inform(f"Not all of these could be remembered. {error.plain()}")
            return
        count = len(saved)
        self.toast.inform(f"Remembered {count} fact{'' if count == 1 else 's'}.")
        self._memories_changed()

    def _suggested_chats(self) -> list[int]:
        return list(self.services.settings.get(SUGGESTED_KEY) or [])

    def _mark_suggested(self, conversation_id: int) -> None:
        done = [c for c in self._suggested_chats() if c != conversation_id]
        self.services.settings.set(SUGGESTED_KEY, [*done, conversation_id][-SUGGESTED_KEPT:])
