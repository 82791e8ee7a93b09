"""One MCP server through the official SDK: real servers over stdio and streamable HTTP, a slow
tool, a failing tool, a crash and the restart after it, offline mode."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys

import pytest

from app import netguard
from app.tools.client import McpServer
from app.tools.config import ServerConfig
from app.tools.errors import ToolNotFound, ToolServerBlocked, ToolServerFailed, ToolTimedOut
from tests.tools.support import http_server, stdio_config


def run(coro):
    return asyncio.run(coro)


def test_stdio_server_lists_and_calls_tools_and_logs_its_stderr(caplog):
    caplog.set_level(logging.INFO, logger="app.tools.client")

    async def scenario():
        server = McpServer(stdio_config(GREETING="hello from env"))
        try:
            tools = await server.list_tools()
            added = await server.call("add", {"a": 2, "b": 40})
            env = await server.call("env", {"name": "GREETING"})
            return tools, added, env, server.state
        finally:
            await server.stop()

    tools, added, env, state = run(scenario())
    by_name = {t.name: t for t in tools}
    assert {"add", "slow", "fail", "crash"} <= set(by_name)
    assert by_name["add"].description == "Add two whole numbers."
    assert by_name["add"].input_schema["properties"].keys() == {"a", "b"}
    assert (added.text, added.is_error) == ("42", False)
    assert env.text == "hello from env"
    assert state == "ready"
    assert "tool server test: test server starting" in caplog.text


def test_failing_tool_is_an_error_result_and_slow_tool_times_out_then_server_goes_on():
    async def scenario():
        server = McpServer(stdio_config())
        try:
            failed = await server.call("fail", {"why": "testing"})
            with pytest.raises(ToolTimedOut, match="longer than 0.3 seconds"):
                await server.call("slow", {"seconds": 5}, timeout=0.3)
            with pytest.raises(ToolNotFound):
                await server.call("nope", {})
            return failed, await server.call("add", {"a": 1, "b": 1})
        finally:
            await server.stop()

    failed, after = run(scenario())
    assert failed.is_error and failed.text
    assert after.text == "2"


def test_cancelling_a_call_leaves_the_server_usable():
    async def scenario():
        server = McpServer(stdio_config())
        try:
            await server.start()
            call = asyncio.create_task(server.call("slow", {"seconds": 10}))
            await asyncio.sleep(0.3)
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            return await server.call("add", {"a": 3, "b": 4})
        finally:
            await server.stop()

    assert run(scenario()).text == "7"


def test_a_crash_is_reported_and_the_server_is_restarted():
    async def scenario():
        server = McpServer(stdio_config(), backoff=(0.1, 0.1))
        try:
            await server.start()
            with pytest.raises(ToolServerFailed, match="stopped while running"):
                await server.call("crash", {})
            for _ in range(100):
                if server.restarts and server.state == "ready":
                    break
                await asyncio.sleep(0.1)
            return server.restarts, await server.call("add", {"a": 5, "b": 5})
        finally:
            await server.stop()

    restarts, result = run(scenario())
    assert restarts == 1
    assert result.text == "10"


def test_a_command_that_does_not_exist_fails_in_plain_words():
    async def scenario():
        server = McpServer(ServerConfig("broken", command="no-such-command-hearth"), backoff=())
        with pytest.raises(ToolServerFailed, match="could not be started: .*no-such-command"):
            await server.start()
        return server.state

    assert run(scenario()) == "failed"


def test_a_server_that_exits_at_once_says_what_it_printed():
    config = ServerConfig(
        "quits", command=sys.executable, args=("-c", "import sys; sys.exit('bad config')")
    )

    async def scenario():
        server = McpServer(config, backoff=())
        with pytest.raises(ToolServerFailed, match="bad config"):
            await server.start()

    run(scenario())


def test_streamable_http_server():
    async def scenario(url):
        server = McpServer(ServerConfig("web", url=url, headers={"X-Test": "1"}))
        try:
            names = {t.name for t in await server.list_tools()}
            return names, await server.call("add", {"a": 20, "b": 22})
        finally:
            await server.stop()

    with http_server() as url:
        names, result = run(scenario(url))
    assert "add" in names
    assert result.text == "42"


def test_offline_mode_blocks_a_server_on_the_lan_but_not_stdio(online_again):
    netguard.set_offline_mode(True)

    async def scenario():
        lan = McpServer(ServerConfig("lan", url="http://192.168.1.20:8000/mcp"), backoff=())
        with netguard.socket_guard() as attempts:
            with pytest.raises(ToolServerBlocked):
                await lan.start()
            local = McpServer(stdio_config())
            try:
                result = await local.call("add", {"a": 1, "b": 2})
            finally:
                await local.stop()
        return attempts, lan.state, result

    attempts, state, result = run(scenario())
    assert attempts == []
    assert state == "failed"
    assert result.text == "3"


@pytest.mark.skipif(
    importlib.util.find_spec("mcp_server_time") is None, reason="mcp-server-time not installed"
)
def test_the_reference_time_server():
    config = ServerConfig(
        "time", command=sys.executable, args=("-m", "mcp_server_time", "--local-timezone", "UTC")
    )

    async def scenario():
        server = McpServer(config)
        try:
            names = {t.name for t in await server.list_tools()}
            result = await server.call("get_current_time", {"timezone": "UTC"})
            return names, result
        finally:
            await server.stop()

    names, result = run(scenario())
    assert "get_current_time" in names
    assert '"timezone": "UTC"' in result.text
