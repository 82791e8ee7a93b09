"""Settings → Local server in the real window, over real HTTP on loopback: the switch starts the
server (address, sample code, /v1/models answers), requests appear in the live list as they end
and in the status bar's count, a taken port is said plainly, tokens are shown once and revoked,
and network serving needs one."""

from __future__ import annotations

import socket

import httpx

from tests.ui.support import click, save_shot, wait_for


def get(url: str, **headers) -> httpx.Response:
    async def call():
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.get(url, headers=headers)

    return call()


def post(url: str, body: dict, **headers) -> httpx.Response:
    async def call():
        async with httpx.AsyncClient(timeout=60) as client:
            return await client.post(url, json=body, headers=headers)

    return call()


def server_page(window):
    page = window.open_settings("server").server
    assert window.settings.dialog.tabs.currentWidget() is page
    return page


def test_switching_on_serves_and_lists_requests(qtbot, served, port, tiny_gguf):
    window, services = served()
    (model,), _ = wait_for(qtbot, services.models.add_from_disk([tiny_gguf]))
    page = server_page(window)
    assert not page.enable.isChecked() and page.address.text() == ""
    assert not window.server.status.isVisible()

    click(qtbot, page.enable)
    assert wait_for(qtbot, page.pending) is True
    address = f"http://127.0.0.1:{port}"
    assert page.address.text() == address and services.settings.get("server_enabled") is True
    assert page.enable.isChecked() and not page.error.isVisible()
    qtbot.waitUntil(lambda: f'model="{model.id}"' in page.python.text())
    assert page.curl.text().startswith(f"curl {address}/v1/chat/completions")
    status = window.server.status
    assert status.isVisible() and status.text() == f"Local server on :{port} — 0 requests"

    listed = wait_for(qtbot, get(address + "/v1/models"))
    assert listed.status_code == 200
    assert [m["id"] for m in listed.json()["data"]] == [model.id]

    asked = {"model": "nope", "messages": [{"role": "user", "content": "Hi"}]}
    missing = wait_for(qtbot, post(address + "/v1/chat/completions", asked))
    assert missing.status_code == 404
    qtbot.waitUntil(lambda: len(page.requests.rows()) == 1)
    assert page.requests.rows()[0][1:3] == ["python-httpx", "nope"]
    assert page.requests.rows()[0][5] == "Model not served"

    hello = {"model": model.id, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}
    answer = wait_for(qtbot, post(address + "/v1/chat/completions", hello), timeout=60_000)
    assert answer.status_code == 200
    qtbot.waitUntil(lambda: len(page.requests.rows()) == 2)
    _time, app, name, tokens, cost, state = page.requests.rows()[0]  # newest first
    used = answer.json()["usage"]
    assert (app, name, cost, state) == ("python-httpx", model.id, "$0", "OK")
    assert tokens == f"{used['prompt_tokens']} in · {used['completion_tokens']} out"
    assert status.text() == f"Local server on :{port} — 2 requests"
    save_shot(window.settings.dialog, "server-settings.png")
    save_shot(window, "server-status-bar.png")
    save_shot(page.widget(), "server-page-whole.png")

    click(qtbot, page.enable)
    wait_for(qtbot, page.pending)
    assert page.address.text() == "" and not status.isVisible()
    assert services.settings.get("server_enabled") is False


def test_the_status_bar_opens_the_page_and_the_server_starts_with_the_app(qtbot, served, port):
    window, _services = served(server_enabled=True)
    qtbot.waitUntil(lambda: window.server.running)
    status = window.server.status
    assert status.text() == f"Local server on :{port} — 0 requests"
    click(qtbot, status)
    dialog = window.settings.dialog
    assert dialog.isVisible() and dialog.tabs.currentWidget() is dialog.server
    assert dialog.server.enable.isChecked()


