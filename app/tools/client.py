"""One MCP server, held by one asyncio task: started on demand, restarted after a crash with
backoff, stopped on quit. The SDK's context managers (the transport, the Client) live and die
inside that task, which is what anyio's cancel scopes require; calls come from other tasks and
only use the open session.

stdio servers are the user's own programs and run even in offline mode; an HTTP server on another
computer is refused while offline mode is on (app/netguard.py). A stdio server's stderr goes to
the log line by line, never to the terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any

from app.core.provider_errors import OfflineModeBlocked
from app.netguard import ensure_connection_allowed
from app.tools.config import ServerConfig
from app.tools.errors import (
    ToolCallFailed,
    ToolError,
    ToolNotFound,
    ToolServerBlocked,
    ToolServerFailed,
    ToolTimedOut,
)

log = logging.getLogger(__name__)

DEFAULT_CALL_TIMEOUT = 60.0
START_TIMEOUT = 30.0
PING_EVERY, PING_TIMEOUT = 10.0, 10.0
BACKOFF = (0.5, 2.0, 5.0, 15.0, 30.0)  # seconds before each restart after a crash


@dataclass(frozen=True, slots=True)
class ToolInfo:
    server: str
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolResult:
    text: str
    is_error: bool = False


def result_text(result: Any) -> str:
    """A CallToolResult as text for a model: text parts as they are, others named."""
    parts = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource":
            parts.append(getattr(block.resource, "text", "") or f"[resource {block.resource.uri}]")
        else:
            parts.append(f"[{kind or 'content'} not shown]")
    if not parts and getattr(result, "structured_content", None) is not None:
        import json

        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


class _StderrToLog:
    """A pipe whose write end is the server's stderr; a thread logs what arrives."""

    def __init__(self, name: str) -> None:
        read_fd, write_fd = os.pipe()
        self.file = os.fdopen(write_fd, "w", encoding="utf-8", errors="replace")
        self._reader = os.fdopen(read_fd, encoding="utf-8", errors="replace")
        self.tail: list[str] = []
        threading.Thread(target=self._pump, args=(name,), daemon=True).start()

    def _pump(self, name: str) -> None:
        with self._reader:
            for line in self._reader:
                line = line.rstrip()
                if line:
                    self.tail = [*self.tail[-4:], line]
                    log.info("tool server %s: %s", name, line)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()


