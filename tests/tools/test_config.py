"""Tool server settings: the mcpServers JSON, Claude Desktop's file on each system, secrets to
the keychain and never into settings.json, switches and "always allow"."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.services.tools import ToolsService
from app.store.settings import Settings
from app.tools.config import ServerConfig, claude_desktop_config_path, parse_mcp_servers
from app.tools.errors import ToolConfigError, ToolServerNotFound
from tests.tools.support import SERVER_SCRIPT

CLAUDE_JSON = {
    "mcpServers": {
        "github": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secretvalue123", "LOG_LEVEL": "info"},
        },
        "remote": {
            "url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Bearer abc.def", "X-Team": "blue"},
        },
    }
}


def test_parse_both_kinds_of_server():
    github, remote = parse_mcp_servers(json.dumps(CLAUDE_JSON))
    assert (github.kind, github.command, github.args) == (
        "stdio",
        "npx",
        ("-y", "@modelcontextprotocol/server-github"),
    )
    assert github.env["LOG_LEVEL"] == "info"
    assert (remote.kind, remote.url, remote.headers["X-Team"]) == (
        "http",
        "https://mcp.example.com/mcp",
        "blue",
    )


@pytest.mark.parametrize(
    "text, words",
    [
        ("{not json", "not valid JSON"),
        ('{"mcpServers": {}}', "no servers"),
        ('{"mcpServers": {"x": {}}}', "either a command or a url"),
        ('{"mcpServers": {"x": {"command": "a", "args": "b"}}}', "list of text"),
        ('{"mcpServers": {"bad name!": {"command": "a"}}}', "cannot be a server name"),
        ('{"mcpServers": {"x": {"url": "ftp://a"}}}', "http://"),
    ],
)
def test_bad_json_is_explained(text, words):
    with pytest.raises(ToolConfigError, match=words):
        parse_mcp_servers(text)


def test_claude_desktop_file_on_each_system():
    home = Path("/home/ann")
    assert claude_desktop_config_path("darwin", {}, home) == Path(
        "/home/ann/Library/Application Support/Claude/claude_desktop_config.json"
    )
    assert claude_desktop_config_path("win32", {"APPDATA": r"C:\Users\ann\AppData\Roaming"}, home)
    assert claude_desktop_config_path("win32", {"APPDATA": "/appdata"}, home) == Path(
        "/appdata/Claude/claude_desktop_config.json"
    )
    assert claude_desktop_config_path("linux", {}, home) == Path(
        "/home/ann/.config/Claude/claude_desktop_config.json"
    )


def test_import_keeps_secrets_in_the_keychain_not_settings(data_dir, keychain, caplog):
    config_file = data_dir / "claude_desktop_config.json"
    config_file.write_text(json.dumps(CLAUDE_JSON), encoding="utf-8")
    tools = ToolsService(Settings(data_dir / "settings.json"))
    assert tools.import_claude_desktop(config_file) == ["github", "remote"]

    stored = (data_dir / "settings.json").read_text(encoding="utf-8")
    for secret in ("ghp_secretvalue123", "Bearer abc.def"):
        assert secret not in stored
        assert secret not in caplog.text
    assert "LOG_LEVEL" in stored and "blue" in stored
    # A fresh service (the next start) finds the secrets in the keychain again.
    assert "tool:github:env:GITHUB_PERSONAL_ACCESS_TOKEN" in keychain_slots(keychain)
    again = ToolsService(Settings(data_dir / "settings.json"))
    github = again.connection("github").config
    assert github.env["GITHUB_PERSONAL_ACCESS_TOKEN"] == "ghp_secretvalue123"
    assert again.connection("remote").config.headers["Authorization"] == "Bearer abc.def"

    asyncio.run(again.remove("github"))
    assert [s.name for s in again.servers()] == ["remote"]
    assert not any("github" in slot for slot in keychain_slots(keychain))
    with pytest.raises(ToolServerNotFound):
        again.server("github")


def keychain_slots(backend) -> list[str]:
    return [user for (_service, user) in backend.entries]


def test_missing_claude_desktop_file_is_explained(tmp_path, data_dir):
    tools = ToolsService(Settings(data_dir / "settings.json"))
    with pytest.raises(ToolConfigError, match="was not found"):
        tools.import_claude_desktop(tmp_path / "nowhere.json")


def test_switches_and_always_allow_outlive_the_service(data_dir):
    tools = ToolsService(Settings(data_dir / "settings.json"))
    tools.import_json(
        json.dumps({"mcpServers": {"t": {"command": "python", "args": [str(SERVER_SCRIPT)]}}})
    )
    tools.set_enabled("t", "crash", False)
    tools.set_always_allow("t", "add")
    again = ToolsService(Settings(data_dir / "settings.json"))
    assert not again.is_enabled("t", "crash") and again.is_enabled("t", "add")
    assert again.always_allowed("t", "add") and not again.always_allowed("t", "slow")


def test_secrets_written_in_a_commands_arguments_go_to_the_keychain(data_dir, keychain):
    """`--api-key VALUE`, `--token=VALUE`, a database URL with a password and a bare key all
    leave the settings file; the server still starts with the real arguments."""
    args = (
        "--api-key", "abc123secret", "--token=tok-999", "--verbose",
        "postgresql://me:hunter2@localhost/db", "sk-abcdefghijklmnop", "--name", "plain",
    )  # fmt: skip
    tools = ToolsService(Settings(data_dir / "settings.json"))
    tools.add(ServerConfig("db", command="uvx", args=args))
    stored = (data_dir / "settings.json").read_text(encoding="utf-8")
    for secret in ("abc123secret", "tok-999", "hunter2", "sk-abcdefghijklmnop"):
        assert secret not in stored
    assert "--verbose" in stored and "plain" in stored and "--api-key" in stored
    kept = tools.server("db")
    assert "hunter2" not in kept.where() and "•••" in kept.where()
    again = ToolsService(Settings(data_dir / "settings.json"))
    assert again.connection("db").config.args == args
