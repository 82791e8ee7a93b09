"""Access tokens for the local server, one per app: the list with a Revoke button each, a field
to name the app and a Create button. A new token's secret is shown once, in its own dialog with
a Copy button (SecretDialog); after that only its name is ever shown."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.services.serve_tokens import ServerTokens
from app.ui.server.copy_button import CopyButton
from app.ui.server.server_text import SECRET_TEXT
from app.ui.shell.buttons import dialog_button

NO_TOKENS = "No tokens yet."


class TokenBox(QWidget):
    changed = Signal()  # a token was created or revoked

    def __init__(self, tokens: ServerTokens, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tokens = tokens
        self.secret_dialog: SecretDialog | None = None
        self.revoke_buttons: dict[str, QWidget] = {}
        self.rows = QVBoxLayout()
        self.rows.setSpacing(4)
        self.name = QLineEdit(self)
        self.name.setObjectName("settingsField")
        self.name.setPlaceholderText("The app's name, e.g. Obsidian")
        self.name.returnPressed.connect(self.create)
        self.create_button = dialog_button("Create token", self, self.create, auto_default=False)
        self.error = QLabel("", self)
        self.error.setObjectName("errorLine")
        self.error.setWordWrap(True)
        self.error.hide()
        adding = QHBoxLayout()
        adding.addWidget(self.name, 1)
        adding.addWidget(self.create_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addLayout(self.rows)
        column.addLayout(adding)
        column.addWidget(self.error)
        self.refresh()

    def refresh(self) -> None:
        while self.rows.count():
            row = self.rows.takeAt(0).widget()
            row.deleteLater()
        self.revoke_buttons = {}
        names = self.tokens.names()
        for name in names:
            self.rows.addWidget(self._row(name))
        if not names:
            empty = QLabel(NO_TOKENS, self)
            empty.setObjectName("settingsHint")
            self.rows.addWidget(empty)

    def create(self) -> None:
        name = self.name.text().strip()
        try:
            secret = self.tokens.create(name)
        except HearthError as err:
            self.error.setText(err.plain())
            self.error.show()
            return
        self.error.hide()
        self.name.clear()
        self.refresh()
        self.changed.emit()
        dialog = SecretDialog(name, secret, self.window())
        dialog.finished.connect(lambda _r: setattr(self, "secret_dialog", None))
        self.secret_dialog = dialog
        dialog.open()

    def revoke(self, name: str) -> None:
        self.tokens.revoke(name)
        self.refresh()
        self.changed.emit()

    def _row(self, name: str) -> QWidget:
        row = QWidget(self)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        label = QLabel(name, row)
        label.setTextFormat(Qt.TextFormat.PlainText)
        button = dialog_button("Revoke", row, lambda: self.revoke(name), auto_default=False)
        button.setToolTip(f"{name} can no longer use the server with this token.")
        self.revoke_buttons[name] = button
        line.addWidget(label, 1)
        line.addWidget(button)
        return row


class SecretDialog(QDialog):
    """The new token's secret, the only time it is shown."""

    def __init__(self, name: str, secret: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Token for {name}")
        self.setModal(True)
        self.setMinimumWidth(520)
        text = QLabel(SECRET_TEXT.format(name=name), self)
        text.setObjectName("dialogText")
        text.setWordWrap(True)
        self.secret = QLineEdit(secret, self)
        self.secret.setObjectName("settingsField")
        self.secret.setReadOnly(True)
        self.copy_button = CopyButton(self.secret.text, self)
        done = dialog_button("Done", self, self.accept, primary=True)
        field = QHBoxLayout()
        field.addWidget(self.secret, 1)
        field.addWidget(self.copy_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(done)
        column = QVBoxLayout(self)
        column.setContentsMargins(22, 18, 22, 18)
        column.setSpacing(12)
        column.addWidget(text)
        column.addLayout(field)
        column.addLayout(buttons)
        # Closing forgets the secret: the widget tree is freed and nothing else holds it.
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
