"""Offline mode: nothing opens a connection beyond this computer, and a socket guard proves it."""

from __future__ import annotations

import asyncio
import socket

import pytest

from app import netguard
from app.core.events import Error
from app.core.provider_errors import Offline, OfflineModeBlocked
from app.netguard import (
    BlockedConnection,
    ensure_connection_allowed,
    is_loopback_url,
    offline_mode_enabled,
    set_offline_mode,
    socket_guard,
)
from app.providers.backends import create_backend, detect_local_servers
from app.providers.registry import all_providers, base_url_for, get_provider
from tests.wire_servers import (
    WireServer,
    collect,
    encode_sse,
    json_reply,
    openai_events,
    sse_reply,
    text_of,
)


@pytest.fixture(autouse=True)
def online_by_default(monkeypatch):
    monkeypatch.delenv("HEARTH_OFFLINE", raising=False)
    set_offline_mode(False)
    yield
    set_offline_mode(False)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:11434/v1", True),
        ("http://127.8.9.10/v1", True),
        ("http://localhost:1234/v1", True),
        ("http://[::1]:8080/v1", True),
        ("http://[::ffff:127.0.0.1]:8080/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://192.168.1.20:8000/v1", False),
        ("http://0.0.0.0:8000/v1", False),
        ("http://localhost.example.com/v1", False),
        ("not a url", False),
    ],
)
def test_is_loopback_url(url, loopback):
    assert is_loopback_url(url) is loopback


def test_offline_switch_from_environment_or_setting(monkeypatch):
    assert not offline_mode_enabled()
    assert offline_mode_enabled(settings_value=True)
    set_offline_mode(True)
    assert offline_mode_enabled()
    set_offline_mode(False)
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    assert offline_mode_enabled(settings_value=False)  # the environment wins


def test_enforcement_point_blocks_only_non_loopback(monkeypatch):
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    with pytest.raises(OfflineModeBlocked) as info:
        ensure_connection_allowed("https://api.anthropic.com/v1", provider="Anthropic")
    assert info.value.message == "Offline mode is on, so nothing is sent to Anthropic."
    assert "this computer" in info.value.action
    ensure_connection_allowed("http://127.0.0.1:11434/v1")


def test_offline_cloud_calls_never_touch_a_socket(monkeypatch):
    """Every cloud preset, both chat and model list, with the real default URLs."""
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    cloud = [spec for spec in all_providers() if not spec.is_local_server]
    with socket_guard() as attempts:
        for spec in cloud:
            backend = create_backend(spec, "some-model", base_url_for(spec, env={}), "sk-test-key")
            events = collect(backend)
            assert [type(e) for e in events] == [Error], spec.id
            assert isinstance(events[0].error, OfflineModeBlocked)
            with pytest.raises(OfflineModeBlocked):
                asyncio.run(backend.list_models())
    assert attempts == []


def test_a_lan_server_is_blocked_too(monkeypatch):
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    spec = get_provider("custom")
    with socket_guard() as attempts:
        events = collect(create_backend(spec, "m", "http://192.168.1.20:8000/v1", None))
    assert isinstance(events[-1].error, OfflineModeBlocked) and attempts == []


def test_offline_loopback_servers_still_work(monkeypatch):
    monkeypatch.setenv("HEARTH_OFFLINE", "1")
    with WireServer() as server, socket_guard() as attempts:
        server.script(
            "POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["local"]))])
        )
        spec = get_provider("ollama")
        events = collect(create_backend(spec, "llama3.2", server.base_url + "/v1", None))
    assert text_of(events) == "local" and attempts == []


def test_the_guard_itself_catches_non_loopback_attempts():
    """Proof that the guard would notice: online, the same cloud call is caught and refused."""
    with socket_guard() as attempts:
        with pytest.raises(BlockedConnection):
            socket.create_connection(("203.0.113.5", 443), timeout=0.1)
        spec = get_provider("openai")
        events = collect(create_backend(spec, "gpt-4o-mini", spec.default_base_url, "sk-x"))
    assert "connect 203.0.113.5" in attempts
    assert "lookup api.openai.com" in attempts
    assert isinstance(events[-1].error, Offline)  # to the app, a refused lookup is "offline"


def test_guard_restores_the_socket_module():
    original = socket.socket.connect, socket.create_connection, socket.getaddrinfo
    with socket_guard():
        assert socket.getaddrinfo is not original[2]
    assert (socket.socket.connect, socket.create_connection, socket.getaddrinfo) == original


def test_local_servers_are_detected_when_running(monkeypatch):
    monkeypatch.setenv("HEARTH_OFFLINE", "1")  # detection is loopback-only, so allowed offline
    with WireServer() as gone:
        closed_url = gone.base_url + "/v1"
    with WireServer() as ollama, socket_guard() as attempts:
        ollama.script("GET", "/v1/models", json_reply(200, {"object": "list", "data": []}))
        monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", ollama.base_url + "/v1")
        monkeypatch.setenv("HEARTH_LMSTUDIO_BASE_URL", closed_url)
        found = asyncio.run(detect_local_servers())
    assert [spec.id for spec in found] == ["ollama"] and attempts == []


def test_module_switch_is_process_wide():
    set_offline_mode(True)
    assert netguard.offline_mode_enabled()
