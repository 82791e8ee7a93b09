"""Settings → Tools in the real window: servers with their state (ready, failed with the reason)
and tools (a switch each), adding by the form (secrets to the keychain), by pasted JSON and from
Claude Desktop's file, removing, and the offline note. The test MCP server runs over stdio."""

from __future__ import annotations

import json
import sys

import pytest

from app import secrets
from app.tools.config import ServerConfig
from tests.tools.support import SERVER_SCRIPT, stdio_config
from tests.ui.support import click, save_shot, wait_for

SECRET = "sk-tool-secret-0123456789"


@pytest.fixture
def tools_page(qtbot, open_window):
    window, services = open_window()
    services.tools.add(stdio_config("calc"))
    services.tools.add(ServerConfig("broken", command="no-such-command-xyz"))
    page = window.open_settings("tools").tools
    qtbot.waitUntil(lambda: page.loading is not None and page.loading.done(), timeout=30_000)
    return window, services, page


def test_servers_show_their_state_and_tools(qtbot, tools_page):
    window, services, page = tools_page
    calc, broken = page.boxes["calc"], page.boxes["broken"]
    assert calc.state.text() == "Ready"
    assert broken.state.text().startswith("Failed: the command “no-such-command-xyz” was not found")
    assert {"add", "slow", "fail"} <= set(calc.switches)
    assert all(s.isChecked() for s in calc.switches.values())
    assert not page.offline_note.isVisible()
    save_shot(window.settings.dialog, "tools-settings.png")

    click(qtbot, calc.switches["add"])
    assert not services.tools.is_enabled("calc", "add")
    offered = wait_for(qtbot, services.tools.enabled_tools())
    assert "add" not in [t.name for t in offered] and "slow" in [t.name for t in offered]


def test_add_by_form_keeps_the_secret_in_the_keychain(qtbot, tools_page, data_dir):
    _window, services, page = tools_page
    form = page.open_add_form()
    form.name.setText("bad name!")
    form.command.setText(sys.executable)
    click(qtbot, form.add_button)
    assert form.isVisible() and "cannot be a server name" in form.error.text()

    form.name.setText("mine")
    form.args.setText(f'"{SERVER_SCRIPT}"')
    form.env.setPlainText(f"API_KEY={SECRET}\nPLAIN=visible")
    save_shot(form, "tools-add-form.png")
    click(qtbot, form.add_button)
    assert not form.isVisible()

    stored = services.tools.server("mine")
    assert stored.args == (str(SERVER_SCRIPT),)
    assert stored.env["PLAIN"] == "visible" and stored.env["API_KEY"].startswith("keychain:")
    assert secrets.get_key(stored.env["API_KEY"].removeprefix("keychain:")) == SECRET
    assert SECRET not in (data_dir / "settings.json").read_text(encoding="utf-8")
    qtbot.waitUntil(lambda: "mine" in page.boxes and page.loading.done(), timeout=30_000)
    assert page.boxes["mine"].state.text() == "Ready"


def test_paste_json_and_claude_desktop_import(qtbot, tools_page, tmp_path, monkeypatch):
    _window, services, page = tools_page
    dialog = page.open_paste()
    dialog.text.setPlainText("not json")
    click(qtbot, dialog.add_button)
    assert "not valid JSON" in dialog.error.text()
    pasted = {"mcpServers": {"pasted": {"command": sys.executable, "args": [str(SERVER_SCRIPT)]}}}
    dialog.text.setPlainText(json.dumps(pasted))
    click(qtbot, dialog.add_button)
    assert "pasted" in [s.name for s in services.tools.servers()]
    assert page.message.text() == "Added pasted."

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(sys, "platform", "linux")
    click(qtbot, page.import_button)
    assert "was not found" in page.message.text()  # no Claude Desktop here: said plainly
    claude = tmp_path / "config" / "Claude" / "claude_desktop_config.json"
    claude.parent.mkdir(parents=True)
    claude.write_text(json.dumps({"mcpServers": {"desk": {"url": "http://127.0.0.1:9/mcp"}}}))
    click(qtbot, page.import_button)
    assert page.message.text() == "Added desk from Claude Desktop."
    assert services.tools.server("desk").url == "http://127.0.0.1:9/mcp"


def test_remove_and_the_offline_note(qtbot, tools_page, online_again):
    window, services, page = tools_page
    click(qtbot, page.boxes["broken"].remove_button)
    qtbot.waitUntil(lambda: "broken" not in page.boxes, timeout=30_000)
    assert [s.name for s in services.tools.servers()] == ["calc"]

    window.settings.dialog.privacy.offline_switch.setChecked(True)
    window.open_settings("tools")
    assert page.offline_note.isVisible()
    save_shot(window.settings.dialog, "tools-offline.png")
    assert "programs on this computer (stdio) still run" in page.offline_note.text()
