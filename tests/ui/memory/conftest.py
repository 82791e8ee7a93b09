"""Fixtures of the memory and persona tests: Ollama on loopback, and a window chatting with it."""

from __future__ import annotations

import pytest

from tests.ui.memory.support import HELPER
from tests.ui.support import add_tiny_model, wait_for
from tests.wire_servers import WireServer, json_reply


@pytest.fixture
def ollama_server(monkeypatch):
    """Ollama on loopback with two models; its chat replies are scripted with says()."""
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", server.base_url + "/v1")
        data = [{"id": n, "object": "model", "created": 1} for n in ("helper", "second")]
        server.script("GET", "/v1/models", json_reply(200, {"object": "list", "data": data}))
        yield server


def window_on_ollama(qtbot, open_window, short_gguf):
    """A window past the welcome screen (a model file), chatting with the Ollama model."""
    window, services = open_window()
    add_tiny_model(qtbot, window, short_gguf)
    wait_for(qtbot, window.servers_detected)
    qtbot.waitUntil(lambda: window.find_model(HELPER) is not None)
    window.choose_model(HELPER)
    assert window.current_model.is_local
    return window, services


@pytest.fixture
def on_ollama(qtbot, open_window, short_gguf, ollama_server):
    return window_on_ollama(qtbot, open_window, short_gguf)
