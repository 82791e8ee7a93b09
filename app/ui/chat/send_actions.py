"""Sending, regenerating and continuing: the checks before words leave (privacy, then the
monthly budget's hard stop), and what a failed reply offers (Retry, Open Settings, use a local
model).

A controller MainWindow composes: it is given the services, the task keeper, the chat session,
the widgets it drives (chat view, composer, header, the chat stack), the model controller and
`remember` (a “/remember …” line is stored, never sent), the image controller (the pictures
attached, and whether the model can see them), and asks the window only through the narrow
`SendHost` interface. Comparing answers (ui/compare) sends through `send_now` and
`check_then`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu, QStackedWidget, QWidget

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Message
from app.providers.registry import all_providers
from app.services.chat import ReplyStarted
from app.ui.chat.message_footer import (
    CONTINUE,
    OPEN_SETTINGS,
    REGENERATE_WITH,
    RETRY,
    USE_LOCAL,
    model_label,
)
from app.ui.chat.privacy_warning import PrivacyWarning
from app.ui.chat.send_checks import SendChecks
from app.ui.models import REGENERATE

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.chat.chat_session import ChatSession
    from app.ui.chat.chat_view import ChatView
    from app.ui.chat.composer import Composer
    from app.ui.compare import CompareSession
    from app.ui.conversations import ConversationController
    from app.ui.images import ImageController
    from app.ui.models import ModelController, ModelHeader
    from app.ui.shell.tasks import TaskKeeper

REGENERATE_MENU_SIZE = 5


class SendHost(Protocol):
    """What sending asks of the window."""

    def open_settings(self, page: str = ..., provider_id: str | None = ...): ...

    def choose_model_files(self) -> None: ...

    def guard_budget(self, models, draft, proceed, on_cancel=None) -> None: ...

    def restore_draft(self, text: str) -> None: ...  # a cancelled send puts the text back

    def _keep(self, dialog: QWidget) -> None: ...  # a non-modal dialog, kept alive while open


class SendDocuments(Protocol):
    """The user's documents, as sending sees them (DocumentController): whether a collection is
    on, the passages for a message, and the user's yes before they go to a cloud model."""

    @property
    def in_use(self) -> bool: ...

    async def find(self, text: str, model: ModelInfo | None): ...  # a DocumentPlan

    def confirm(self, plan, model: ModelInfo, proceed, on_cancel) -> None: ...


class SendTools(Protocol):
    """Tools (ToolController): a ToolSession for the reply when the “Tools on” chip is on."""

    def session_for_reply(self): ...  # a ToolSession, or None


