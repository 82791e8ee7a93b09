"""The app's dialog buttons, made one way: the styled look (hearth.qss) and what a click does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QPushButton, QWidget


def dialog_button(
    text: str,
    parent: QWidget,
    on_click: Callable[[], object] | SignalInstance | None = None,
    *,
    primary: bool = False,
    auto_default: bool = True,
) -> QPushButton:
    """A "dialogButton" (or, primary, "dialogPrimary") push button; `auto_default=False` keeps
    Enter in a text field from pressing it."""
    button = QPushButton(text, parent)
    button.setObjectName("dialogPrimary" if primary else "dialogButton")
    if not auto_default:
        button.setAutoDefault(False)
    if on_click is not None:
        button.clicked.connect(on_click)  # a slot, a callable or another signal
    return button
