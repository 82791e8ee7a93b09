"""The settings dialog and its general pages: providers (keys and their panel), privacy,
appearance and chats. Feature-specific pages live with their feature (costs, memory) and are
added by the dialog."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.settings.privacy_page import separator, setting_row
    from app.ui.settings.settings_actions import SettingsController
    from app.ui.settings.settings_dialog import SettingsDialog

_EXPORTS = {
    "SettingsController": "app.ui.settings.settings_actions",
    "SettingsDialog": "app.ui.settings.settings_dialog",
    "separator": "app.ui.settings.privacy_page",
    "setting_row": "app.ui.settings.privacy_page",
}

__all__ = [
    "SettingsController",
    "SettingsDialog",
    "separator",
    "setting_row",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