def test_a_taken_port_is_said_plainly(qtbot, served, port):
    window, services = served()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen(1)
        page = server_page(window)
        click(qtbot, page.enable)
        qtbot.waitUntil(lambda: page.error.isVisible())
    assert f"Port {port} is already used by another program." in page.error.text()
    assert "Choose another port" in page.error.text()
    assert not page.enable.isChecked() and not window.server.running
    assert services.settings.get("server_enabled") is False
    assert window.server.status.text() == "Local server could not start"

    page.port.setText(str(port))  # freed now: trying again works
    page.port.editingFinished.emit()
    click(qtbot, page.enable)
    qtbot.waitUntil(lambda: window.server.running)
    assert not page.error.isVisible() and window.server.status.text().startswith("Local server on")


def test_tokens_are_shown_once_revoked_and_needed_for_the_network(qtbot, served, port, data_dir):
    window, services = served()
    page = server_page(window)
    click(qtbot, page.network)  # no token yet: refused in words, the switch stays off
    assert not page.network.isChecked() and "needs an access token" in page.error.text()

    page.tokens.name.setText("Obsidian")
    click(qtbot, page.tokens.create_button)
    dialog = page.tokens.secret_dialog
    assert dialog is not None and dialog.isVisible()
    secret = dialog.secret.text()
    assert secret.startswith("hearth-") and services.server.tokens.names() == ["Obsidian"]
    save_shot(dialog, "server-token-secret.png")
    click(qtbot, dialog.copy_button)
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == secret
    dialog.accept()
    qtbot.waitUntil(lambda: page.tokens.secret_dialog is None)
    assert secret not in (data_dir / "settings.json").read_text(encoding="utf-8")
    assert "Obsidian" in page.tokens.revoke_buttons and page.tokens.name.text() == ""

    page.tokens.name.setText("Obsidian")  # the same name twice: said, nothing made
    click(qtbot, page.tokens.create_button)
    assert page.tokens.error.isVisible() and "already a token" in page.tokens.error.text()

    click(qtbot, page.enable)
    click(qtbot, page.network)
    qtbot.waitUntil(lambda: window.server.running and services.server.network)
    local = services.server.local_address
    assert page.network.isChecked() and "YOUR-TOKEN" in page.curl.text()
    assert wait_for(qtbot, get(local + "/v1/models")).status_code == 401
    bearer = {"Authorization": f"Bearer {secret}"}
    assert wait_for(qtbot, get(local + "/v1/models", **bearer)).status_code == 200

    click(qtbot, page.tokens.revoke_buttons["Obsidian"])
    assert services.server.tokens.names() == [] and not page.network.isChecked()
    assert services.server.setting("server_network") is False
    qtbot.waitUntil(lambda: window.server.running and not services.server.network)
    assert wait_for(qtbot, get(local + "/v1/models", **bearer)).status_code == 200  # loopback


def test_port_and_cors_changes_serve_again_with_them(qtbot, served, port):
    from tests.ui.server.conftest import free_port

    window, services = served(server_enabled=True)
    qtbot.waitUntil(lambda: window.server.running)
    page = server_page(window)
    moved = free_port()
    page.port.setText(str(moved))
    page.port.editingFinished.emit()
    wait_for(qtbot, page.pending)
    assert services.server.local_address == f"http://127.0.0.1:{moved}"
    assert page.address.text().endswith(f":{moved}") and f":{moved}/v1" in page.python.text()
    assert window.server.status.text().startswith(f"Local server on :{moved}")

    page.cors.setText(" http://localhost:3000/ , ")
    page.cors.editingFinished.emit()
    wait_for(qtbot, page.pending)
    assert services.settings.get("server_cors_origins") == ["http://localhost:3000"]

    async def preflight(origin: str):
        headers = {"origin": origin, "access-control-request-method": "POST"}
        async with httpx.AsyncClient(timeout=30) as client:
            url = services.server.local_address + "/v1/chat/completions"
            return await client.options(url, headers=headers)

    allowed = wait_for(qtbot, preflight("http://localhost:3000"))
    assert allowed.headers.get("access-control-allow-origin") == "http://localhost:3000"
    other = wait_for(qtbot, preflight("http://evil.example"))
    assert "access-control-allow-origin" not in other.headers
