"""`hearth export` and `hearth import`: conversations out to JSON or Markdown, and back in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import conversation_id, write_output
from app.core.errors import HearthError

if TYPE_CHECKING:
    from app.services import Services


def add_export_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    export = sub.add_parser("export", parents=[common], help="export conversations")
    export.add_argument("id", nargs="?", help="a conversation id, or `last`")
    export.add_argument("--all", action="store_true", help="export every conversation")
    export.add_argument("--format", choices=["json", "md"], default="json")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    export.add_argument(
        "--zip", metavar="FILE", help="write a .zip: the JSON export and the attached pictures"
    )


def add_import_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    imp = sub.add_parser(
        "import", parents=[common], help="import a Hearth export or ChatGPT's conversations.json"
    )
    imp.add_argument("path", metavar="FILE", help="a .json file, or ChatGPT's export .zip")


async def cmd_export(services: Services, args: argparse.Namespace) -> int:
    if args.all:
        ids = None
    elif args.id is None:
        raise HearthError(
            "Say which conversation to export.", action="Give an id, `last` or --all."
        )
    else:
        ids = [await conversation_id(services, args.id)]
    if args.zip:
        count = await services.transfer.export_zip(
            conversation_ids=ids, path=Path(args.zip).expanduser()
        )
        print(f"Exported to {args.zip} with {count} picture{'s' * (count != 1)}.")
        return 0
    # Every branch in JSON; the shown branch in Markdown.
    text = await services.transfer.export(conversation_ids=ids, format=args.format)
    if args.output:
        write_output(Path(args.output).expanduser(), text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


async def cmd_import(services: Services, args: argparse.Namespace) -> int:
    summary = await services.transfer.import_file(path=args.path)
    print(summary.plain())
    return 0
