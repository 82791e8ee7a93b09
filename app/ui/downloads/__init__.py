"""Downloading models: the downloads dialog (catalog, search, panel, rows, choice and confirm),
the status-bar indicator, its texts and style, the listener bridge from the download service,
and the controller (download_actions)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.downloads.download_confirm import ask_to_confirm
    from app.ui.downloads.download_events import DownloadEvents
    from app.ui.downloads.download_style import apply_downloads_style
    from app.ui.downloads.download_tasks import OwnedTasks
    from app.ui.downloads.download_text import (
        ACTIVE,
        failure_action,
        progress_words,
        size_words,
        state_words,
    )

_EXPORTS = {
    "ACTIVE": "app.ui.downloads.download_text",
    "DownloadEvents": "app.ui.downloads.download_events",
    "OwnedTasks": "app.ui.downloads.download_tasks",
    "apply_downloads_style": "app.ui.downloads.download_style",
    "ask_to_confirm": "app.ui.downloads.download_confirm",
    "failure_action": "app.ui.downloads.download_text",
    "progress_words": "app.ui.downloads.download_text",
    "size_words": "app.ui.downloads.download_text",
    "state_words": "app.ui.downloads.download_text",
}

__all__ = [
    "ACTIVE",
    "DownloadEvents",
    "OwnedTasks",
    "apply_downloads_style",
    "ask_to_confirm",
    "failure_action",
    "progress_words",
    "size_words",
    "state_words",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
