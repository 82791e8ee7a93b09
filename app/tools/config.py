"""Tool server settings: the `{"mcpServers": {...}}` JSON that MCP servers document (Claude
Desktop's format), where Claude Desktop keeps its own file on each system, and which values are
secrets (they go to the keychain, never the settings file or the log)."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.tools.errors import ToolConfigError

# Names of environment variables and headers whose values are secrets.
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)
_SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
# What the settings file holds instead of a secret: the keychain entry's name.
KEYCHAIN_REF = "keychain:"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """One MCP server: a command (stdio) or a URL (streamable HTTP)."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "http" if self.url else "stdio"

    def where(self) -> str:
        """What it runs or where it connects, for a listing (never a secret)."""
        if self.url:
            return self.url
        hidden = secret_args(self.args)
        shown = [
            "•••" if i in hidden or arg.startswith(KEYCHAIN_REF) else arg
            for i, arg in enumerate(self.args)
        ]
        return " ".join([self.command or "", *shown]).strip()


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def check_name(name: str) -> str:
    if not _SERVER_NAME.match(name or ""):
        raise ToolConfigError(
            f"“{name}” cannot be a server name.",
            action="Use letters, digits, dots, dashes or underscores (up to 64).",
        )
    return name


def _strings(value: Any, what: str, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in value.items()
    ):
        raise ToolConfigError(f"The {what} of server “{name}” should be names and text values.")
    return {k: str(v) for k, v in value.items()}


def server_from_dict(name: str, entry: Any) -> ServerConfig:
    """One entry of `mcpServers` (or of Hearth's own settings, which use the same shape)."""
    check_name(name)
    if not isinstance(entry, dict):
        raise ToolConfigError(f"The settings of server “{name}” are not a JSON object.")
    command, url = entry.get("command"), entry.get("url") or entry.get("serverUrl")
    if bool(command) == bool(url):
        raise ToolConfigError(
            f"Server “{name}” needs either a command or a url (and not both).",
        )
    args = entry.get("args") or []
    if not isinstance(args, list) or not all(isinstance(a, str | int | float) for a in args):
        raise ToolConfigError(f"The args of server “{name}” should be a list of text.")
    if command is not None and not isinstance(command, str):
        raise ToolConfigError(f"The command of server “{name}” should be text.")
    if url is not None and (
        not isinstance(url, str) or not url.lower().startswith(("http://", "https://"))
    ):
        raise ToolConfigError(f"The url of server “{name}” should start with http:// or https://.")
    return ServerConfig(
        name=name,
        command=command,
        args=tuple(str(a) for a in args),
        env=_strings(entry.get("env"), "env", name),
        url=url,
        headers=_strings(entry.get("headers"), "headers", name),
    )


def server_to_dict(server: ServerConfig) -> dict[str, Any]:
    if server.url:
        return {"url": server.url, "headers": dict(server.headers)}
    return {"command": server.command, "args": list(server.args), "env": dict(server.env)}


def parse_mcp_servers(text: str) -> list[ServerConfig]:
    """The servers in a `{"mcpServers": {...}}` document (a bare `{name: {...}}` map too, as
    people paste the inside of it)."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ToolConfigError(f"This is not valid JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise ToolConfigError()
    servers = document.get("mcpServers", document if "mcpServers" not in document else None)
    if not isinstance(servers, dict) or not servers:
        raise ToolConfigError("There are no servers under “mcpServers”.")
    return [server_from_dict(name, entry) for name, entry in servers.items()]


def claude_desktop_config_path(
    platform: str | None = None, env: dict[str, str] | None = None, home: Path | None = None
) -> Path:
    """Where Claude Desktop keeps claude_desktop_config.json on this system."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    home = home or Path.home()
    if platform == "darwin":
        return home / "Library/Application Support/Claude/claude_desktop_config.json"
    if platform == "win32":
        appdata = env.get("APPDATA") or str(home / "AppData" / "Roaming")
        return Path(appdata) / "Claude" / "claude_desktop_config.json"
    config = env.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config) / "Claude" / "claude_desktop_config.json"


def secret_slot(server: str, kind: str, name: str) -> str:
    """The keychain entry for one secret value of one server."""
    return f"tool:{server}:{kind}:{name}"


# A URL with a password in it: scheme://user:password@host (a database server's address).
_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*:[^/@\s]+@")
# A long random-looking word: an API key or token pasted as an argument on its own.
_KEY_LIKE = re.compile(r"^(sk-|ghp_|gho_|github_pat_|xox[abp]-|glpat-|AIza)[A-Za-z0-9_\-]{8,}$")


def secret_args(args: tuple[str, ...]) -> set[int]:
    """Which of a command's arguments are secrets: the value after `--api-key`/`--token`-like
    flags, `--token=value`, a URL carrying a password, or a well-known key shape."""
    found: set[int] = set()
    for i, arg in enumerate(args):
        flag, equals, value = arg.partition("=")
        if arg.startswith(KEYCHAIN_REF):
            continue
        if (
            (arg.startswith("-") and equals and value and is_secret_name(flag))
            or _URL_PASSWORD.match(arg)
            or _KEY_LIKE.match(arg)
        ):
            found.add(i)
        elif (
            arg.startswith("-")
            and not equals
            and is_secret_name(arg)
            and i + 1 < len(args)
            and not args[i + 1].startswith("-")
        ):
            found.add(i + 1)
    return found


def split_secrets(server: ServerConfig) -> tuple[ServerConfig, dict[str, str]]:
    """The server with each secret value replaced by its keychain reference, and the secrets
    by keychain entry name (to store there): secret-named env variables and headers, and
    secrets written into the command's arguments (see secret_args)."""
    secrets: dict[str, str] = {}
    args = list(server.args)
    for i in sorted(secret_args(server.args)):
        slot = secret_slot(server.name, "arg", str(i))
        secrets[slot] = args[i]
        args[i] = KEYCHAIN_REF + slot

    def strip(values: dict[str, str], kind: str) -> dict[str, str]:
        kept = {}
        for name, value in values.items():
            if is_secret_name(name) and value and not value.startswith(KEYCHAIN_REF):
                slot = secret_slot(server.name, kind, name)
                secrets[slot] = value
                kept[name] = KEYCHAIN_REF + slot
            else:
                kept[name] = value
        return kept

    return replace(
        server,
        args=tuple(args),
        env=strip(server.env, "env"),
        headers=strip(server.headers, "header"),
    ), secrets


def fill_secrets(server: ServerConfig, lookup) -> ServerConfig:
    """The server with keychain references replaced by the secrets (lookup(slot) -> str|None);
    a missing secret becomes an empty value and the server will say what it lacks."""

    def fill(values: dict[str, str]) -> dict[str, str]:
        return {
            name: (lookup(value[len(KEYCHAIN_REF) :]) or "")
            if value.startswith(KEYCHAIN_REF)
            else value
            for name, value in values.items()
        }

    args = tuple(
        (lookup(arg[len(KEYCHAIN_REF) :]) or "") if arg.startswith(KEYCHAIN_REF) else arg
        for arg in server.args
    )
    return replace(server, args=args, env=fill(server.env), headers=fill(server.headers))
