"""What the user wrote: plain text in a soft bubble on the right, its pictures as thumbnails
above it, with quiet actions under it (Edit, Copy, Remember this) while the pointer is over it,
and ‹ 1/2 › when it was edited."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core.records import Message
from app.ui.chat.message_editor import MessageEditor
from app.ui.chat.message_footer import COPY, EDIT, REMEMBER, action_link, branch_arrows_html
from app.ui.chat.message_menu import Entry, attach_menu
from app.ui.chat.message_view import MessageView
from app.ui.shell.theme import LIGHT, Theme

# The bubble never takes more than this share of the chat's width, like other chat apps.
MAX_SHARE = 0.8
_PADDING_X = 16
_PADDING_Y = 10
COPIED_NOTE_MS = 1500


class UserMessage(QWidget):
    # "edit" is handled here; "copy-message" too; "remember", "branch-previous", "branch-next"
    # go to the chat view.
    action_requested = Signal(str)
    edit_submitted = Signal(str)  # the new text of the message

    def __init__(
        self, message: Message, parent: QWidget | None = None, *, theme: Theme = LIGHT
    ) -> None:
        super().__init__(parent)
        self.message = message
        self._theme = theme
        self._branch: tuple[int, int] | None = None
        self._can_edit = True
        self._hovered = False
        self._copied = False
        self.editor: MessageEditor | None = None
        self.bubble = QFrame(self)
        self.bubble.setObjectName("userBubble")
        self.view = MessageView(self.bubble)
        self.view.setPlainText(message.content)  # the user's words are shown as typed, never parsed
        attach_menu(self.view, self.menu_entries, self._on_action)
        inner = QVBoxLayout(self.bubble)
        inner.setContentsMargins(_PADDING_X, _PADDING_Y, _PADDING_X, _PADDING_Y)
        inner.addWidget(self.view)
        self.footer = QLabel(self)
        self.footer.setObjectName("userFooter")
        self.footer.setTextFormat(Qt.TextFormat.RichText)
        self.footer.setOpenExternalLinks(False)
        self.footer.linkActivated.connect(lambda url: self._on_action(QUrl(url).path()))
        # The line is always there, empty or not, so showing the actions never moves the chat.
        self.footer.setFixedHeight(self.footer.fontMetrics().height() + 4)
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addStretch(1)
        self._row.addWidget(self.bubble, 0, Qt.AlignmentFlag.AlignRight)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 6)
        column.setSpacing(2)
        self.thumbs = None
        if message.images:  # a click on one opens the viewer
            from app.ui.images import MessageThumbs

            self.thumbs = MessageThumbs(message.images, self)
            column.addWidget(self.thumbs)
        column.addLayout(self._row)
        column.addWidget(self.footer, 0, Qt.AlignmentFlag.AlignRight)
        self._ideal_width = self._measure_ideal_width()
        self._show_bubble()
        self._render_footer()

    @property
    def text(self) -> str:
        return self.message.content

    # -- what the footer shows -------------------------------------------------------------------

    def set_branch(self, branch: tuple[int, int] | None) -> None:
        """(position, count) when this message has other versions, else None."""
        if branch != self._branch:
            self._branch = branch
            self._render_footer()

    @property
    def branch(self) -> tuple[int, int] | None:
        return self._branch

    def set_can_edit(self, allowed: bool) -> None:
        """Editing and switching versions wait while a reply is being written."""
        if allowed != self._can_edit:
            self._can_edit = allowed
            self._render_footer()

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._render_footer()

    def menu_entries(self) -> list[Entry]:
        entries = [(EDIT, "Edit and resend")] if self._can_edit and self.editor is None else []
        return [*entries, (COPY, "Copy message"), (REMEMBER, "Remember this")]

    def footer_actions(self) -> list[str]:
        text = self.footer.text()
        return [a for a in (EDIT, COPY, REMEMBER) if f':{a}"' in text]

    def _render_footer(self) -> None:
        theme = self._theme
        parts = []
        if self._hovered and self.editor is None:
            if self._can_edit:
                parts.append(action_link(EDIT, "Edit", theme))
            parts.append(action_link(COPY, "Copy", theme))
            parts.append(action_link(REMEMBER, "Remember this", theme))
        if self._copied:
            parts.append(f'<span style="color: {theme.accent};">Copied ✓</span>')
        arrows = branch_arrows_html(self._branch, theme, enabled=self._can_edit)
        if arrows and self.editor is None:
            parts.append(arrows)
        self.footer.setText("&nbsp;&nbsp;&nbsp;".join(parts))

    def enterEvent(self, event) -> None:  # noqa: N802
        self._hovered = True
        self._render_footer()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._hovered = False
        self._render_footer()
        super().leaveEvent(event)

    # -- actions ---------------------------------------------------------------------------------

    def _on_action(self, action: str) -> None:
        if action == COPY:
            QGuiApplication.clipboard().setText(self.message.content)
            self._copied = True
            self._render_footer()
            QTimer.singleShot(COPIED_NOTE_MS, self._clear_copied)
        elif action == EDIT:
            if self._can_edit:
                self.start_editing()
        else:
            self.action_requested.emit(action)

    def _clear_copied(self) -> None:
        self._copied = False
        self._render_footer()

    def start_editing(self) -> MessageEditor:
        """The bubble becomes an editor holding the text; Cancel (or Esc) puts it back."""
        if self.editor is None:
            self.editor = MessageEditor(self.message.content, self)
            self.editor.submitted.connect(self.edit_submitted)
            self.editor.cancelled.connect(self.stop_editing)
            self.bubble.hide()
            self._row.addWidget(self.editor, 10)
            self._render_footer()
        self.editor.start()
        return self.editor

    def stop_editing(self) -> None:
        if self.editor is None:
            return
        self._row.removeWidget(self.editor)
        self.editor.deleteLater()
        self.editor = None
        self._show_bubble()
        self._render_footer()

    def _show_bubble(self) -> None:
        # A picture sent without words: its thumbnail alone, not an empty bubble under it.
        self.bubble.setVisible(bool(self.message.content) or not self.message.images)

    @property
    def editing(self) -> bool:
        return self.editor is not None

    # -- size ------------------------------------------------------------------------------------

    def _measure_ideal_width(self) -> int:
        metrics = self.view.fontMetrics()
        # The first lines are enough: a long paste wraps at the maximum width anyway.
        lines = self.message.content.splitlines()[:200] or [""]
        widest = max(metrics.horizontalAdvance(line[:400]) for line in lines)
        return widest + 8

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        limit = int(self.width() * MAX_SHARE)
        self.bubble.setFixedWidth(max(60, min(self._ideal_width + 2 * _PADDING_X, limit)))
