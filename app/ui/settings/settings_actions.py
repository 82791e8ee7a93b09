"""Opening Settings on the page asked for, and wiring what it changes to the features that
care: keys and servers (the model list), offline mode, costs, imported chats, memories,
personas, the local API server.

A controller MainWindow composes: the dialog is made on first use (it costs ~50 ms), then kept
and refreshed each time it is shown; the controllers it talks to are given in the constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from app.services import Services
    from app.ui.conversations import ConversationController
    from app.ui.costs import CostController
    from app.ui.memory import MemoryController, PersonaController
    from app.ui.models import ModelController
    from app.ui.server import ServerController
    from app.ui.settings.settings_dialog import SettingsDialog
    from app.ui.shell.tasks import TaskKeeper


class SettingsController:
    def __init__(
        self,
        window: QWidget,
        services: Services,
        tasks: TaskKeeper,
        *,
        models: ModelController,
        costs: CostController,
        chats: ConversationController,
        memory: MemoryController,
        personas: PersonaController,
        models_changed: Callable[[], Coroutine],  # a key or server came or went
        offline_changed: Callable[[bool], None],
        server: ServerController | None = None,
    ) -> None:
        self.window = window  # the dialog's parent
        self.services = services
        self.tasks = tasks
        self.models = models
        self.costs = costs
        self.chats = chats
        self.memory = memory
        self.personas = personas
        self._models_changed = models_changed
        self._offline_changed = offline_changed
        self.server = server
        self.dialog: SettingsDialog | None = None
        models.listed.connect(self.show_models)
        memory.changed.connect(self.refresh_memory)

    def open(self, page: str = "providers", provider_id: str | None = None) -> SettingsDialog:
        dialog = self.window_for()
        if page == "privacy":
            dialog.show_privacy()
        elif page == "costs":
            dialog.show_costs()
        elif page == "chats":
            dialog.show_chats()
        elif page == "tools":
            dialog.show_tools()
        elif page == "server":
            dialog.show_server()
        else:
            dialog.show_providers(provider_id)
        return dialog

    def window_for(self) -> SettingsDialog:
        """The dialog, made on first use and wired to the features, else refreshed; its page
        left as it was (the caller shows the one it wants)."""
        if self.dialog is not None:
            self.dialog.refresh()
            return self.dialog
        from app.ui.settings.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self.tasks, self.window, server=self.server)
        spawn = self.tasks.spawn
        dialog.models_changed.connect(lambda: spawn(self._models_changed(), name="models-changed"))
        dialog.offline_changed.connect(self._offline_changed)
        dialog.costs_changed.connect(self.costs.on_costs_changed)
        dialog.dashboard_requested.connect(self.costs.open_usage_dashboard)
        dialog.chats_imported.connect(lambda _summary: spawn(self.chats.after_import()))
        dialog.memories_requested.connect(self.memory.open_memory_manager)
        dialog.memory_changed.connect(self.memory.refresh_memory_manager)
        dialog.personas_changed.connect(lambda: spawn(self.personas.refresh_personas()))
        self.dialog = dialog
        self.show_models()
        return dialog

    def show_models(self) -> None:
        if self.dialog is not None:
            self.dialog.set_local_models(self.models.local_files)
            self.dialog.set_models(self.models.models)

    def refresh_memory(self) -> None:
        if self.dialog is not None:
            self.dialog.memory.refresh()
