"""What a chat is told and what it is called: personas (“New chat with …”, “Use persona”), the
chat's own system prompt, the small badge in the header that shows either, and the title a new
chat gets after its first reply.

A controller MainWindow composes: it is given the services, the task keeper, the widgets it
drives (header, sidebar, toast) and the model controller (a persona brings its model), and asks
the window only through the narrow `PersonaHost` interface (the chat on screen, opening one,
Settings, keeping a dialog open).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from app.core.errors import HearthError
from app.store.personas import Persona
from app.ui.memory.system_prompt_dialog import SystemPromptDialog

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.conversations import ConversationController, ConversationList
    from app.ui.models import ModelController, ModelHeader
    from app.ui.settings import SettingsDialog
    from app.ui.shell.tasks import TaskKeeper
    from app.ui.shell.toast import Toast

log = logging.getLogger(__name__)

OWN_PROMPT = "Own instructions"
TIP_CHARS = 400


class PersonaHost(Protocol):
    """What personas and titles ask of the window."""

    @property
    def showing_welcome(self) -> bool: ...

    def settings_window(self) -> SettingsDialog: ...  # made on first use, left on its page

    def _keep(self, dialog: QWidget) -> None: ...  # a non-modal dialog, kept alive while open


class PersonaController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        header: ModelHeader,
        sidebar: ConversationList,
        toast: Toast,
        models: ModelController,
        chats: ConversationController,
        host: PersonaHost,
    ) -> None:
        self.window = window  # parent of the system prompt dialog
        self.services = services
        self.tasks = tasks
        self.header = header
        self.sidebar = sidebar
        self.toast = toast
        self.models = models
        self.chats = chats  # the chat on screen, opening one, its title
        self.host = host
        self.personas: list[Persona] = []
        self._persona_chats_unused: set[int] = set()  # started with a persona, nothing sent yet
        self.system_prompt_dialog: SystemPromptDialog | None = None
        self._titled: set[int] = set()  # new chats already given a title
        self.title_task: asyncio.Task | None = None
        self.prompt_badge = QPushButton(header)
        self.prompt_badge.setObjectName("promptBadge")
        self.prompt_badge.setCursor(Qt.CursorShape.PointingHandCursor)
        self.prompt_badge.clicked.connect(
            lambda: self.edit_system_prompt(self.chats.conversation_id)
        )
        self.prompt_badge.hide()
        row = header.layout()
        row.insertWidget(row.indexOf(header.title), self.prompt_badge)
        sidebar.persona_chat_requested.connect(
            lambda pid: self.tasks.spawn(self.new_chat_with_persona(pid), name="persona-chat")
        )
        sidebar.personas_requested.connect(lambda: self.open_personas())
        sidebar.system_prompt_requested.connect(self.edit_system_prompt)
        sidebar.use_persona_requested.connect(
            lambda cid, pid: self.tasks.spawn(self.use_persona(cid, pid), name="use-persona")
        )
        tasks.spawn(self.refresh_personas(), name="personas")

    async def refresh_personas(self) -> None:
        self.personas = await self.services.history.personas()
        self.sidebar.set_personas([(p.id, p.name) for p in self.personas])
        await self.show_prompt_badge(self.chats.conversation_id)

    def open_personas(self, persona_id: int | None = None):
        return self.host.settings_window().show_personas(persona_id)

    def _persona(self, persona_id: int) -> Persona | None:
        return next((p for p in self.personas if p.id == persona_id), None)

    def conversation_shown(self, conversation_id: int | None) -> None:
        """A chat (None: a new one) is on screen: its badge; a persona's chat left unused goes."""
        self.tasks.spawn(self.show_prompt_badge(conversation_id), name="prompt-badge")
        self.tasks.spawn(self.drop_unused_persona_chats(conversation_id), name="unused-chats")

    # -- personas ------------------------------------------------------------------------------

    async def new_chat_with_persona(self, persona_id: int) -> int | None:
        """A chat that starts with the persona's instructions, on its model when it has one."""
        if self.host.showing_welcome:
            return None
        try:
            conversation = await self.services.history.start_with_persona(persona_id=persona_id)
        except HearthError as error:
            self.toast.inform(error.plain())
            await self.refresh_personas()
            return None
        persona = self._persona(persona_id)
        if persona is not None:
            self._use_model_of(persona)
        self._persona_chats_unused.add(conversation.id)
        await self.chats.refresh_conversations()
        await self.chats.open_conversation(conversation.id)
        return conversation.id

    async def drop_unused_persona_chats(self, shown: int | None) -> None:
        """A chat started with a persona is saved at once (it holds the instructions); left
        without a message, it goes, like a new chat nobody wrote in."""
        for conversation_id in [c for c in self._persona_chats_unused if c != shown]:
            self._persona_chats_unused.discard(conversation_id)
            if not await self.services.conversations.messages(conversation_id):
                await self.services.conversations.delete(conversation_id)
                await self.chats.refresh_conversations()

    async def use_persona(self, conversation_id: int, persona_id: int) -> None:
        """“Use persona” on a chat: its instructions from the next reply on, and its model."""
        try:
            persona = await self.services.history.apply_persona(
                conversation_id=conversation_id, persona_id=persona_id
            )
        except HearthError as error:
            self.toast.inform(error.plain())
            return
        if conversation_id == self.chats.conversation_id:
            self._use_model_of(persona)
            await self.show_prompt_badge(conversation_id)
        self.toast.inform(f"The chat now follows “{persona.name}” from the next reply on.")

    def _use_model_of(self, persona: Persona) -> None:
        if not persona.default_model:
            return
        if self.models.find_model(persona.default_model) is None:
            self.toast.inform(
                f"{persona.name}'s model ({persona.default_model}) is not available now, "
                "so the chat keeps the current one."
            )
            return
        self.models.choose_model(persona.default_model)

    # -- the chat's own system prompt ----------------------------------------------------------

    def edit_system_prompt(self, conversation_id: int | None):
        if conversation_id is None:
            return None
        return self.tasks.spawn(self._open_prompt_dialog(conversation_id), name="system-prompt")

    async def _open_prompt_dialog(self, conversation_id: int) -> SystemPromptDialog:
        own = await self.services.history.system_prompt(conversation_id=conversation_id)
        dialog = SystemPromptDialog(
            self.chats.title_of(conversation_id), own, self.default_system_prompt(), self.window
        )
        dialog.default_saved.connect(
            lambda text: self.tasks.spawn(self.set_default_system_prompt(conversation_id, text))
        )
        dialog.saved.connect(
            lambda text: self.tasks.spawn(self.set_system_prompt(conversation_id, text))
        )
        self.system_prompt_dialog = dialog
        self.host._keep(dialog)
        dialog.open()
        return dialog

    async def set_system_prompt(self, conversation_id: int, text: str | None) -> None:
        await self.services.history.set_system_prompt(conversation_id=conversation_id, text=text)
        if conversation_id == self.chats.conversation_id:
            await self.show_prompt_badge(conversation_id)
        self.toast.inform(
            "This chat has its own instructions now."
            if text
            else "This chat uses the default instructions again."
        )

    async def set_default_system_prompt(self, conversation_id: int, text: str) -> None:
        """The instructions every chat without its own gets (a model's own, set in Models, still
        wins for that model); the chat it was written in follows them too."""
        self.services.settings.set("system_prompt", text)
        await self.services.history.set_system_prompt(conversation_id=conversation_id, text=None)
        if conversation_id == self.chats.conversation_id:
            await self.show_prompt_badge(conversation_id)
        self.toast.inform(
            "Every chat without its own instructions now gets these."
            if text
            else "Chats without their own instructions now get none."
        )

    def default_system_prompt(self) -> str:
        """What a chat without its own prompt is told: the model's own, else the app-wide one."""
        settings = self.services.settings
        model = self.models.current_model
        own = self.services.models.defaults_for(model.id).get("system_prompt") if model else None
        return own or settings.get("system_prompt") or ""

    async def show_prompt_badge(self, conversation_id: int | None) -> None:
        """A quiet badge beside the title when the chat has a persona or its own instructions."""
        prompt, persona_id = None, None
        if conversation_id is not None:
            history = self.services.history
            try:
                prompt = await history.system_prompt(conversation_id=conversation_id)
                persona_id = await history.persona_id(conversation_id=conversation_id)
            except HearthError:
                prompt = None  # the chat was deleted meanwhile
        if conversation_id != self.chats.conversation_id:
            return
        if not prompt:
            self.prompt_badge.hide()
            return
        persona = self._persona(persona_id) if persona_id is not None else None
        self.prompt_badge.setText(persona.name if persona else OWN_PROMPT)
        shown = prompt if len(prompt) <= TIP_CHARS else prompt[: TIP_CHARS - 1] + "…"
        self.prompt_badge.setToolTip(f"This chat's instructions:\n\n{shown}\n\nClick to change.")
        self.prompt_badge.show()

    # -- titles --------------------------------------------------------------------------------

    def title_new_chat(self, conversation_id: int, model_id: str | None) -> None:
        if conversation_id not in self._titled:
            self.title_task = self.tasks.spawn(
                self._auto_title(conversation_id, model_id), name="auto-title"
            )

    async def _auto_title(self, conversation_id: int, model_id: str | None) -> None:
        """After a new chat's first reply: a short title, written by the model when it runs on
        this computer, else the first words. A title the user gave is kept (HistoryService)."""
        messages = await self.services.conversations.messages(conversation_id)
        if sum(1 for m in messages if m.role == "assistant") != 1:
            return  # not a new chat
        self._titled.add(conversation_id)
        model = self.models.find_model(model_id)
        try:
            title = await self.services.history.auto_title(
                conversation_id=conversation_id, model=model if model and model.is_local else None
            )
        except HearthError as error:
            log.info("No automatic title for chat %s: %s", conversation_id, error.plain())
            return
        await self.chats.refresh_conversations()
        if conversation_id == self.chats.conversation_id:
            self.header.set_chat_title(title)
