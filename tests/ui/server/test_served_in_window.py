"""Other apps' requests show in the window as they end, like a chat's: a cloud model's cost in
the status bar's totals, a served chat in the sidebar when “Keep served chats in history” is on,
and a request the privacy check refused offers to allow its app."""

from __future__ import annotations

import httpx

from app import secrets
from tests.ui.support import OPENAI_KEY, wait_for
from tests.wire_servers import encode_sse, openai_events, openai_usage, sse_reply

CLOUD = "openai:gpt-4o-mini"
SECRET_TEXT = "my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"


def ask(url: str, text: str):
    async def call():
        body = {"model": CLOUD, "messages": [{"role": "user", "content": text}]}
        async with httpx.AsyncClient(timeout=30) as client:
            return await client.post(
                url + "/v1/chat/completions", json=body, headers={"user-agent": "NoteApp/2.1"}
            )

    return call()


def test_cloud_requests_reach_the_status_bar_history_and_privacy_list(qtbot, served, openai_server):
    secrets.set_key("openai", OPENAI_KEY)
    stream = encode_sse(openai_events(["Bonjour"], usage=openai_usage(1000, 400)))
    openai_server.script("POST", "/v1/chat/completions", sse_reply([stream]))
    window, services = served(server_enabled=True, server_cloud_models=True)
    qtbot.waitUntil(lambda: window.server.running)
    page = window.open_settings("server").server
    summary = window.costs.usage_bar.summary
    assert summary.text().startswith("Today $0 ")
    chats_before = len(window.chats.conversations)
    page.keep_chats.click()
    assert services.settings.get("server_keep_chats") is True

    address = services.server.local_address
    reply = wait_for(qtbot, ask(address, "Hello"))
    assert reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"]
    qtbot.waitUntil(lambda: not summary.text().startswith("Today $0 "))  # metered, shown
    qtbot.waitUntil(lambda: len(window.chats.conversations) == chats_before + 1)
    assert window.chats.conversations[0].title.startswith("NoteApp")

    refused = wait_for(qtbot, ask(address, SECRET_TEXT))
    assert refused.status_code == 403
    qtbot.waitUntil(lambda: page.requests.rows()[0][5] == "Secrets in request")
    assert page.requests.menu_for(page.requests.topLevelItem(1)) is None  # an answered one
    menu = page.requests.menu_for(page.requests.topLevelItem(0))
    (allow,) = menu.actions()
    assert allow.text() == "Allow NoteApp to send secrets to cloud models"
    allow.trigger()
    assert services.settings.get("server_privacy_allowed") == ["NoteApp"]
    assert page.allowed.text() == "NoteApp"

    openai_server.script("POST", "/v1/chat/completions", sse_reply([stream]))
    assert wait_for(qtbot, ask(address, SECRET_TEXT)).status_code == 200  # allowed now
