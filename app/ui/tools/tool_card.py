"""One tool call in a reply: the tool, its server, the arguments and where the result goes;
while it waits for the user, Allow once / Always allow this tool / Deny; then what happened,
with the result collapsed under it (click to read)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.shell.theme import Theme, current_theme
from app.ui.tools.tool_text import (
    STATUS,
    outcome_line,
    pretty_arguments,
    where_result_goes,
)

ALLOW_ONCE, ALWAYS, DENY = "allow_once", "always", "deny"
RESULT_PREVIEW_CHARS = 20_000  # a huge result is cut in the card (the model got all of it)


class ToolCallCard(QFrame):
    decided = Signal(str)  # ALLOW_ONCE, ALWAYS or DENY

    def __init__(
        self,
        *,
        tool: str,
        server: str = "",
        arguments: dict | str = "{}",
        destination: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("toolCard")
        self.status = "waiting"
        self.result = ""
        title = f"<b>{_escape(tool)}</b>"
        if server:
            title += f"&nbsp;&nbsp;<span style='color: {{muted}};'>from {_escape(server)}</span>"
        self._title_html = title
        self.title = QLabel(self)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.state = QLabel(self)
        self.state.setObjectName("toolCardState")
        self.arguments = QLabel(pretty_arguments(arguments), self)
        self.arguments.setObjectName("toolCardArguments")
        self.arguments.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.arguments.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.arguments.setWordWrap(True)
        self.destination = QLabel(where_result_goes(destination), self)
        self.destination.setObjectName("toolCardWhere")
        self.destination.setWordWrap(True)
        self.destination.setVisible(bool(destination))
        self.allow_button = self._button("Allow once", ALLOW_ONCE, primary=True)
        self.always_button = self._button("Always allow this tool", ALWAYS)
        self.deny_button = self._button("Deny", DENY)
        self.note = QLabel(self)  # denied, failed, timed out: said plainly
        self.note.setObjectName("toolCardNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.expander = QPushButton("▸ Show result", self)
        self.expander.setObjectName("toolCardExpander")
        self.expander.setFlat(True)
        self.expander.setCursor(Qt.CursorShape.PointingHandCursor)
        self.expander.clicked.connect(self.toggle_result)
        self.expander.hide()
        self.result_view = QLabel(self)
        self.result_view.setObjectName("toolCardResult")
        self.result_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.result_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_view.setTextFormat(Qt.TextFormat.PlainText)
        self.result_view.setWordWrap(True)
        self.result_view.hide()
        self._lay_out()
        self.set_theme(current_theme())
        self._show_state()

    def _button(self, text: str, decision: str, *, primary: bool = False) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName("toolCardAllow" if primary else "toolCardButton")
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.clicked.connect(lambda: self.decide(decision))
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.state, 0, Qt.AlignmentFlag.AlignRight)
        self.buttons = QWidget(self)
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 4, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.allow_button)
        row.addWidget(self.always_button)
        row.addWidget(self.deny_button)
        row.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 10, 12, 10)
        column.setSpacing(6)
        column.addLayout(top)
        column.addWidget(self.arguments)
        column.addWidget(self.destination)
        column.addWidget(self.buttons)
        column.addWidget(self.note)
        column.addWidget(self.expander, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.result_view)

    # -- what happens --------------------------------------------------------------------------

    @property
    def waiting(self) -> bool:
        return self.status == "waiting"

    def decide(self, decision: str) -> None:
        if not self.waiting:
            return
        self.status = "running" if decision != DENY else "denied"
        self._show_state()
        self.decided.emit(decision)

    def set_running(self) -> None:
        self.status = "running"
        self._show_state()

    def set_outcome(self, status: str, content: str) -> None:
        """The call ended: ok (its result, collapsed), or error / denied / timeout (said)."""
        self.status = status
        self.result = content
        self._show_state()

    def set_stopped(self) -> None:
        """Stop was pressed while the call waited or ran: it never finished."""
        if self.status in ("waiting", "running"):
            self.status = "stopped"
            self._show_state()

    def toggle_result(self) -> None:
        shown = not self.result_view.isVisible()
        self.result_view.setVisible(shown)
        self.expander.setText("▾ Hide result" if shown else "▸ Show result")

    def _show_state(self) -> None:
        self.state.setText(STATUS.get(self.status, self.status))
        self.buttons.setVisible(self.waiting)
        line = outcome_line(self.status, self.result)
        self.note.setText(line)
        self.note.setVisible(bool(line))
        has_result = self.status == "ok"
        self.expander.setVisible(has_result)
        if has_result:
            self.result_view.setText(self.result[:RESULT_PREVIEW_CHARS] or "(empty)")
        else:
            self.result_view.hide()
        self.setProperty("status", self.status)
        self.style().unpolish(self)
        self.style().polish(self)

    def set_theme(self, theme: Theme) -> None:
        self.title.setText(self._title_html.replace("{muted}", theme.muted))
        problem = theme.danger
        self.setStyleSheet(
            f"""
            #toolCard {{ background: {theme.code_bg}; border: 1px solid {theme.border};
                         border-radius: 8px; }}
            #toolCard[status="waiting"] {{ border: 1px solid {theme.accent}; }}
            #toolCardState, #toolCardWhere {{ color: {theme.muted}; }}
            #toolCardArguments, #toolCardResult {{ background: {theme.window};
                border: 1px solid {theme.border}; border-radius: 4px; padding: 6px; }}
            #toolCardNote {{ color: {problem}; }}
            #toolCardExpander {{ color: {theme.link}; border: none; padding: 0; text-align: left; }}
            #toolCardAllow {{ background: {theme.accent}; color: {theme.on_accent};
                border: none; border-radius: 6px; padding: 5px 12px; }}
            #toolCardButton {{ background: {theme.surface}; color: {theme.text};
                border: 1px solid {theme.border}; border-radius: 6px; padding: 5px 12px; }}
            """
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
