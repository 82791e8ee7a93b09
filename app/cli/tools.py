"""`hearth tools list|add|import|rm`: tool servers (MCP). `hearth ask --tools` is in chat.py and
asks y/N here (`ask_on_terminal`) before each call."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import HearthError

if TYPE_CHECKING:
    from app.services import Services


def add_tools_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    tools = sub.add_parser("tools", parents=[common], help="tool servers (MCP) models may use")
    actions = tools.add_subparsers(dest="tools_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=[common], help="servers, their state and their tools (starts them)"
    )
    listing.add_argument(
        "--no-start", action="store_true", help="list the servers without starting them"
    )
    add = actions.add_parser(
        "add",
        parents=[common, _add_options()],
        help="add a server: NAME -- COMMAND ARGS... (a program here) or NAME --url URL",
    )
    add.add_argument("name")
    add.add_argument(
        "server_command",
        nargs=argparse.REMAINDER,
        metavar="-- COMMAND ARGS",
        help="the command that runs the server",
    )
    imp = actions.add_parser(
        "import",
        parents=[common],
        help='add the servers in a {"mcpServers": ...} JSON file (- for stdin)',
    )
    imp.add_argument("file", nargs="?", help="the file; left out: Claude Desktop's own")
    rm = actions.add_parser("rm", parents=[common], help="remove a server and its secrets")
    rm.add_argument("name")


def _add_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--url", help="a streamable HTTP server's address")
    options.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the command"
    )
    options.add_argument(
        "--header", action="append", default=[], metavar="NAME=VALUE", help="for the URL"
    )
    return options


def _split_command(args: argparse.Namespace) -> list[str]:
    """The command after `--`. Everything after NAME arrives here (argparse cannot mix options
    with a command that has options of its own), so the options before `--` are read here."""
    words = list(args.server_command)
    if "--" in words:
        cut = words.index("--")
    else:  # `NAME -- COMMAND` (argparse drops that `--`), or options alone (`--url URL`)
        cut = -1 if words and not words[0].startswith("-") else len(words)
    if cut < 0:
        return words
    _add_options().parse_args(words[:cut], namespace=args)
    return words[cut + 1 :]


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise HearthError(
                f"“{value}” is not NAME=VALUE.", action=f"Write {what} as NAME=VALUE."
            )
        pairs[name] = text
    return pairs


async def cmd_tools(services: Services, args: argparse.Namespace) -> int:
    from app.tools.config import ServerConfig

    tools = services.tools
    action = args.tools_command
    if action == "list":
        return await _list(services, start=not args.no_start)
    if action == "add":
        command = _split_command(args)
        if bool(command) == bool(args.url):
            raise HearthError(
                "Give either a command (after --) or --url, not both.",
                action="For example: hearth tools add time -- uvx mcp-server-time",
            )
        config = ServerConfig(
            name=args.name,
            command=command[0] if command else None,
            args=tuple(command[1:]),
            env=_pairs(args.env, "--env"),
            url=args.url,
            headers=_pairs(args.header, "--header"),
        )
        tools.add(config)
        print(f"Added the tool server {args.name}. See its tools with: hearth tools list")
    elif action == "import":
        if args.file == "-":
            from app.cli.common import read_stdin

            names = tools.import_json(read_stdin())
        elif args.file:
            names = tools.import_claude_desktop(Path(args.file))
        else:
            names = tools.import_claude_desktop()
        print(f"Added {len(names)} tool server(s): {', '.join(names)}")
    elif action == "rm":
        await tools.remove(args.name)
        print(f"Removed the tool server {args.name}.")
    return 0


def terminal_session(allowed: list[str], *, required: bool = False):
    """`hearth ask --tools`: each call is shown on stderr and runs only after a "y" on stdin
    (no answer, or anything else, is a no); tools named with --allow run without asking."""
    import asyncio

    from app.services.tool_loop import PendingCall, ToolSession

    pre_approved = set(allowed)

    async def approve(pending: PendingCall) -> str:
        arguments = json.dumps(pending.arguments, ensure_ascii=False)
        if {pending.tool, f"{pending.server}/{pending.tool}"} & pre_approved:
            print(f"(running {pending.tool} from {pending.server}: {arguments})", file=sys.stderr)
            return "allow_once"
        print(
            f"The model wants to run {pending.tool} from {pending.server} with {arguments}.\n"
            f"Its result will be {pending.destination}. Run it? [y/N] ",
            end="",
            file=sys.stderr,
            flush=True,
        )
        answer = await asyncio.to_thread(sys.stdin.readline)
        if answer.strip().lower() in ("y", "yes"):
            return "allow_once"
        print("(not run)", file=sys.stderr)
        return "deny"

    return ToolSession(approve=approve, tool_choice="required" if required else "auto")


async def _list(services: Services, *, start: bool) -> int:
    tools = services.tools
    statuses = await tools.status(start=start)
    if not statuses:
        print(
            "No tool servers yet. Add one with: hearth tools add NAME -- COMMAND", file=sys.stderr
        )
    for status in statuses:
        config = status.config
        line = f"{config.name}\t{status.state}\t{config.where()}"
        print(line + (f"\t{status.reason}" if status.reason else ""))
        for tool in status.tools:
            off = "" if tools.is_enabled(config.name, tool.name) else " (off)"
            always = " (always allowed)" if tools.always_allowed(config.name, tool.name) else ""
            summary = tool.description.strip().splitlines()[0] if tool.description else ""
            print(f"  {tool.name}{off}{always}\t{summary}")
    return 0
