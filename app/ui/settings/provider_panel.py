"""Settings → Providers, one provider: its key (pasted, saved, tested, removed) and its address.

A pasted key leaves the field the moment it is saved; from then on only where it is kept shows
(“Key in the macOS Keychain”, “Key from OPENAI_API_KEY”, “Session only”). It is never logged.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import HearthError
from app.core.provider_errors import (
    InvalidKey,
    InvalidKeyCharacters,
    KeychainUnavailable,
    NoKey,
)
from app.netguard import is_loopback_url
from app.services import Services
from app.services.providers import ProviderStatus
from app.ui.shell.tasks import TaskKeeper

log = logging.getLogger(__name__)

NO_KEYCHAIN = (
    "This computer has no keychain where Hearth can keep keys safely. You can still use a key "
    "for this session only: Hearth forgets it when it closes."
)
_KEYCHAIN_NAMES = {
    "macOS Keyring": "the macOS Keychain",
    "SecretService Keyring": "the system keyring",
    "Windows WinVaultKeyring": "Windows Credential Manager",
    "kwallet DBusKeyring": "KWallet",
}


def friendly_keychain_name(name: str) -> str:
    return _KEYCHAIN_NAMES.get(name, name)


def key_state_text(status: ProviderStatus, keychain_name: str) -> str:
    """Where the key comes from, in plain words; never the key itself."""
    spec = status.spec
    if status.key_source == "keychain":
        return f"Key in {friendly_keychain_name(keychain_name)}"
    if status.key_source == "environment":
        return f"Key from {spec.key_env_var}"
    if status.key_source == "session":
        return "Session only — forgotten when Hearth closes"
    if not spec.needs_key:
        return "No key (optional)" if spec.key_env_var else "No key needed"
    return "No key"


def where_words(status: ProviderStatus) -> tuple[str, bool]:
    """(“sent to OpenAI” or “on this computer”, is_local), as the chat badge says it."""
    spec = status.spec
    if spec.is_local_server and is_loopback_url(status.base_url):
        return "on this computer", True
    if spec.is_local_server:
        return "sent to the server you set", False
    return f"sent to {spec.display_name}", False


def models_found(count: int) -> str:
    return f"{count} model" if count == 1 else f"{count} models"


class ProviderPanel(QWidget):
    changed = Signal(str)  # provider id: its key, address or model list changed

    def __init__(
        self, services: Services, tasks: TaskKeeper, status: ProviderStatus, parent=None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("providerPanel")
        self._services = services
        self._tasks = tasks
        self.provider_id = status.spec.id
        self.spec = status.spec
        self.last_status = status
        self._build()
        self.refresh(status)

    # -- building ------------------------------------------------------------------------------

    @property
    def has_key_field(self) -> bool:
        return self.spec.needs_key or bool(self.spec.key_env_var)

    @property
    def has_address(self) -> bool:
        return self.spec.is_local_server

    def _build(self) -> None:
        spec = self.spec
        self.title = QLabel(spec.display_name, self)
        self.title.setObjectName("settingsHeading")
        self.where = QLabel(self)
        self.where.setObjectName("whereBadge")
        self.where.setFixedHeight(20)
        self.about = _wrapped("", "settingsText", self)
        self.keychain_note = _wrapped(NO_KEYCHAIN, "settingsNote", self)
        self.keychain_note.hide()

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(8)
        grid.setColumnStretch(1, 1)
        row = 0
        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("settingsField")
        self.url_edit.setPlaceholderText(spec.default_base_url)
        self.save_url_button = _button("Save address", self)
        self.save_url_button.clicked.connect(self.save_address)
        if self.has_address:
            grid.addWidget(_field_label("Address", self), row, 0)
            grid.addLayout(_row(self.url_edit, self.save_url_button), row, 1)
            row += 1
        else:
            self.url_edit.hide()
            self.save_url_button.hide()
        self.state = QLabel(self)
        self.state.setObjectName("keyState")
        self.key_edit = QLineEdit(self)
        self.key_edit.setObjectName("settingsField")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(f"Paste your {spec.display_name} key")
        self.key_edit.returnPressed.connect(self.save_key)
        self.save_button = _button("Save", self, primary=True)
        self.save_button.clicked.connect(self.save_key)
        self.session_button = _button("Use for this session only", self)
        self.session_button.clicked.connect(lambda: self.save_key(session_only=True))
        self.session_button.hide()
        if self.has_key_field:
            grid.addWidget(_field_label("Key", self), row, 0)
            grid.addWidget(self.state, row, 1)
            row += 1
            grid.addLayout(_row(self.key_edit, self.save_button, self.session_button), row, 1)
            row += 1
        else:
            for widget in (self.state, self.key_edit, self.save_button):
                widget.hide()
        hint = _wrapped(spec.docs_hint, "settingsHint", self)
        grid.addWidget(hint, row, 1)
        row += 1

        self.test_button = _button("Detect" if spec.auto_detect else "Test", self)
        self.test_button.setToolTip(
            "Look for it on this computer and list its models"
            if spec.auto_detect
            else "Check the key and address by listing the models"
        )
        self.test_button.clicked.connect(self.start_test)
        self.remove_button = _button("Remove key", self)
        self.remove_button.clicked.connect(self.remove_key)
        self.result = _wrapped("", "testResult", self)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions = QHBoxLayout()
        actions.setSpacing(8)
        actions.addWidget(self.test_button)
        if self.has_key_field:
            actions.addWidget(self.remove_button)
        else:
            self.remove_button.hide()
        actions.addStretch(1)
        grid.addLayout(actions, row, 1)
        row += 1
        grid.addWidget(self.result, row, 1)

        heading = QHBoxLayout()
        heading.setSpacing(10)
        heading.addWidget(self.title)
        heading.addWidget(self.where)
        heading.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 20, 32, 20)
        layout.setSpacing(10)
        layout.addLayout(heading)
        layout.addWidget(self.about)
        layout.addWidget(self.keychain_note)
        layout.addSpacing(6)
        layout.addLayout(grid)
        layout.addStretch(1)

    # -- state ---------------------------------------------------------------------------------

    def status(self) -> ProviderStatus:
        return self._services.providers.status(self.provider_id)

    def refresh(self, status: ProviderStatus | None = None) -> None:
        """Show the current key source and address (each look-up reads the keychain once)."""
        status = status or self.status()
        self.last_status = status
        providers = self._services.providers
        where, local = where_words(status)
        self.where.setText(where)
        self.where.setProperty("local", local)
        _repolish(self.where)
        if local:
            self.about.setText("Runs on this computer: your messages stay here.")
        elif self.spec.is_local_server:
            self.about.setText("Your messages are sent to the server at this address.")
        else:
            self.about.setText(
                f"Your messages are sent to {self.spec.display_name} when you use its models. "
                f"You need your own {self.spec.display_name} account and key."
            )
        self.state.setText(key_state_text(status, providers.keychain_name))
        self.state.setProperty("ready", status.key_source is not None)
        _repolish(self.state)
        no_keychain = self.has_key_field and not providers.keychain_available
        self.keychain_note.setVisible(no_keychain)
        self.save_button.setText("Use for this session" if no_keychain else "Save")
        removable = status.key_source in ("keychain", "session")
        self.remove_button.setEnabled(removable)
        self.remove_button.setToolTip(
            f"This key comes from the {self.spec.key_env_var} environment variable; "
            "Hearth cannot remove it."
            if status.key_source == "environment"
            else ""
        )
        if self.has_address and not self.url_edit.hasFocus():
            self.url_edit.setText(status.base_url if status.base_url_overridden else "")

    def focus_first_field(self) -> None:
        field = self.key_edit if self.has_key_field else self.url_edit
        field.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_result(self, text: str, *, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setProperty("error", error)
        _repolish(self.result)

    # -- actions -------------------------------------------------------------------------------

    def save_key(self, *, session_only: bool = False) -> bool:
        key = self.key_edit.text().strip()
        if not key:
            self.show_result("Paste a key into the field first.", error=True)
            return False
        session_only = session_only or not self._services.providers.keychain_available
        try:
            self._services.providers.set_key(self.provider_id, key, session_only=session_only)
        except KeychainUnavailable as error:
            # The key stays in the (masked) field, so "this session only" needs no second paste.
            self.show_result(error.plain(), error=True)
            self.session_button.show()
            return False
        except InvalidKeyCharacters as error:  # a bad paste: said, and nothing stored or sent
            self.show_result(error.plain(), error=True)
            return False
        self.key_edit.clear()
        self.session_button.hide()
        if session_only:
            self.show_result("Saved for this session only. Hearth forgets it when it closes.")
        else:
            keychain = friendly_keychain_name(self._services.providers.keychain_name)
            self.show_result(f"Saved in {keychain}.")
        self.refresh()
        self.changed.emit(self.provider_id)
        return True

    def remove_key(self) -> None:
        try:
            self._services.providers.remove_key(self.provider_id)
        except KeychainUnavailable as error:
            self.show_result(error.plain(), error=True)
            return
        self.refresh()
        source = self.last_status.key_source
        self.show_result(
            f"Removed. A key from {self.spec.key_env_var} is still used."
            if source == "environment"
            else "The key was removed."
        )
        self.changed.emit(self.provider_id)

    def save_address(self) -> bool:
        url = self.url_edit.text().strip()
        if url and not url.startswith(("http://", "https://")):
            self.show_result(
                "The address should start with http:// or https://, "
                f"for example {self.spec.default_base_url}.",
                error=True,
            )
            return False
        self._services.providers.set_base_url(self.provider_id, url or None)
        self.refresh()
        self.show_result("Address saved." if url else "Using the usual address.")
        self.changed.emit(self.provider_id)
        return True

    def start_test(self):
        return self._tasks.spawn(self.test(), name=f"test-{self.provider_id}")

    async def test(self) -> None:
        if self.has_key_field and self.key_edit.text().strip() and not self.save_key():
            return
        if self.has_address and self._address_edited() and not self.save_address():
            return
        self.test_button.setEnabled(False)
        self.show_result("Looking…" if self.spec.auto_detect else "Testing…")
        try:
            text, error = await self._try()
        finally:
            self.test_button.setEnabled(True)
        self.show_result(text, error=error)
        if not error:
            self.changed.emit(self.provider_id)

    async def _try(self) -> tuple[str, bool]:
        providers = self._services.providers
        try:
            if self.spec.auto_detect:
                found = await self._services.models.detect_local_servers()
                if self.provider_id not in found:
                    url = self.last_status.base_url
                    return f"Nothing is answering at {url}. {self.spec.docs_hint}", True
                found_models = await providers.test(self.provider_id)
                return f"Found — {models_found(len(found_models))}.", False
            models = await providers.test(self.provider_id)
        except (InvalidKey, NoKey) as error:
            return error.message, True  # "Open Settings" would be odd here: this is Settings
        except HearthError as error:
            return error.plain(), True
        except Exception:  # malformed data or a bug: a message, never a crash
            log.exception("Testing %s failed", self.provider_id)
            return f"{self.spec.display_name} sent something Hearth could not read.", True
        return f"Works — {models_found(len(models))}.", False

    def _address_edited(self) -> bool:
        status = self.last_status
        typed = self.url_edit.text().strip().rstrip("/")
        return typed != (status.base_url if status.base_url_overridden else "")


def _wrapped(text: str, name: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


def _field_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("fieldLabel")
    return label


def _button(text: str, parent: QWidget, *, primary: bool = False) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName("dialogPrimary" if primary else "dialogButton")
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(8)
    for i, widget in enumerate(widgets):
        row.addWidget(widget, 1 if i == 0 else 0)
    return row


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
