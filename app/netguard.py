"""Offline mode: while it is on, nothing in Hearth opens a connection beyond this computer.

The switch is the Settings value (handed in with `set_offline_mode`) or HEARTH_OFFLINE=1; either
turns it on. Every HTTP request the providers make passes `ensure_connection_allowed` first (see
app/providers/http_stream.py), before any DNS lookup or connect, so a blocked request leaves no
trace on the network. `socket_guard` is the proof: tests run the app under it and any attempt
to reach a non-loopback address is recorded and refused.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

from app.core.provider_errors import OfflineModeBlocked

OFFLINE_ENV = "HEARTH_OFFLINE"
_TRUTHY = {"1", "true", "yes", "on"}

_offline_setting = False


def set_offline_mode(enabled: bool) -> None:
    """Called by the services when the user flips the Settings switch."""
    global _offline_setting
    _offline_setting = bool(enabled)


def offline_mode_enabled(settings_value: bool | None = None) -> bool:
    """True when the environment or the setting asks for offline mode (either is enough)."""
    if os.environ.get(OFFLINE_ENV, "").strip().lower() in _TRUTHY:
        return True
    return bool(_offline_setting if settings_value is None else settings_value)


def is_loopback_host(host: str | None) -> bool:
    """localhost, 127.0.0.0/8 or ::1. Names other than localhost are not resolved: a DNS lookup
    is itself a connection to another computer."""
    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def is_loopback_url(url: str) -> bool:
    try:
        return is_loopback_host(urlsplit(str(url)).hostname)
    except ValueError:
        return False


def ensure_connection_allowed(
    url: str, *, provider: str = "this provider", settings_value: bool | None = None
) -> None:
    """Raise OfflineModeBlocked for a non-loopback URL while offline mode is on."""
    if offline_mode_enabled(settings_value) and not is_loopback_url(url):
        raise OfflineModeBlocked(provider)


# -- the proof ---------------------------------------------------------------------------------


class BlockedConnection(OSError):
    """Raised by socket_guard instead of connecting to another computer."""


def _address_host(address: object) -> str | None:
    if isinstance(address, tuple) and address:
        return str(address[0])
    return None  # AF_UNIX paths and the like never leave the computer


@contextlib.contextmanager
def socket_guard() -> Iterator[list[str]]:
    """Refuse and record every attempt to reach a non-loopback address (connect or DNS lookup).

    Yields the list of attempts, so a test can assert it stayed empty. Patches the socket
    module at class level, which also covers asyncio, anyio and httpx underneath.
    """
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_getaddrinfo = socket.create_connection, socket.getaddrinfo

    def check(host: str | None, what: str) -> None:
        if host is not None and not is_loopback_host(host):
            attempts.append(f"{what} {host}")
            raise BlockedConnection(f"socket_guard: {what} to {host} refused")

    def connect(self, address):
        check(_address_host(address), "connect")
        return real_connect(self, address)

    def connect_ex(self, address):
        check(_address_host(address), "connect")
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        check(_address_host(address), "connect")
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None:
            check(host.decode() if isinstance(host, bytes) else str(host), "lookup")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.create_connection, socket.getaddrinfo = create_connection, getaddrinfo
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex
        socket.create_connection, socket.getaddrinfo = real_create, real_getaddrinfo