class SendController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        session: ChatSession,
        compare_session: CompareSession,
        chat_stack: QStackedWidget,
        chat_view: ChatView,
        composer: Composer,
        header: ModelHeader,
        models: ModelController,
        remember: Callable[[str], bool],
        chats: ConversationController,
        host: SendHost,
        images: ImageController | None = None,
        documents: SendDocuments | None = None,
        tools: SendTools | None = None,
    ) -> None:
        self.window = window  # parent of the privacy warning and the regenerate menu
        self.services = services
        self.tasks = tasks
        self.session = session
        self.compare_session = compare_session
        self.chat_stack = chat_stack
        self.chat_view = chat_view
        self.composer = composer
        self.header = header
        self.models = models
        self.remember_command = remember
        self.chats = chats  # the chat on screen, opening one, its title
        self.host = host
        self.images = images  # the pictures attached to the message being written
        self.documents = documents
        self.tools = tools
        session.tools = tools  # Regenerate, Continue and edit-and-resend offer them too
        self.checks = SendChecks(
            window,
            services,
            tasks,
            chat_view=chat_view,
            composer=composer,
            models=models,
            keep=host._keep,
            documents=documents,
        )
        self.regenerate_menu: QMenu | None = None
        self.last_sent_text = ""  # put back in the composer if the reply fails to start
        composer.send_requested.connect(self.send)
        composer.stop_requested.connect(self.stop_reply)
        chat_view.regenerate_requested.connect(lambda: self.regenerate())
        chat_view.reply_action.connect(self.on_reply_action)
        session.reply_started.connect(self._on_reply_started)
        session.failed.connect(self.show_failure)
        models.regenerate_with.connect(lambda model_id: self.regenerate(model_id=model_id))

    # -- sending -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.session.busy or self.compare_session.busy

    def send(self, text: str) -> None:
        if self.remember_command(text):
            return  # “/remember …” is stored here and never sent to a model
        if self.busy:
            return
        self.send_to(text, self.models.current_model)

    def send_to(self, text: str, model: ModelInfo | None) -> None:
        """With pictures attached, a model that cannot see them first offers those that can."""
        if self.images is not None and not self.images.check_model(
            model, lambda chosen: self.send_to(text, chosen), lambda: self.host.restore_draft(text)
        ):
            return
        if self.documents is not None and self.documents.in_use and text:
            # A picture sent without words has no question to look passages up for.
            self.tasks.spawn(self._send_with_documents(text, model))
            return
        if model is None or model.is_local:
            self.send_now(text, model)  # nothing leaves this computer: no check, no wait
            return
        self.tasks.spawn(self._check_history_then_send(text, model))

    async def _send_with_documents(self, text: str, model: ModelInfo | None) -> None:
        """The passages first; for a cloud model the user is told how many leave and agrees,
        then they go through the same privacy check as the text."""
        try:
            plan = await self.documents.find(text, model)
        except HearthError as error:
            self.last_sent_text = text
            self.show_failure(error)
            return
        if model is None or model.is_local:
            self.send_now(text, model, documents=plan)
            return
        self.documents.confirm(
            plan,
            model,
            lambda: self.tasks.spawn(self._check_history_then_send(text, model, plan)),
            on_cancel=lambda: self.host.restore_draft(text),
        )

    async def _check_history_then_send(self, text: str, model: ModelInfo, documents=None) -> None:
        # A chat that moves from a local model to a cloud one sends its whole history: check it.
        cid = self.chats.conversation_id
        history = await self.services.conversations.messages(cid) if cid is not None else []

        def after_privacy(chosen: ModelInfo | None) -> None:
            self.host.guard_budget(
                [chosen],
                text,
                lambda: self.send_now(text, chosen, documents=documents),
                on_cancel=lambda: self.host.restore_draft(text),
            )

        pictures = self.images.count if self.images is not None else 0
        passages = (documents.passages or ()) if documents is not None else ()
        self.check_then(
            text, model, after_privacy, history=history, pictures=pictures, passages=passages
        )

    def check_then(self, text, model, proceed, *, history=(), pictures=0, passages=()) -> None:
        """The privacy warning before an online model (send_checks.SendChecks.check_then)."""
        self.checks.check_then(
            text, model, proceed, history=history, pictures=pictures, passages=passages
        )

    @property
    def privacy_warning(self) -> PrivacyWarning | None:
        return self.checks.privacy_warning

    def send_now(self, text: str, model: ModelInfo | None, *, documents=None) -> None:
        if self.busy:
            return
        if self.images is not None and self.images.preparing:
            self.tasks.spawn(self._send_when_ready(text, model, documents), name="send-images")
            return
        self.last_sent_text = text
        self.chat_stack.setCurrentWidget(self.chat_view)
        self.session.send(
            conversation_id=self.chats.conversation_id,
            text=text,
            model_id=model.id if model else None,
            images=self.images.kept() if self.images is not None else (),
            documents=documents,
            tools=self.session.tool_session(),
        )

    async def _send_when_ready(self, text: str, model: ModelInfo | None, documents=None) -> None:
        """A picture still being made safe: sent as soon as it is (a moment, off the UI thread)."""
        await self.images.wait_ready()
        self.send_now(text, model, documents=documents)

    def regenerate(self, model_id: str | None = None) -> None:
        """A new answer to the last message, by the chosen model or the one given (with the
        passages of the collections turned on, as a new message)."""
        if self.busy or self.chats.conversation_id is None:
            return
        if model_id is None and self.models.current_model is not None:
            model_id = self.models.current_model.id
        conversation_id = self.chats.conversation_id
        model = self.models.find_model(model_id)

        def proceed(documents=None, model: ModelInfo | None = None) -> None:
            # `model`: one on this computer, chosen in the privacy warning over the passages.
            if not self.busy and conversation_id == self.chats.conversation_id:
                self.session.regenerate(
                    conversation_id=conversation_id,
                    model_id=model.id if model is not None else model_id,
                    documents=documents,
                )

        async def question() -> str:
            return await self._asked(conversation_id, None)

        self.host.guard_budget([model], "", lambda: self.with_documents(question, model, proceed))

    def with_documents(self, question, model: ModelInfo | None, proceed) -> None:
        """The passages for a reply made again (send_checks.SendChecks.with_documents)."""
        self.checks.with_documents(question, model, proceed)

    async def _asked(self, conversation_id: int, message_id: int | None) -> str:
        """The user's words a reply answers: the message `message_id`, else the last one."""
        history = await self.services.conversations.messages(conversation_id)
        asked = [m for m in history if m.role == "user"]
        if message_id is not None:
            asked = [m for m in asked if m.id == message_id]
        return asked[-1].content if asked else ""

    def stop_reply(self) -> None:
        self.session.stop()
        self.compare_session.stop()

    # -- what a reply's footer asks for --------------------------------------------------------

    def on_reply_action(self, action: str, message: Message) -> None:
        if action == RETRY:
            self.regenerate(model_id=message.model_id)
        elif action == OPEN_SETTINGS:
            if self.services.providers.offline and not message.is_local:
                self.host.open_settings("privacy")
            else:
                self.host.open_settings("providers", self._known_provider(message.provider))
        elif action == USE_LOCAL:
            local = self.models.default_local_model()
            if local is None:
                self.host.choose_model_files()
                return
            self.models.choose_model(local.id)
            self.regenerate(model_id=local.id)
        elif action == REGENERATE_WITH:
            self.show_regenerate_menu()
        elif action == CONTINUE:
            self.continue_reply(message)

    def continue_reply(self, message: Message) -> None:
        """Continue a stopped reply, by its own model (online ones check the budget first)."""
        if self.busy or message.conversation_id != self.chats.conversation_id:
            return
        model = self.models.find_model(message.model_id)

        def proceed(documents=None, model: ModelInfo | None = None) -> None:
            if self.busy or message.conversation_id != self.chats.conversation_id:
                return
            if model is not None:  # a model on this computer instead: it cannot go on with
                # another model's words, so it answers anew (the stopped reply stays a version)
                self.session.regenerate(
                    conversation_id=message.conversation_id, model_id=model.id, documents=documents
                )
                return
            self.session.continue_reply(message_id=message.id, documents=documents)

        async def question() -> str:
            return await self._asked(message.conversation_id, message.parent_id)

        self.host.guard_budget(
            [model], message.content, lambda: self.with_documents(question, model, proceed)
        )

    def _known_provider(self, provider_id: str | None) -> str | None:
        known = {spec.id for spec in all_providers()}
        return provider_id if provider_id in known else None

    def show_regenerate_menu(self) -> QMenu:
        """“Regenerate with …”: the recent models, then the whole picker."""
        menu = QMenu(self.window)
        offline = self.services.providers.offline
        recent = self.services.settings.get("recent_models") or []
        for model_id in recent[:REGENERATE_MENU_SIZE]:
            model = self.models.find_model(model_id)
            if model is None:
                continue
            action = menu.addAction(f"With {model_label(model.id)}  ·  {model.where}")
            action.setEnabled(not (offline and not model.is_local))
            action.triggered.connect(lambda _c=False, m=model.id: self.regenerate(model_id=m))
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addAction("Choose another model…", lambda: self.models.open_picker(REGENERATE))
        self.regenerate_menu = menu
        menu.popup(QCursor.pos())
        return menu

    # -- what the chat session says --------------------------------------------------------------

    def _on_reply_started(self, started: ReplyStarted) -> None:
        conversation = started.conversation
        if self.chats.conversation_id is None and self.chat_view.conversation_id == conversation.id:
            self.chats.conversation_id = conversation.id  # the new chat was just saved
            # Off the window's thread: this runs while the request is on its way.
            self.services.settings.set_soon("last_conversation", conversation.id)
        if conversation.id == self.chats.conversation_id:
            self.header.set_chat_title(conversation.title)
        user = started.user_message
        if self.images is not None and user is not None and user.images:
            self.images.forget_sent(user.images)  # stored with the message: off the composer
        self.tasks.spawn(self.chats.refresh_conversations())

    def show_failure(self, error: HearthError) -> None:
        """A reply (or a comparison) that could not start: said in the chat, the text kept."""
        self.chat_view.add_notice(error.plain(), error=True)
        if not self.composer.text():
            self.composer.set_text(self.last_sent_text)  # nothing typed is lost
