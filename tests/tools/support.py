"""What the tool tests share: the test MCP server as a stdio config, or serving streamable HTTP on
127.0.0.1 in a subprocess."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from pathlib import Path

from app.tools.config import ServerConfig

SERVER_SCRIPT = Path(__file__).with_name("mcp_test_server.py")


def stdio_config(name: str = "test", **env: str) -> ServerConfig:
    return ServerConfig(name, command=sys.executable, args=(str(SERVER_SCRIPT),), env=env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def http_server():
    """The test server over streamable HTTP; yields its URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT), "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)
