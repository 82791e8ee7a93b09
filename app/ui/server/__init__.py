"""The local API server in the window: Settings → Local server (on/off, port, address and sample
code to copy, cloud models, history, the network with its access tokens, CORS, the live list of
requests), the status bar's “Local server on :PORT — N requests”, and closing to the tray while
it serves (ServerController). The server itself is app/services/serving.py."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.server.server_actions import ServerController
    from app.ui.server.server_page import ServerPage

_EXPORTS = {
    "ServerController": "app.ui.server.server_actions",
    "ServerPage": "app.ui.server.server_page",
}

__all__ = ["ServerController", "ServerPage"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