class McpServer:
    """The connection to one server. `state`: stopped, starting, ready or failed (`reason`)."""

    def __init__(
        self,
        config: ServerConfig,
        *,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        backoff: tuple[float, ...] = BACKOFF,
    ) -> None:
        self.config = config
        self.call_timeout = call_timeout
        self.backoff = backoff
        self.state = "stopped"
        self.reason = ""
        self.tools: list[ToolInfo] = []
        self.restarts = 0
        self._client: Any = None
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._broken = asyncio.Event()
        self._stopping = False

    @property
    def name(self) -> str:
        return self.config.name

    # -- life ----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the server (if it is not running) and wait until it is ready or failed."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._ready.clear()
            self.state, self.reason = "starting", ""
            self._task = asyncio.create_task(self._hold(), name=f"mcp:{self.name}")
        if self.state != "ready":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), START_TIMEOUT)
        if self.state != "ready":
            raise self._failure()

    async def stop(self) -> None:
        self._stopping = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.state, self._client = "stopped", None

    def _failure(self) -> ToolError:
        if self.reason.startswith("Offline mode"):
            return ToolServerBlocked()
        return ToolServerFailed(
            f"The tool server “{self.name}” could not be started"
            + (f": {self.reason}" if self.reason else ".")
        )

    async def _hold(self) -> None:
        failures = 0
        while not self._stopping:
            self.state, self._broken = "starting", asyncio.Event()
            stderr = _StderrToLog(self.name) if self.config.kind == "stdio" else None
            try:
                async with self._connect(stderr) as client:
                    listed = await client.list_tools()
                    self.tools = [
                        ToolInfo(self.name, t.name, t.description or "", dict(t.input_schema))
                        for t in listed.tools
                    ]
                    self._client, self.state, self.reason = client, "ready", ""
                    failures = 0
                    self._ready.set()
                    log.info("Tool server %s ready with %d tools", self.name, len(self.tools))
                    await self._watch(client)
                    raise ConnectionError("the server stopped answering")
            except asyncio.CancelledError:
                raise
            except OfflineModeBlocked:
                self.state, self.reason = "failed", ToolServerBlocked.message
                self._ready.set()
                return
            except BaseException as exc:  # a crash, a bad command, an HTTP error: all "failed"
                self.reason = _plain_reason(exc, stderr.tail if stderr else [])
                log.warning("Tool server %s failed: %s", self.name, self.reason)
            finally:
                self._client = None
                if stderr is not None:
                    stderr.close()
            self.state = "failed"
            self._ready.set()
            if failures >= len(self.backoff):
                return  # gave up; the next start() tries again
            await asyncio.sleep(self.backoff[failures])
            failures += 1
            self.restarts += 1
            self._ready.clear()

    async def _watch(self, client: Any) -> None:
        """Return when the connection is gone: a call found it closed, or a ping went
        unanswered (so a crash shows in Settings without waiting for the next call)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._broken.wait(), PING_EVERY)
                return
            try:
                await asyncio.wait_for(_are_you_there(client), PING_TIMEOUT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # An answer, even "Method not found" (servers of protocol 2026-07-28 and later
                # dropped ping), means the server is alive; only silence or a closed pipe is not.
                if not _is_protocol_error(exc):
                    return

    def _connect(self, stderr: _StderrToLog | None):
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client

        config = self.config
        if config.url:
            ensure_connection_allowed(config.url, provider=f"tool server {self.name}")
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = create_mcp_http_client(headers=dict(config.headers))
            transport = streamable_http_client(config.url, http_client=http)
            return _closing(Client(transport, client_info=_client_info()), http)
        params = StdioServerParameters(
            command=config.command or "", args=list(config.args), env=dict(config.env)
        )
        transport = stdio_client(params, errlog=stderr.file if stderr else None)
        return Client(transport, client_info=_client_info())

    # -- use -----------------------------------------------------------------------------------

    async def list_tools(self) -> list[ToolInfo]:
        await self.start()
        return list(self.tools)

    async def call(
        self, tool: str, arguments: dict[str, Any], *, timeout: float | None = None
    ) -> ToolResult:
        """Run one tool. Raises ToolTimedOut, ToolCallFailed or ToolServerFailed; the caller's
        cancellation (Stop) cancels the request."""
        await self.start()
        if tool not in {t.name for t in self.tools}:
            raise ToolNotFound(f"The server “{self.name}” has no tool named “{tool}”.")
        limit = self.call_timeout if timeout is None else timeout
        client = self._client
        try:
            result = await asyncio.wait_for(client.call_tool(tool, arguments), limit)
        except TimeoutError:
            raise ToolTimedOut(
                f"The tool “{tool}” took longer than {limit:g} seconds, so Hearth stopped it."
            ) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if _is_protocol_error(exc):
                raise ToolCallFailed(f"The tool “{tool}” reported an error: {exc}") from None
            self._broken.set()  # the connection is gone: restart it
            raise ToolServerFailed(
                f"The tool server “{self.name}” stopped while running “{tool}”."
            ) from None
        text = result_text(result)
        if getattr(result, "is_error", False):
            return ToolResult(text or "The tool reported an error.", is_error=True)
        return ToolResult(text)


def _client_info():
    from mcp.types import Implementation

    from app.version import app_version

    return Implementation(name="Hearth", version=app_version())


@contextlib.asynccontextmanager
async def _closing(client, http):
    async with http, client:
        yield client


def _is_protocol_error(exc: Exception) -> bool:
    """An error the server answered with (unknown tool, bad arguments), as opposed to the
    connection going away (the SDK's CONNECTION_CLOSED, or anything not from the protocol)."""
    from mcp import MCPError
    from mcp.types import CONNECTION_CLOSED

    return isinstance(exc, MCPError) and exc.code != CONNECTION_CLOSED


def _plain_reason(exc: BaseException, stderr_tail: list[str]) -> str:
    """The first real error inside exception groups, in a few words."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError):
        return f"the command “{exc.filename or 'given'}” was not found"
    if isinstance(exc, PermissionError):
        return "the command could not be run (permission denied)"
    text = str(exc).strip() or type(exc).__name__
    if stderr_tail:
        text += f" (it said: {stderr_tail[-1][:200]})"
    return text[:400]


# Protocol 2026-07-28 dropped ping; a server of that age is asked for its tool list instead
# (every tool server answers it, and cheaply), an older one is pinged.
PING_REMOVED = "2026-07-28"


async def _are_you_there(client: Any) -> None:
    version = getattr(client, "protocol_version", None) or ""
    if version >= PING_REMOVED:
        await client.list_tools()
    else:
        await client.session.send_ping()
