"""Settings → Providers and Privacy: keys saved, tested and removed; no keychain; offline mode."""

from __future__ import annotations

import logging

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from app import secrets
from app.secrets import SERVICE
from tests.ui.support import (
    OPENAI_KEY,
    click,
    openai_panel,
    openai_says,
    send_by_keyboard,
    shown_replies,
    wait_for,
    wait_until_idle,
)
from tests.wire_servers import OPENAI_401, json_reply


def everything_shown(dialog) -> str:
    """All the text a person could see or copy from the dialog, fields included."""
    labels = [w.text() for w in dialog.findChildren(QLabel)]
    fields = [w.text() for w in dialog.findChildren(QLineEdit)]
    return "\n".join(labels + fields)


def test_a_saved_key_shows_where_it_is_kept_and_never_the_key(qtbot, open_window, keychain, caplog):
    caplog.set_level(logging.DEBUG)
    window, _services = open_window()
    dialog, panel = openai_panel(qtbot, window)
    assert panel.state.text() == "No key"
    qtbot.keyClicks(panel.key_edit, OPENAI_KEY)
    assert panel.key_edit.echoMode() == QLineEdit.EchoMode.Password
    click(qtbot, panel.save_button)

    assert keychain.entries[(SERVICE, "openai")] == OPENAI_KEY
    assert panel.key_edit.text() == ""
    assert panel.state.text().startswith("Key in ")
    assert OPENAI_KEY not in everything_shown(dialog)
    assert OPENAI_KEY not in caplog.text
    # A key is enough to start: the first screen gives way to a chat with an OpenAI model.
    qtbot.waitUntil(lambda: not window.showing_welcome)
    assert window.header.badge.text() == "sent to OpenAI"
    dialog.close()


def test_test_lists_the_models_or_says_the_key_was_rejected(qtbot, open_window, openai_server):
    window, _services = open_window()
    dialog, panel = openai_panel(qtbot, window)
    models = [{"id": n, "object": "model", "created": 1} for n in ("gpt-4o", "gpt-5", "o4-mini")]
    openai_server.script(
        "GET",
        "/v1/models",
        json_reply(401, OPENAI_401),  # the first try, then the list
        json_reply(200, {"object": "list", "data": models}),
    )
    qtbot.keyClicks(panel.key_edit, "sk-wrong-0123456789abcdefghijklmnop")
    click(qtbot, panel.test_button)  # saves what was pasted, then tries it
    qtbot.waitUntil(lambda: "rejected" in panel.result.text())
    assert panel.result.text() == "The key was rejected by OpenAI."
    assert panel.result.property("error") is True
    assert "sk-wrong" not in everything_shown(dialog)

    click(qtbot, panel.test_button)
    qtbot.waitUntil(lambda: panel.result.text() == "Works — 3 models.")
    # The picker now lists what the service really offers.
    qtbot.waitUntil(lambda: window.find_model("openai:gpt-5") is not None)
    dialog.close()


def test_remove_forgets_the_key(qtbot, open_window, keychain):
    secrets.set_key("openai", OPENAI_KEY)
    window, _services = open_window()
    assert not window.showing_welcome  # a key alone skips the first screen
    panel = window.open_settings("providers", "openai").providers.current
    assert panel.remove_button.isEnabled()
    click(qtbot, panel.remove_button)
    assert (SERVICE, "openai") not in keychain.entries
    assert panel.state.text() == "No key"
    assert panel.result.text() == "The key was removed."
    assert not panel.remove_button.isEnabled()
    qtbot.waitUntil(lambda: _group(window, "openai").needs_key)
    window.settings.dialog.close()


def test_a_key_from_the_environment_is_named_and_cannot_be_removed(qtbot, open_window, monkeypatch):
    monkeypatch.setenv("GROQ_API_KEY", "gsk_0123456789abcdefghijklmnopqrstuvwxyz")
    window, _services = open_window()
    panel = window.open_settings("providers", "groq").providers.current
    assert panel.state.text() == "Key from GROQ_API_KEY"
    assert not panel.remove_button.isEnabled()
    assert "GROQ_API_KEY" in panel.remove_button.toolTip()
    window.settings.dialog.close()


def test_without_a_keychain_a_key_works_for_this_session(qtbot, open_window, openai_server):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    window, _services = open_window()
    dialog, panel = openai_panel(qtbot, window)
    assert panel.keychain_note.isVisible()
    assert "no keychain" in panel.keychain_note.text()
    assert "this session only" in panel.keychain_note.text()
    assert panel.save_button.text() == "Use for this session"
    qtbot.keyClicks(panel.key_edit, OPENAI_KEY)
    click(qtbot, panel.save_button)
    assert panel.state.text() == "Session only — forgotten when Hearth closes"
    assert secrets.key_source("openai") == "session"
    dialog.close()

    qtbot.waitUntil(lambda: not window.showing_welcome)
    openai_says(openai_server, "Hello", " from the session")
    send_by_keyboard(qtbot, window, "Hi")
    wait_until_idle(qtbot, window)
    [reply] = shown_replies(window)
    assert reply.message.content == "Hello from the session"
    request = openai_server.requests[-1]
    assert request.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert window.current_model.id == "openai:gpt-4o-mini"


