"""The main window: conversations on the left, the chat on the right, the composer below it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.records import Conversation
from app.services import Services
from app.services.chat import ReplyFinished, ReplyStarted
from app.ui.add_models import AddOutcome, add_model_files, ask_for_model_files
from app.ui.chat_session import ChatSession
from app.ui.chat_view import COLUMN_MAX_WIDTH, ChatView
from app.ui.composer import Composer
from app.ui.conversation_actions import ConversationActions
from app.ui.conversation_list import ConversationList
from app.ui.empty_chat import EmptyChat
from app.ui.link_prompt import confirm_open_link
from app.ui.loading_banner import LoadingBanner
from app.ui.markdown_render import warm_up as warm_up_renderer
from app.ui.model_header import ModelHeader
from app.ui.tasks import TaskKeeper
from app.ui.theme import Theme, theme_manager
from app.ui.toast import Toast
from app.ui.welcome import WelcomeScreen
from app.ui.window_state import WindowState

log = logging.getLogger(__name__)

COMPOSER_HINT = "Enter to send · Shift+Enter for a new line"


class MainWindow(ConversationActions, QMainWindow):
    def __init__(self, services: Services, *, data_dir: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Hearth")
        self.services = services
        self.tasks = TaskKeeper()
        self.themes = theme_manager()
        self.window_state = WindowState(data_dir or services.data_dir)
        self.models: list[ModelInfo] = []
        self.current_model: ModelInfo | None = None
        self.conversations: list[Conversation] = []
        self.conversation_id: int | None = None
        self._last_sent_text = ""
        self._dialogs: list[QWidget] = []  # open non-modal dialogs, kept alive until closed
        self._build()
        self.session = ChatSession(services, self.chat_view, self.banner, self.tasks)
        self._connect()
        self._add_shortcuts()
        self.window_state.restore(self, self.splitter)
        self.ready = self.tasks.spawn(self._start(), name="start")

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.welcome = WelcomeScreen()
        self.sidebar = ConversationList()
        self.toast = Toast()
        self.header = ModelHeader()
        self.chat_view = ChatView(self.themes.theme)
        self.empty_chat = EmptyChat()
        self.banner = LoadingBanner()
        self.composer = Composer()
        self.chat_stack = QStackedWidget()
        self.chat_stack.addWidget(self.chat_view)
        self.chat_stack.addWidget(self.empty_chat)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setHandleWidth(1)
        self.splitter.addWidget(self._sidebar_pane())
        self.splitter.addWidget(self._chat_pane())
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.welcome)
        self.setCentralWidget(self.pages)

    def _sidebar_pane(self) -> QWidget:
        pane = QWidget()
        pane.setObjectName("sidebarPane")
        pane.setMinimumWidth(180)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sidebar, 1)
        layout.addWidget(self.toast)
        return pane

    def _chat_pane(self) -> QWidget:
        pane = QWidget()
        pane.setObjectName("chatPane")
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.chat_stack, 1)
        layout.addLayout(_centred(self.banner))
        hint = QLabel(COMPOSER_HINT)
        hint.setObjectName("composerHint")
        column = QVBoxLayout()
        column.setContentsMargins(0, 6, 0, 12)
        column.setSpacing(6)
        column.addWidget(self.composer)
        column.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(_centred(column, margin=24))
        return pane

    def _connect(self) -> None:
        self.welcome.add_model_requested.connect(self.choose_model_files)
        self.empty_chat.add_model_requested.connect(self.choose_model_files)
        self.header.add_model_requested.connect(self.choose_model_files)
        self.header.model_chosen.connect(self.choose_model)
        self.header.chat_menu_requested.connect(self._show_chat_menu)
        self.sidebar.new_chat_requested.connect(self.new_chat)
        self.sidebar.conversation_chosen.connect(self._spawn_open)
        self.sidebar.rename_requested.connect(
            lambda cid, title: self.tasks.spawn(self.rename_conversation(cid, title))
        )
        self.sidebar.pin_requested.connect(
            lambda cid, pinned: self.tasks.spawn(self.pin_conversation(cid, pinned))
        )
        self.sidebar.delete_requested.connect(
            lambda cid: self.tasks.spawn(self.delete_conversation(cid))
        )
        self.sidebar.export_requested.connect(self.export_conversation)
        self.sidebar.search_changed.connect(
            lambda _q: self.tasks.spawn(self.refresh_conversations())
        )
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop_reply)
        self.banner.cancel_requested.connect(self.stop_reply)
        self.chat_view.regenerate_requested.connect(self.regenerate)
        self.chat_view.link_clicked.connect(self._confirm_link)
        self.session.busy_changed.connect(self._on_busy_changed)
        self.session.reply_started.connect(self._on_reply_started)
        self.session.reply_finished.connect(self._on_reply_finished)
        self.session.failed.connect(self._on_send_failed)
        self.themes.changed.connect(self._on_theme_changed)

    def _add_shortcuts(self) -> None:
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_chat)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.sidebar.focus_search)
        # Only while a reply is written, so Esc still closes editors and menus the rest of the time.
        self.stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.stop_shortcut.activated.connect(self.stop_reply)
        self.stop_shortcut.setEnabled(False)

    # -- start-up ------------------------------------------------------------------------------

    async def _start(self) -> None:
        await self.refresh_models()
        await self.refresh_conversations()
        if not self.models and not self.conversations:
            self.pages.setCurrentWidget(self.welcome)
        else:
            self.pages.setCurrentWidget(self.splitter)
            last = self.services.settings.get("last_conversation")
            if any(c.id == last for c in self.conversations):
                await self.open_conversation(last)
            else:
                self.new_chat()
        # Pure Python, so a worker thread can pay for the Markdown imports while the user reads.
        self.tasks.spawn(asyncio.to_thread(warm_up_renderer, self.themes.theme), name="warm-up")

    @property
    def showing_welcome(self) -> bool:
        return self.pages.currentWidget() is self.welcome

    # -- models --------------------------------------------------------------------------------

    async def refresh_models(self) -> None:
        self.models = await self.services.models.list_models()
        chosen = self.services.settings.get("default_model")
        fallback = self.models[0] if self.models else None
        self.current_model = next((m for m in self.models if m.id == chosen), fallback)
        self.header.set_models(self.models, self.current_model)
        self.empty_chat.set_model(self.current_model)

    def choose_model(self, model_id: str) -> None:
        self.services.settings.set("default_model", model_id)
        self.current_model = next((m for m in self.models if m.id == model_id), None)
        self.header.set_models(self.models, self.current_model)
        self.empty_chat.set_model(self.current_model)

    def choose_model_files(self) -> None:
        dialog = ask_for_model_files(self, lambda paths: self.tasks.spawn(self.add_models(paths)))
        self._keep(dialog)

    async def add_models(self, paths: list[str]) -> AddOutcome:
        """What “Add model from disk…” does once files are chosen (tests call it directly)."""
        outcome = await add_model_files(self.services, list(paths))
        await self.refresh_models()
        if outcome.failures:
            self._warn("Some files could not be added", outcome.failure_text())
        if outcome.added and self.showing_welcome:
            self.pages.setCurrentWidget(self.splitter)
            self.new_chat()
        return outcome

    # -- chatting ------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        if self.session.busy:
            return
        self._last_sent_text = text
        self.chat_stack.setCurrentWidget(self.chat_view)
        model_id = self.current_model.id if self.current_model else None
        self.session.send(conversation_id=self.conversation_id, text=text, model_id=model_id)

    def regenerate(self) -> None:
        if self.session.busy or self.conversation_id is None:
            return
        model_id = self.current_model.id if self.current_model else None
        self.session.regenerate(conversation_id=self.conversation_id, model_id=model_id)

    def stop_reply(self) -> None:
        self.session.stop()

    def _on_busy_changed(self, busy: bool) -> None:
        self.composer.set_busy(busy)
        self.header.picker.setEnabled(not busy)
        self.stop_shortcut.setEnabled(busy)

    def _on_reply_started(self, started: ReplyStarted) -> None:
        conversation = started.conversation
        if self.conversation_id is None and self.chat_view.conversation_id == conversation.id:
            self.conversation_id = conversation.id  # the new chat was just saved
            self.services.settings.set("last_conversation", conversation.id)
        if conversation.id == self.conversation_id:
            self.header.set_chat_title(conversation.title)
        self.tasks.spawn(self.refresh_conversations())

    def _on_reply_finished(self, finished: ReplyFinished) -> None:
        self.tasks.spawn(self.refresh_conversations())

    def _on_send_failed(self, error: HearthError) -> None:
        self.chat_view.add_notice(error.plain(), error=True)
        if not self.composer.text():
            self.composer.set_text(self._last_sent_text)  # nothing typed is lost

    # -- odds and ends -------------------------------------------------------------------------

    def _confirm_link(self, url: QUrl) -> None:
        self._keep(confirm_open_link(self, url))

    def _warn(self, heading: str, detail: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Hearth", heading, parent=self)
        box.setInformativeText(detail)
        box.open()
        self._keep(box)

    def _keep(self, dialog: QWidget) -> None:
        self._dialogs = [d for d in self._dialogs if d.isVisible()] + [dialog]

    def _on_theme_changed(self, theme: Theme) -> None:
        self.chat_view.set_theme(theme)
        self.sidebar.list.viewport().update()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.window_state.save(self, self.splitter)
        self.session.stop()
        super().closeEvent(event)


def _centred(inner, *, margin: int = 0) -> QHBoxLayout:
    """Centre a widget or layout in a column no wider than the chat's."""
    holder = QWidget()
    holder.setMaximumWidth(COLUMN_MAX_WIDTH)
    box = QVBoxLayout(holder)
    box.setContentsMargins(margin, 0, margin, 0)
    if isinstance(inner, QWidget):
        box.addWidget(inner)
    else:
        box.addLayout(inner)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addStretch(1)
    row.addWidget(holder, 12)
    row.addStretch(1)
    return row
