"""The command line: a second front door over the same services. No Qt here.

One module per command group: chat (ask, history, show, search), models (models, add, pull, rm),
keys, memory, usage, transfer (export, import), docs, tools, serve (the local API server); common
holds what they share. This module builds the parser and runs a command. What a command uses is
imported when it runs: `hearth --help` or `hearth history` must not pay for the engines, httpx,
the keychain or sqlite-utils (tests/app/test_startup.py checks).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app.cli import chat, docs, keys, memory, models, serve, tools, transfer, usage
from app.core.errors import HearthError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    data_help = "keep all data in DIR (or set HEARTH_DATA_DIR)"
    # SUPPRESS on the subcommands, so `hearth --data-dir X ask` is not reset by ask's default.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS, help=data_help)
    parser = argparse.ArgumentParser(
        prog="hearth", description="Private AI chat. With no command, opens the Hearth window."
    )
    parser.add_argument("--data-dir", metavar="DIR", help=data_help)
    parser.add_argument(
        "--self-test", action="store_true", help="check that this installation works, then exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # In this order in `hearth --help`.
    chat.add_chat_parsers(sub, common)
    models.add_models_parser(sub, common)
    keys.add_keys_parser(sub, common)
    models.add_add_parser(sub, common)
    chat.add_history_parsers(sub, common)
    transfer.add_export_parser(sub, common)
    models.add_pull_parsers(sub, common)
    memory.add_memory_parser(sub, common)
    chat.add_search_parser(sub, common)
    transfer.add_import_parser(sub, common)
    usage.add_usage_parser(sub, common)
    docs.add_docs_parser(sub, common)
    tools.add_tools_parser(sub, common)
    serve.add_serve_parser(sub, common)
    return parser


def run_command(args: argparse.Namespace, folder: Path) -> int:
    import asyncio  # with ssl, a third of `hearth --help` if imported at the top

    try:
        return asyncio.run(_run_command(args, folder))
    except HearthError as err:
        print(f"hearth: {err.plain()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback in the user's face: it goes to the log
        log.exception("Command failed")
        print(
            f"hearth: something went wrong ({type(exc).__name__}). Details are in the log.",
            file=sys.stderr,
        )
        return 1


# Read-only listings run over a slim set of services (see app.services.open_listings).
LISTINGS = ("history", "search", "models")


async def _run_command(args: argparse.Namespace, folder: Path) -> int:
    from app.services import open_listings, open_services

    listing = args.command in LISTINGS and not getattr(args, "refresh", False)
    services = open_listings(folder) if listing else open_services(folder)
    try:
        return await COMMANDS[args.command](services, args)
    finally:
        await services.close()


COMMANDS = {
    "ask": chat.cmd_ask,
    "models": models.cmd_models,
    "keys": keys.cmd_keys,
    "pull": models.cmd_pull,
    "rm": models.cmd_rm,
    "usage": usage.cmd_usage,
    "add": models.cmd_add,
    "history": chat.cmd_history,
    "show": chat.cmd_show,
    "export": transfer.cmd_export,
    "memory": memory.cmd_memory,
    "search": chat.cmd_search,
    "import": transfer.cmd_import,
    "docs": docs.cmd_docs,
    "tools": tools.cmd_tools,
    "serve": serve.cmd_serve,
}
