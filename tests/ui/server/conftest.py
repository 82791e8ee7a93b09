"""Windows whose services can serve: the local server's HTTP side handed in as app/__main__.py
does, on a free loopback port of the test's own."""

from __future__ import annotations

import json
import socket

import pytest

from tests.ui.support import wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def served(qtbot, open_window, monkeypatch, data_dir, port):
    """served(**settings) → (window, services), the server's port set to a free one before the
    window opens (so a server left on starts with it), with any other settings given."""
    import tests.ui.support as support
    from app.server import front_door

    real = support.open_services

    def with_server(folder):
        services = real(folder)
        services.server.front_door = front_door  # as app/__main__.py does
        return services

    monkeypatch.setattr(support, "open_services", with_server)

    def open_served(**settings):
        values = {"server_port": port, **settings}
        (data_dir / "settings.json").write_text(json.dumps(values), encoding="utf-8")
        return open_window()

    yield open_served
    # A window still serving would ask “The local server will stop” instead of closing.
    for window, _services in list(open_window._open):
        wait_for(qtbot, window.server.stop())
