"""The first-run screen: the suggested model for this computer, downloaded in one click with its
progress shown in place."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.welcome.welcome import WelcomeScreen
    from app.ui.welcome.welcome_download import WelcomeDownload

_EXPORTS = {
    "WelcomeDownload": "app.ui.welcome.welcome_download",
    "WelcomeScreen": "app.ui.welcome.welcome",
}

__all__ = [
    "WelcomeDownload",
    "WelcomeScreen",
]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
