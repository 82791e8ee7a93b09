"""Settings: Providers (keys and addresses), Privacy, Tools (MCP servers), Costs, Memory,
Personas, Chats (export, import), Local server (other apps using Hearth's models) and
Appearance (the theme).
A plain window: it never blocks chats."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QLabel, QTabWidget, QVBoxLayout, QWidget

from app.core.chat import ModelInfo
from app.services import Services
from app.ui.costs import CostsPage
from app.ui.memory import MemoryPage, PersonasPage
from app.ui.server import ServerController, ServerPage
from app.ui.settings.appearance_page import AppearancePage
from app.ui.settings.chats_page import ChatsPage
from app.ui.settings.privacy_page import PrivacyPage
from app.ui.settings.provider_panel import ProviderPanel
from app.ui.settings.providers_page import ProvidersPage
from app.ui.shell.tasks import TaskKeeper
from app.ui.tools import ToolsPage

PROVIDERS_INTRO = (
    "Use models from online services with your own account key, or from programs that run "
    "models on this computer. Keys are kept in your system's keychain, never in Hearth's files."
)


class SettingsDialog(QDialog):
    models_changed = Signal()  # a key, address or model list changed: refresh the picker
    offline_changed = Signal(bool)
    costs_changed = Signal()  # a budget, price or the reference model changed
    dashboard_requested = Signal()
    memories_requested = Signal()  # “Manage memories…”
    memory_changed = Signal()  # a memory switch moved
    personas_changed = Signal()
    chats_imported = Signal(object)  # ImportSummary

    def __init__(
        self,
        services: Services,
        tasks: TaskKeeper,
        parent: QWidget | None = None,
        *,
        server: ServerController | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setModal(False)
        self.resize(920, 640)  # nine tabs side by side
        self.providers = ProvidersPage(services, tasks, self)
        self.providers.changed.connect(lambda _pid: self.models_changed.emit())
        self.privacy = PrivacyPage(services, self)
        self.privacy.offline_changed.connect(self.offline_changed)
        self.costs = CostsPage(services, tasks, self)
        self.costs.changed.connect(self.costs_changed)
        self.costs.dashboard_requested.connect(self.dashboard_requested)
        self.memory = MemoryPage(services, tasks, self)
        self.memory.manage_requested.connect(self.memories_requested)
        self.memory.changed.connect(self.memory_changed)
        self.personas = PersonasPage(services, tasks, self)
        self.personas.changed.connect(self.personas_changed)
        self.chats = ChatsPage(services, tasks, self)
        self.chats.imported.connect(self.chats_imported)
        self.appearance = AppearancePage(services, self)
        self.tools = ToolsPage(services, tasks, self)
        # The server page drives the window's ServerController (status bar, tray): none, no page.
        self.server = ServerPage(services, tasks, server, self) if server is not None else None
        intro = QLabel(PROVIDERS_INTRO)
        intro.setObjectName("settingsIntro")
        intro.setWordWrap(True)
        providers_tab = QWidget()
        column = QVBoxLayout(providers_tab)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(intro)
        column.addWidget(self.providers, 1)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("settingsTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(providers_tab, "Providers")
        self.tabs.addTab(self.privacy, "Privacy")
        self.tabs.addTab(self.tools, "Tools")
        self.tabs.addTab(self.costs, "Costs")
        self.tabs.addTab(self.memory, "Memory")
        self.tabs.addTab(self.personas, "Personas")
        self.tabs.addTab(self.chats, "Chats")
        if self.server is not None:
            self.tabs.addTab(self.server, "Server")  # short: nine tabs fit the dialog's width
        self.tabs.addTab(self.appearance, "Appearance")
        # The Tools page starts its servers to show their state: only when it is looked at.
        self.tabs.currentChanged.connect(
            lambda _i: self.tabs.currentWidget() is self.tools and self.tools.refresh()
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.tabs)
        QShortcut(QKeySequence.StandardKey.Close, self, activated=self.close)

    def show_providers(self, provider_id: str | None = None) -> ProviderPanel:
        self.tabs.setCurrentIndex(0)
        if provider_id is not None:
            self.providers.select(provider_id)
        self._present()
        panel = self.providers.current
        panel.focus_first_field()
        return panel

    def show_privacy(self) -> None:
        self.tabs.setCurrentWidget(self.privacy)
        self._present()

    def show_tools(self) -> ToolsPage:
        if self.tabs.currentWidget() is self.tools:
            self.tools.refresh()  # already on it: no tab change to refresh it
        self.tabs.setCurrentWidget(self.tools)
        self._present()
        return self.tools

    def show_costs(self) -> CostsPage:
        self.tabs.setCurrentWidget(self.costs)
        self._present()
        return self.costs

    def show_chats(self) -> ChatsPage:
        self.tabs.setCurrentWidget(self.chats)
        self._present()
        return self.chats

    def show_server(self) -> ServerPage | None:
        if self.server is not None:
            self.tabs.setCurrentWidget(self.server)
        self._present()
        return self.server

    def show_appearance(self) -> AppearancePage:
        self.tabs.setCurrentWidget(self.appearance)
        self._present()
        return self.appearance

    def show_memory(self) -> MemoryPage:
        self.tabs.setCurrentWidget(self.memory)
        self._present()
        return self.memory

    def show_personas(self, persona_id: int | None = None) -> PersonasPage:
        self.tabs.setCurrentWidget(self.personas)
        if persona_id is not None:
            self.personas.select(persona_id)
        self._present()
        return self.personas

    def set_local_models(self, models: list[ModelInfo]) -> None:
        self.privacy.set_local_models(models)

    def set_models(self, models: list[ModelInfo]) -> None:
        """Every model the window can use: a persona's model is chosen from these."""
        self.personas.set_models(models)

    def refresh(self) -> None:
        self.providers.refresh()
        self.privacy.refresh()
        self.costs.refresh()
        self.memory.refresh()

    def _present(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
