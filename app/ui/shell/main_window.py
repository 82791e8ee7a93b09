"""The main window: conversations on the left, the chat on the right, the composer below it.

It lays out the widgets and composes one controller per feature (app/ui/__init__ has the map),
each given what it needs; they talk through Qt signals wired here, or through the narrow host
interface each declares, which the window implements by handing over to the controller."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from app.core.chat import ModelInfo
from app.services import Services
from app.ui.chat.chat_session import ChatSession
from app.ui.chat.chat_view import ChatView
from app.ui.chat.composer import Composer
from app.ui.chat.empty_chat import EmptyChat
from app.ui.chat.history_actions import HistoryController
from app.ui.chat.link_prompt import confirm_open_link
from app.ui.chat.markdown_render import warm_up as warm_up_renderer
from app.ui.chat.send_actions import SendController
from app.ui.compare.compare_actions import CompareController
from app.ui.compare.compare_session import CompareSession
from app.ui.compare.compare_view import CompareView
from app.ui.conversations.conversation_actions import ConversationController
from app.ui.conversations.conversation_list import ConversationList
from app.ui.costs.cost_actions import CostController
from app.ui.documents import DocumentController
from app.ui.downloads.download_actions import DownloadController
from app.ui.images import ImageController
from app.ui.memory.memory_actions import MemoryController
from app.ui.memory.persona_actions import PersonaController
from app.ui.models.add_models import AddOutcome, add_from_disk, ask_for_model_files
from app.ui.models.loading_banner import LoadingBanner
from app.ui.models.model_actions import DETECT_AFTER_S, ModelController
from app.ui.models.model_header import PICKER_SHORTCUT, ModelHeader
from app.ui.models.model_picker import ModelPicker
from app.ui.search.search_actions import SearchController
from app.ui.server.server_actions import ServerController
from app.ui.settings.settings_actions import SettingsController
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import THEME_SETTING, Theme, theme_manager
from app.ui.shell.toast import Toast
from app.ui.shell.window_layout import SETTINGS_SHORTCUT, SidebarPane, chat_pane
from app.ui.shell.window_state import WindowState
from app.ui.tools.tool_actions import ToolController
from app.ui.welcome.welcome import WelcomeScreen

if TYPE_CHECKING:
    from app.ui.settings.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    closed = Signal()  # closed for good (not hidden to the tray): the app ends

    def __init__(self, services: Services, *, data_dir: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Hearth")
        self.services = services
        self.tasks = TaskKeeper()
        self.themes = theme_manager()
        self.themes.set_choice(services.settings.get(THEME_SETTING))  # Settings → Appearance
        self.window_state = WindowState(data_dir or services.data_dir)
        self.models_loaded: asyncio.Task | None = None  # the full list, online services too
        self.servers_detected: asyncio.Task | None = None  # Ollama / LM Studio, just after start
        self._busy_with = {"reply": False, "compare": False}
        self._dialogs: list[QWidget] = []  # open non-modal dialogs, kept alive until closed
        self.projector_choice = None  # the last “which projector?” question asked
        self._build()
        self.models = ModelController(
            services, self.tasks, header=self.header, empty_chat=self.empty_chat,
            picker=self.picker, showing_welcome=lambda: self.showing_welcome,
            conversation_id=lambda: self.conversation_id,
        )  # fmt: skip
        self.downloads = DownloadController(
            services, self.tasks, self.welcome, parent=self, host=self
        )
        self.session = ChatSession(services, self.chat_view, self.banner, self.tasks)
        self.compare_session = CompareSession(services, self.compare_view, self.tasks)
        self.chats = ConversationController(
            self, services, self.tasks, widgets=self, host=self, keep=self._keep, warn=self._warn
        )
        self.costs = CostController(self, services, self.tasks, widgets=self, host=self)
        self.setStatusBar(self.costs.usage_bar)
        self.server = ServerController(
            self, services, self.tasks, status_bar=self.costs.usage_bar,
            open_page=lambda: self.open_settings("server"),
        )  # fmt: skip
        self._compose_chat()
        self._connect()
        self.history = HistoryController(
            services, self.tasks, chat_view=self.chat_view, session=self.session,
            toast=self.toast, chats=self.chats, host=self,
        )  # fmt: skip
        self.search = SearchController(
            self, services, self.tasks, self.themes, chat_stack=self.chat_stack,
            chat_view=self.chat_view, composer=self.composer,
            showing_welcome=lambda: self.showing_welcome, open_at=self.history.open_conversation_at,
        )  # fmt: skip
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
        self.documents = DocumentController(self, self.services, self.tasks, host=self,
            button=sidebar.documents_button, chat_view=self.chat_view)  # fmt: skip
        self.splitter.addWidget(sidebar)
        chips = QWidget()  # above the composer: what goes with a message (documents, tools)
        self.chip_row = QHBoxLayout(chips)
        self.chip_row.setContentsMargins(0, 0, 0, 0)
        self.chip_row.setSpacing(6)
        self.chip_row.addWidget(self.documents.chip)
        pane = chat_pane(self.header, self.chat_stack, self.banner, self.composer,
                         side=self.documents.side, chip=chips)  # fmt: skip
        self.splitter.addWidget(pane)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.splitter)
        self.pages.addWidget(self.welcome)
        self.setCentralWidget(self.pages)

    def _compose_chat(self) -> None:
        """The controllers of the chat itself: pictures, sending, comparing, memory, personas."""
        common = dict(chats=self.chats, models=self.models, host=self)
        self.personas = PersonaController(
            self, self.services, self.tasks, header=self.header, sidebar=self.sidebar,
            toast=self.toast, **common,
        )  # fmt: skip
        self.memory = MemoryController(
            self, self.services, self.tasks, chat_view=self.chat_view, composer=self.composer,
            toast=self.toast, **common,
        )  # fmt: skip
        self.images = ImageController(
            self, self.services, self.tasks, composer=self.composer, models=self.models,
            drop_on=[self.chat_view, self.empty_chat],  # pictures dropped there are attached
        )  # fmt: skip
        self.tools = ToolController(
            self, self.services, chat_view=self.chat_view, session=self.session,
            chips=self.chip_row,
        )  # fmt: skip
        self.sending = SendController(
            self, self.services, self.tasks, session=self.session,
            compare_session=self.compare_session, chat_stack=self.chat_stack,
            chat_view=self.chat_view, composer=self.composer, header=self.header,
            remember=self.memory.remember_command, images=self.images, documents=self.documents,
            tools=self.tools,
            **common,
        )  # fmt: skip
        self.compare = CompareController(
            self, self.services, self.tasks, session=self.compare_session,
            view=self.compare_view, chat_stack=self.chat_stack, empty_chat=self.empty_chat,
            composer=self.composer, header=self.header, **common,
        )  # fmt: skip
        self.settings = SettingsController(
            self, self.services, self.tasks, models=self.models, costs=self.costs,
            chats=self.chats, memory=self.memory, personas=self.personas,
            models_changed=self.after_models_changed, offline_changed=self._on_offline_changed,
            server=self.server,
        )  # fmt: skip

    def _connect(self) -> None:
        self.welcome.add_model_requested.connect(self.choose_model_files)
        self.welcome.cloud_requested.connect(lambda: self.open_settings("providers"))
        self.welcome.download_requested.connect(self.downloads.open_downloads)
        self.welcome.import_requested.connect(
            lambda: self.open_settings("chats").chats.choose_import_file()
        )
        self.download_indicator.open_requested.connect(self.downloads.open_downloads)
        self.empty_chat.add_model_requested.connect(self.choose_model_files)
        self.header.offline_clicked.connect(lambda: self.open_settings("privacy"))
        self.picker.add_key_requested.connect(lambda pid: self.open_settings("providers", pid))
        self.picker.add_model_requested.connect(self.choose_model_files)
        self.picker.providers_requested.connect(lambda: self.open_settings("providers"))
        self.models.shown.connect(self.costs.on_model_shown)  # the estimate next to Send
        self.banner.cancel_requested.connect(self.stop_reply)
        self.chat_view.link_clicked.connect(self._confirm_link)
        self.session.busy_changed.connect(lambda busy: self._on_busy_changed("reply", busy))
        self.session.reply_finished.connect(self._on_reply_finished)
        # While answers are compared, the composer waits: one is kept, or the user goes back.
        self.chat_stack.currentChanged.connect(lambda _i: self.composer.set_waiting(self.comparing))
        self.compare_session.busy_changed.connect(
            lambda busy: self._on_busy_changed("compare", busy)
        )
        self.themes.changed.connect(self._on_theme_changed)
        self.server.served.connect(self._after_served)

    def _add_shortcuts(self) -> None:
        QShortcut(QKeySequence.StandardKey.New, self, activated=lambda: self.chats.new_chat())
        QShortcut(PICKER_SHORTCUT, self, activated=lambda: self.models.open_picker())
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
        await self.models.show_local_models()
        await self.chats.refresh_conversations()
        self.tasks.spawn(self.costs.refresh_usage(), name="usage")
        self.header.set_offline(self.services.providers.offline)
        if not self.models.local_files and not self.chats.conversations:
            self.pages.setCurrentWidget(self.welcome)
            self.downloads.prepare_welcome()  # its main button downloads the model suggested here
        else:
            self.pages.setCurrentWidget(self.splitter)
            last = self.services.settings.get("last_conversation")
            if any(c.id == last for c in self.chats.conversations):
                await self.chats.open_conversation(last)
            else:
                self.chats.new_chat()
        self.models_loaded = self.tasks.spawn(self.after_models_changed(), name="models")
        # Pure Python, so a worker thread can pay for the Markdown imports while the user reads.
        self.tasks.spawn(asyncio.to_thread(warm_up_renderer, self.themes.theme), name="warm-up")
        self.servers_detected = self.tasks.spawn(
            self.models.detect_local_servers(delay=DETECT_AFTER_S), name="detect-servers"
        )
        self.downloads.start_downloads()  # unfinished go on; finished ones join the picker
        self.documents.start()  # re-scan the folders, read what is new or was interrupted
        self.server.start_with_app()  # the local server, if the user left it on

    @property
    def showing_welcome(self) -> bool:
        return self.pages.currentWidget() is self.welcome

    @property
    def comparing(self) -> bool:
        return self.chat_stack.currentWidget() is self.compare_view

    # -- what the controllers ask of the window (their host interfaces) -----------------------

    @property
    def conversation_id(self) -> int | None:
        return self.chats.conversation_id

    @conversation_id.setter
    def conversation_id(self, value: int | None) -> None:
        self.chats.conversation_id = value

    @property
    def current_model(self) -> ModelInfo | None:
        return self.models.current_model

    def find_model(self, model_id: str | None) -> ModelInfo | None:
        return self.models.find_model(model_id)

    def choose_model(self, model_id: str) -> None:
        self.models.choose_model(model_id)

    async def refresh_models(self) -> None:
        await self.models.refresh_models()

    async def use_chat_model(self, conversation_id: int, messages, *, more_after=False) -> None:
        await self.models.use_chat_model(conversation_id, messages, more_after=more_after)

    @property
    def busy(self) -> bool:
        return self.sending.busy

    def check_then(self, text, model, proceed, *, history=(), pictures=0) -> None:
        self.sending.check_then(text, model, proceed, history=history, pictures=pictures)

    def send_now(self, text: str, model: ModelInfo | None, *, documents=None) -> None:
        self.sending.send_now(text, model, documents=documents)

    def show_failure(self, error) -> None:
        self.sending.show_failure(error)

    def forget_sent_text(self) -> None:
        self.sending.last_sent_text = ""

    def stop_reply(self) -> None:
        self.sending.stop_reply()

    def guard_budget(self, models, draft, proceed, on_cancel=None) -> None:
        self.costs.guard_budget(models, draft, proceed, on_cancel)

    def with_documents(self, question, model, proceed) -> None:
        self.sending.with_documents(question, model, proceed)

    def restore_draft(self, text: str) -> None:
        self.costs.restore_draft(text)

    def set_history(self, messages) -> None:
        self.costs.set_history(messages)

    async def load_history(self) -> None:
        await self.costs.load_history()

    async def refresh_chat_cost(self) -> None:
        await self.costs.refresh_chat_cost()

    def refresh_message_marks(self) -> asyncio.Task:
        return self.history.refresh_message_marks()

    def conversation_shown(self, conversation_id: int | None) -> None:
        """A chat (None: a new, empty one) is on screen: its badge, suggestions for the chats
        just left, and a persona's chat left unused goes."""
        self.memory.suggest_after_leaving(conversation_id)
        self.personas.conversation_shown(conversation_id)

    def show_chats(self) -> None:
        self.pages.setCurrentWidget(self.splitter)

    def show_new_chat(self) -> None:
        """A new chat in front: off the welcome screen, the window raised."""
        if self.showing_welcome:
            self.show_chats()
        self.chats.new_chat()
        self.raise_()
        self.activateWindow()

    # -- what the controllers say ------------------------------------------------------------

    def _on_busy_changed(self, what: str, busy: bool) -> None:
        self._busy_with[what] = busy
        busy = any(self._busy_with.values())  # a reply or a compare is being written
        self.composer.set_busy(busy)
        self.stop_shortcut.setEnabled(busy)

    def _on_reply_finished(self, finished) -> None:
        self.tasks.spawn(self.chats.refresh_conversations())
        self.costs.after_reply()  # the chat's total, today, this month, the budget
        self.memory.on_reply_done(finished)  # suggestions once the user leaves the chat
        if finished.error is None:
            self.personas.title_new_chat(
                finished.message.conversation_id, finished.message.model_id
            )

    async def after_models_changed(self) -> None:
        """A key or server appeared (or went): list again; a first key leaves the welcome."""
        await self.models.refresh_all_models()
        if self.showing_welcome and self.models.has_something_to_chat_with:
            self.show_chats()
            self.chats.new_chat()

    def _after_served(self) -> None:
        """Other apps' requests were metered (and maybe kept as chats): the window shows it."""
        self.tasks.spawn(self.costs.refresh_usage(), name="usage")  # the budget's warning too
        if self.services.server.setting("server_keep_chats"):
            self.tasks.spawn(self.chats.refresh_conversations(), name="served-chats")

    def _on_offline_changed(self, offline: bool) -> None:
        self.models.offline_changed(offline)
        self.downloads.refresh_welcome_download()

    # -- models from disk, Settings ------------------------------------------------------------

    def choose_model_files(self) -> None:
        dialog = ask_for_model_files(self, lambda paths: self.tasks.spawn(self.add_models(paths)))
        self._keep(dialog)

    async def add_models(self, paths: list[str]) -> AddOutcome:
        """What “Add model from disk…” does once files are chosen (tests call it directly)."""
        return await add_from_disk(self, paths)

    def open_settings(self, page: str = "providers", provider_id: str | None = None):
        return self.settings.open(page, provider_id)

    def settings_window(self) -> SettingsDialog:
        return self.settings.window_for()

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
        if not self.server.guard.may_close():  # to the tray, or “The local server will stop”
            event.ignore()
            return
        self.window_state.save(self, self.splitter)
        self.stop_reply()
        self.costs.forget_costs()
        self.downloads.close_download_windows()
        self.documents.close()  # reading stops at the next page
        for owned in self.findChildren(QWidget):  # Settings, Memory, a question left open…
            if owned.isWindow() and owned.isVisible():
                owned.close()
        self.server.detach()
        super().closeEvent(event)
        self.closed.emit()
