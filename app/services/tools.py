"""Tool servers as the window and `hearth tools` see them: added, imported and removed (secrets
to the keychain), started on demand, their tools listed, switched on or off, "always allowed",
and called. The chat's tool loop (app/services/tool_loop.py) asks this service for the enabled
tools and runs calls through it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import secrets
from app.store.settings import Settings
from app.tools.client import McpServer, ToolInfo, ToolResult
from app.tools.config import (
    ServerConfig,
    check_name,
    claude_desktop_config_path,
    fill_secrets,
    parse_mcp_servers,
    server_from_dict,
    server_to_dict,
    split_secrets,
)
from app.tools.errors import ToolConfigError, ToolServerNotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerStatus:
    config: ServerConfig
    state: str  # stopped, starting, ready, failed
    reason: str
    tools: tuple[ToolInfo, ...]


def tool_key(server: str, tool: str) -> str:
    return f"{server}/{tool}"


class ToolsService:
    def __init__(self, settings: Settings, *, call_timeout: float = 60.0) -> None:
        self._settings = settings
        self.call_timeout = call_timeout
        self._servers: dict[str, McpServer] = {}
        # Called after a server is added or removed (the window's “Tools” chip shows only when
        # there is one).
        self.on_changed: list[Callable[[], None]] = []

    # -- configuration -------------------------------------------------------------------------

    def servers(self) -> list[ServerConfig]:
        """The servers as stored: secrets are keychain references here."""
        found = []
        for name, entry in (self._settings.get("tool_servers") or {}).items():
            try:
                found.append(server_from_dict(name, entry))
            except ToolConfigError as err:
                log.warning("Skipping tool server %s: %s", name, err)
        return found

    def server(self, name: str) -> ServerConfig:
        for config in self.servers():
            if config.name == name:
                return config
        raise ToolServerNotFound(f"There is no tool server named “{name}”.")

    def add(self, config: ServerConfig, *, replace: bool = True) -> None:
        """Store a server; values of secret-named env variables and headers go to the keychain
        (or, with no keychain, are kept for this session only)."""
        check_name(config.name)
        stored = dict(self._settings.get("tool_servers") or {})
        if config.name in stored and not replace:
            raise ToolConfigError(f"There is already a tool server named “{config.name}”.")
        kept, values = split_secrets(config)
        for slot, value in values.items():
            secrets.set_secret(slot, value)
        stored[config.name] = server_to_dict(kept)
        self._settings.set("tool_servers", stored)
        old = self._servers.pop(config.name, None)
        if old is not None and old.state != "stopped":  # running: it restarts with the new settings
            asyncio.get_running_loop().create_task(old.stop())
        log.info("Added tool server %s (%s)", config.name, config.kind)
        self._changed()

    def import_json(self, text: str) -> list[str]:
        """Add every server in a `{"mcpServers": ...}` document; returns their names."""
        configs = parse_mcp_servers(text)
        for config in configs:
            self.add(config)
        return [c.name for c in configs]

    def import_claude_desktop(self, path: Path | None = None) -> list[str]:
        path = path or claude_desktop_config_path()
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ToolConfigError(
                f"Claude Desktop's settings file was not found at {path}.",
                action="Is Claude Desktop installed? You can also paste the JSON instead.",
            ) from None
        except OSError as exc:
            raise ToolConfigError(f"{path} could not be read ({exc.strerror}).") from None
        return self.import_json(text)

    async def remove(self, name: str) -> None:
        config = self.server(name)
        server = self._servers.pop(name, None)
        if server is not None:
            await server.stop()
        for value in (*config.env.values(), *config.headers.values(), *config.args):
            if value.startswith("keychain:"):
                secrets.delete_key(value[len("keychain:") :])
        stored = dict(self._settings.get("tool_servers") or {})
        stored.pop(name, None)
        self._settings.set("tool_servers", stored)
        self._forget(name)
        self._changed()

    def _changed(self) -> None:
        for listener in list(self.on_changed):
            listener()

    def _forget(self, name: str) -> None:
        prefix = tool_key(name, "")
        for key in ("tools_disabled", "tools_always_allow"):
            kept = [k for k in self._settings.get(key) or [] if not k.startswith(prefix)]
            self._settings.set(key, kept)

    # -- switches ------------------------------------------------------------------------------

    def is_enabled(self, server: str, tool: str) -> bool:
        return tool_key(server, tool) not in (self._settings.get("tools_disabled") or [])

    def set_enabled(self, server: str, tool: str, enabled: bool) -> None:
        self._toggle("tools_disabled", tool_key(server, tool), not enabled)

    def always_allowed(self, server: str, tool: str) -> bool:
        return tool_key(server, tool) in (self._settings.get("tools_always_allow") or [])

    def set_always_allow(self, server: str, tool: str, allowed: bool = True) -> None:
        self._toggle("tools_always_allow", tool_key(server, tool), allowed)

    def _toggle(self, setting: str, key: str, on: bool) -> None:
        values = [k for k in self._settings.get(setting) or [] if k != key]
        self._settings.set(setting, [*values, key] if on else values)

    # -- running -------------------------------------------------------------------------------

    def connection(self, name: str) -> McpServer:
        """The server's connection (not started yet: it starts on first use)."""
        server = self._servers.get(name)
        if server is None:
            config = fill_secrets(self.server(name), secrets.get_key)
            server = McpServer(config, call_timeout=self.call_timeout)
            self._servers[name] = server
        return server

    async def status(self, *, start: bool = True) -> list[ServerStatus]:
        """Every server with its state and tools; starts them (side by side) unless start=False."""
        configs = self.servers()
        if start:
            await asyncio.gather(
                *(self._try_start(self.connection(c.name)) for c in configs),
            )
        found = []
        for config in configs:
            server = self._servers.get(config.name)
            if server is None:
                found.append(ServerStatus(config, "stopped", "", ()))
            else:
                found.append(ServerStatus(config, server.state, server.reason, tuple(server.tools)))
        return found

    @staticmethod
    async def _try_start(server: McpServer) -> None:
        try:
            await server.start()
        except Exception:  # its state and reason say what went wrong
            pass

    async def enabled_tools(self) -> list[ToolInfo]:
        """The switched-on tools of every server that starts; a failed server offers none."""
        tools = []
        for status in await self.status():
            tools += [t for t in status.tools if self.is_enabled(t.server, t.name)]
        return tools

    async def call(
        self, server: str, tool: str, arguments: dict[str, Any], *, timeout: float | None = None
    ) -> ToolResult:
        return await self.connection(server).call(tool, arguments, timeout=timeout)

    async def close(self) -> None:
        """Stop every server (on quit)."""
        servers, self._servers = list(self._servers.values()), {}
        await asyncio.gather(*(s.stop() for s in servers), return_exceptions=True)
