"""The main window: conversations on the left, the chat on the right, the composer below it.

It lays out the widgets and composes the controllers (conversations, history, search, downloads,
costs), each given what it needs; the methods that only hand over to a controller are kept for
callers (and tests) that ask the window. Memory, models and sending are still mixins."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from app.core.chat import ModelInfo
from app.core.records import Conversation
from app.services import Services
from app.services.models import ModelGroup
from app.ui.chat.chat_session import ChatSession
from app.ui.chat.chat_view import ChatView
from app.ui.chat.composer import Composer
from app.ui.chat.empty_chat import EmptyChat
from app.ui.chat.history_actions import HistoryController
from app.ui.chat.link_prompt import confirm_open_link
from app.ui.chat.markdown_render import warm_up as warm_up_renderer
from app.ui.chat.send_actions import SendActions
from app.ui.compare.compare_session import CompareSession
from app.ui.compare.compare_view import CompareView
from app.ui.conversations.conversation_actions import ConversationController
from app.ui.conversations.conversation_list import ConversationList
from app.ui.costs.cost_actions import CostController
from app.ui.downloads.download_actions import DownloadController
from app.ui.memory.memory_actions import MemoryActions
from app.ui.models.add_models import AddOutcome, add_model_files, ask_for_model_files
from app.ui.models.loading_banner import LoadingBanner
from app.ui.models.model_actions import DETECT_AFTER_S, ModelActions
from app.ui.models.model_header import PICKER_SHORTCUT, ModelHeader
from app.ui.models.model_picker import ModelPicker
from app.ui.search.search_actions import SearchController
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import THEME_SETTING, Theme, theme_manager
from app.ui.shell.toast import Toast
from app.ui.shell.window_layout import SETTINGS_SHORTCUT, SidebarPane, chat_pane
from app.ui.shell.window_state import WindowState
from app.ui.welcome.welcome import WelcomeScreen

if TYPE_CHECKING:
    from app.ui.settings.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)


class MainWindow(
    MemoryActions,
    ModelActions,
    SendActions,
    QMainWindow,
):
    def __init__(self, services: Services, *, data_dir: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Hearth")
        self.services = services
        self.tasks = TaskKeeper()
        self.themes = theme_manager()
        self.themes.set_choice(services.settings.get(THEME_SETTING))  # Settings → Appearance
        self.window_state = WindowState(data_dir or services.data_dir)
        self.groups: list[ModelGroup] = []
        self.models: list[ModelInfo] = []  # every model that can answer now, local first
        self.current_model: ModelInfo | None = None
        self.settings_dialog: SettingsDialog | None = None
        self.models_loaded: asyncio.Task | None = None  # the full list, online services too
        self.servers_detected: asyncio.Task | None = None  # Ollama / LM Studio, just after start
        self._models_generation = 0
        self._last_sent_text = ""
        self._busy_with = {"reply": False, "compare": False}
        self._dialogs: list[QWidget] = []  # open non-modal dialogs, kept alive until closed
        self._build()
        self.downloads = DownloadController(
            services, self.tasks, self.welcome, parent=self, host=self
        )
        self.session = ChatSession(services, self.chat_view, self.banner, self.tasks)
        self.compare_session = CompareSession(services, self.compare_view, self.tasks)
        self.chats = ConversationController(
            self, services, self.tasks, widgets=self, host=self, keep=self._keep, warn=self._warn
        )
        self._connect()
        self.costs = CostController(self, services, self.tasks, widgets=self, host=self)
        self.setStatusBar(self.costs.usage_bar)
        self.history = HistoryController(
            services,
            self.tasks,
            chat_view=self.chat_view,
            session=self.session,
            toast=self.toast,
            chats=self.chats,
            host=self,
        )
        self.search = SearchController(
            self,
            services,
            self.tasks,
            self.themes,
            chat_stack=self.chat_stack,
            chat_view=self.chat_view,
            composer=self.composer,
            showing_welcome=lambda: self.showing_welcome,
            open_at=self.open_conversation_at,
        )
        self.setup_memory()
        self._add_shortcuts()
        self.window_state.restore(self, self.splitter)
        self.ready = self.tasks.spawn(self._start(), name="start")

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.welcome = WelcomeScreen()
        self.sidebar = ConversationList()
        self.toast = Toast()
        self.header = ModelHeader()
        self.picker = ModelPicker(self)
        self.chat_view = ChatView(self.themes.theme)
        self.compare_view = CompareView(self.themes.theme)
        self.empty_chat = EmptyChat()
        self.banner = LoadingBanner()
        self.composer = Composer()
        self.chat_stack = QStackedWidget()
        self.chat_stack.addWidget(self.chat_view)
        self.chat_stack.addWidget(self.empty_chat)
        self.chat_stack.addWidget(self.compare_view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setHandleWidth(1)
        sidebar = SidebarPane(self.sidebar, self.toast, self.services.downloads)
        self.download_indicator = sidebar.download_indicator
        self.settings_button = sidebar.settings_button
        self.settings_button.clicked.connect(lambda: self.open_settings())
        self.models_button = sidebar.models_button
        self.models_button.clicked.connect(lambda: self.downloads.open_model_manager())
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(chat_pane(self.header, self.chat_stack, self.banner, self.composer))
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.welcome)
        self.setCentralWidget(self.pages)

    def _connect(self) -> None:
        self.welcome.add_model_requested.connect(self.choose_model_files)
        self.welcome.cloud_requested.connect(lambda: self.open_settings("providers"))
        self.welcome.download_requested.connect(self.downloads.open_downloads)
        self.welcome.import_requested.connect(
            lambda: self.open_settings("chats").chats.choose_import_file()
        )
        self.download_indicator.open_requested.connect(self.downloads.open_downloads)
        self.empty_chat.add_model_requested.connect(self.choose_model_files)
        self.header.picker_requested.connect(self.open_picker)
        self.header.offline_clicked.connect(lambda: self.open_settings("privacy"))
        self.picker.model_chosen.connect(self._on_picker_chosen)
        self.picker.add_key_requested.connect(lambda pid: self.open_settings("providers", pid))
        self.picker.add_model_requested.connect(self.choose_model_files)
        self.picker.providers_requested.connect(lambda: self.open_settings("providers"))
        self.picker.favourite_toggled.connect(self.toggle_favourite)
        self.composer.send_requested.connect(self.send)
        self.composer.stop_requested.connect(self.stop_reply)
        self.composer.compare_requested.connect(self.ask_compare)
        self.banner.cancel_requested.connect(self.stop_reply)
        self.chat_view.regenerate_requested.connect(lambda: self.regenerate())
        self.chat_view.reply_action.connect(self.on_reply_action)
        self.chat_view.link_clicked.connect(self._confirm_link)
        self.session.busy_changed.connect(lambda busy: self._on_busy_changed("reply", busy))
        self.session.reply_started.connect(self._on_reply_started)
        self.session.reply_finished.connect(self._on_reply_finished)
        self.session.failed.connect(self._on_send_failed)
        # While answers are compared, the composer waits: one is kept, or the user goes back.
        self.chat_stack.currentChanged.connect(lambda _i: self.composer.set_waiting(self.comparing))
        self.compare_view.keep_requested.connect(self.keep_answer)
        self.compare_view.back_requested.connect(self.leave_compare)
        self.compare_session.busy_changed.connect(
            lambda busy: self._on_busy_changed("compare", busy)
        )
        self.compare_session.conversation_started.connect(self._on_compare_started)
        self.compare_session.failed.connect(self._on_compare_failed)
        self.themes.changed.connect(self._on_theme_changed)

    def _add_shortcuts(self) -> None:
        QShortcut(QKeySequence.StandardKey.New, self, activated=self.new_chat)
        QShortcut(PICKER_SHORTCUT, self, activated=lambda: self.open_picker())
        QShortcut(SETTINGS_SHORTCUT, self, activated=lambda: self.open_settings())
        # Only while a reply is written, so Esc still closes editors and menus the rest of the time.
        self.stop_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self.stop_shortcut.activated.connect(self.stop_reply)
        self.stop_shortcut.setEnabled(False)

    # -- start-up ------------------------------------------------------------------------------

    async def _start(self) -> None:
        # Model files and chats are enough to show the window. Which online services have a key
        # is asked of the keychain, whose backends take ~0.1 s to load: just after, on a worker
        # thread (a key found on a first start then leaves the welcome screen at once).
        await self.show_local_models()
        await self.refresh_conversations()
        self.tasks.spawn(self.costs.refresh_usage(), name="usage")
        self.header.set_offline(self.services.providers.offline)
        if not self.local_files and not self.conversations:
            self.pages.setCurrentWidget(self.welcome)
            self.downloads.prepare_welcome()  # its main button downloads the model suggested here
        else:
            self.pages.setCurrentWidget(self.splitter)
            last = self.services.settings.get("last_conversation")
            if any(c.id == last for c in self.conversations):
                await self.open_conversation(last)
            else:
                self.new_chat()
        self.models_loaded = self.tasks.spawn(self.after_models_changed(), name="models")
        # Pure Python, so a worker thread can pay for the Markdown imports while the user reads.
        self.tasks.spawn(asyncio.to_thread(warm_up_renderer, self.themes.theme), name="warm-up")
        self.servers_detected = self.tasks.spawn(
            self.detect_local_servers(delay=DETECT_AFTER_S), name="detect-servers"
        )
        self.downloads.start_downloads()  # unfinished go on; finished ones join the picker

    @property
    def showing_welcome(self) -> bool:
        return self.pages.currentWidget() is self.welcome

    @property
    def comparing(self) -> bool:
        return self.chat_stack.currentWidget() is self.compare_view

    # -- search (tests reach the controller's widgets through the window) ------------------------

    @property
    def search_panel(self):
        return self.search.search_panel

    @property
    def find_bar(self):
        return self.search.find_bar

    @property
    def finder(self):
        return self.search.finder

    def open_search(self) -> None:
        self.search.open_search()

    def open_find(self) -> None:
        self.search.open_find()

    def close_find(self) -> None:
        self.search.close_find()

    # -- downloads (the controller's; tests and the other parts call them on the window) -------

    @property
    def _downloads_dialog(self):
        return self.downloads.downloads_dialog

    @property
    def _model_manager(self):
        return self.downloads.model_manager

    def show_new_chat(self) -> None:
        """A new chat in front: off the welcome screen, the window raised."""
        if self.showing_welcome:
            self.show_chats()
        self.new_chat()
        self.raise_()
        self.activateWindow()

    # -- conversations (the controller's; tests and the other parts call them on the window) ---

    @property
    def conversation_id(self) -> int | None:
        return self.chats.conversation_id

    @conversation_id.setter
    def conversation_id(self, value: int | None) -> None:
        self.chats.conversation_id = value

    @property
    def conversations(self) -> list[Conversation]:
        return self.chats.conversations

    def show_chats(self) -> None:
        self.pages.setCurrentWidget(self.splitter)

    def new_chat(self) -> None:
        self.chats.new_chat()

    async def refresh_conversations(self) -> None:
        await self.chats.refresh_conversations()

    async def open_conversation(self, conversation_id: int) -> None:
        await self.chats.open_conversation(conversation_id)

    async def _export(self, conversation_id: int, path: Path) -> None:
        await self.chats._export(conversation_id, path)

    # -- costs (the controller's; the other controllers and tests ask the window) -----------

    @property
    def usage_bar(self):
        return self.costs.usage_bar

    @property
    def usage_dashboard(self):
        return self.costs.usage_dashboard

    @property
    def budget_confirm(self):
        return self.costs.budget_confirm

    async def refresh_usage(self) -> None:
        await self.costs.refresh_usage()

    def set_history(self, messages) -> None:
        self.costs.set_history(messages)

    async def load_history(self) -> None:
        await self.costs.load_history()

    async def refresh_chat_cost(self) -> None:
        await self.costs.refresh_chat_cost()

    def guard_budget(self, models, draft, proceed, on_cancel=None) -> None:
        self.costs.guard_budget(models, draft, proceed, on_cancel)

    async def open_conversation_at(self, message_id: int) -> bool:
        return await self.history.open_conversation_at(message_id)

    def refresh_message_marks(self) -> asyncio.Task:
        return self.history.refresh_message_marks()

    def forget_sent_text(self) -> None:
        self._last_sent_text = ""

    # -- models --------------------------------------------------------------------------------

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
        self.compare_view.set_theme(theme)
        self.sidebar.list.viewport().update()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.window_state.save(self, self.splitter)
        self.stop_reply()
        self.costs.forget_costs()
        for dialog in (self.settings_dialog, self.usage_dashboard):
            if dialog is not None:
                dialog.close()
        self.downloads.close_download_windows()
        super().closeEvent(event)