def test_a_locked_keychain_offers_this_session_only(qtbot, open_window, monkeypatch):
    from app.core.provider_errors import KeychainUnavailable

    window, _services = open_window()
    dialog, panel = openai_panel(qtbot, window)

    def refuse(_provider_id, _key):
        raise KeychainUnavailable("The keychain refused to store the key (it may be locked).")

    monkeypatch.setattr(secrets, "set_key", refuse)
    qtbot.keyClicks(panel.key_edit, OPENAI_KEY)
    click(qtbot, panel.save_button)
    assert "refused to store the key" in panel.result.text()
    assert panel.session_button.isVisible()
    click(qtbot, panel.session_button)
    assert secrets.key_source("openai") == "session"
    assert panel.key_edit.text() == ""
    dialog.close()


def test_a_local_server_address_is_checked_and_detect_reports_plainly(qtbot, open_window):
    window, services = open_window()
    panel = window.open_settings("providers", "lmstudio").providers.current
    assert panel.where.text() == "on this computer"
    assert not panel.key_edit.isVisible() and panel.url_edit.isVisible()
    panel.url_edit.setText("localhost:1234")
    click(qtbot, panel.save_url_button)
    assert panel.result.property("error") is True and "http://" in panel.result.text()
    panel.url_edit.setText("http://127.0.0.1:9/v1")  # the discard port: nothing answers there
    click(qtbot, panel.test_button)
    qtbot.waitUntil(lambda: panel.result.text().startswith("Nothing is answering"), timeout=5000)
    assert services.settings.get("base_urls") == {"lmstudio": "http://127.0.0.1:9/v1"}
    window.settings.dialog.close()


def test_offline_switch_shows_the_pill_and_privacy_settings_are_kept(
    qtbot, open_window, online_again
):
    window, services = open_window()
    window.pages.setCurrentWidget(window.splitter)
    dialog = window.open_settings("privacy")
    privacy = dialog.privacy
    assert not window.header.offline_pill.isVisible()
    click(qtbot, privacy.offline_switch)
    assert services.providers.offline and services.settings.get("offline_mode") is True
    assert window.header.offline_pill.isVisible()
    click(qtbot, privacy.check_switch)
    assert services.settings.get("privacy_check") is False
    assert privacy.fallback.currentText() == "Off" and not privacy.fallback.isEnabled()
    click(qtbot, window.header.offline_pill)  # the pill leads back here
    assert dialog.tabs.currentWidget() is privacy
    click(qtbot, privacy.offline_switch)
    assert not services.providers.offline
    assert not window.header.offline_pill.isVisible()
    dialog.close()


def _group(window, provider_id):
    return next(g for g in window.models.groups if g.provider and g.provider.id == provider_id)


@pytest.mark.parametrize("source", ["keychain", "environment", "session", None])
def test_key_state_words(source):
    from app.providers.registry import get_provider
    from app.services.providers import ProviderStatus
    from app.ui.settings.provider_panel import key_state_text

    status = ProviderStatus(get_provider("openai"), source, "https://api.openai.com/v1", False)
    expected = {
        "keychain": "Key in the macOS Keychain",
        "environment": "Key from OPENAI_API_KEY",
        "session": "Session only — forgotten when Hearth closes",
        None: "No key",
    }[source]
    assert key_state_text(status, "macOS Keyring") == expected


def test_fallback_choice_lists_local_model_files(qtbot, open_window, tiny_gguf):
    window, services = open_window()
    wait_for(qtbot, window.add_models([str(tiny_gguf)]))
    privacy = window.open_settings("privacy").privacy
    assert privacy.fallback.isEnabled()
    assert [privacy.fallback.itemText(i) for i in range(privacy.fallback.count())][0] == "Off"
    privacy.fallback.setCurrentIndex(1)
    assert services.settings.get("fallback_model") == "tiny-chat"
    window.settings.dialog.close()


def test_the_theme_is_chosen_in_settings_applied_at_once_and_remembered(
    qtbot, open_window, data_dir
):
    import json

    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from app.ui.shell.theme import DARK, LIGHT, theme_manager

    window, services = open_window()
    try:
        page = window.open_settings().show_appearance()
        assert page.theme_choice.currentText() == "Match this computer"
        assert not theme_manager().theme.dark  # HEARTH_THEME=light in the tests
        page.theme_choice.setCurrentIndex(page.theme_choice.findText("Dark"))
        window_colour = QApplication.palette().color(QPalette.ColorRole.Window).name()
        assert window_colour.upper() == DARK.window.upper()  # at once, no restart
        assert window.chat_view._theme is DARK
        assert json.loads((data_dir / "settings.json").read_text())["theme"] == "dark"
        window.settings.dialog.grab().save("/tmp/hearth13-settings-theme.png")

        open_window.close(window, services)
        theme_manager().set_choice("system")  # as a fresh start would find it
        window, services = open_window()
        assert theme_manager().theme is DARK  # remembered
        page = window.open_settings().show_appearance()
        assert page.theme_choice.currentText() == "Dark"
        page.theme_choice.setCurrentIndex(page.theme_choice.findText("Match this computer"))
        assert theme_manager().theme is LIGHT
    finally:
        theme_manager().set_choice("system")
