"""Helpers the chat tests share: the footer under a reply."""

from __future__ import annotations


def _one_line_height(footer) -> int:
    """The height the footer's label takes for one line of its own text at its own font."""
    from PySide6.QtWidgets import QLabel

    probe = QLabel(footer.parentWidget())
    probe.setObjectName(footer.objectName())
    probe.setTextFormat(footer.textFormat())
    probe.setWordWrap(True)
    probe.setText('<a href="x">Copy</a>')
    probe.ensurePolished()
    height = probe.heightForWidth(400)
    probe.deleteLater()
    return height


def assert_one_line(qtbot, reply) -> None:
    footer = reply.footer
    qtbot.waitUntil(lambda: footer.height() > 0)
    assert footer.heightForWidth(footer.width()) == _one_line_height(footer), footer.text()
    assert footer.height() == _one_line_height(footer)
