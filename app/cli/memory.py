"""`hearth memory add|list|edit|rm|pause|resume`: the facts Hearth gives to models."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.services import Services


def add_memory_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    memory = sub.add_parser(
        "memory", parents=[common], help="facts Hearth remembers and gives to models"
    )
    actions = memory.add_subparsers(dest="memory_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", parents=[common], help="remember a fact")
    add.add_argument("text", nargs="+", help='the fact, e.g. "I live in Lyon"')
    actions.add_parser("list", parents=[common], help="list memories (id, text)")
    edit = actions.add_parser("edit", parents=[common], help="reword a memory")
    edit.add_argument("id", help="the memory's id (see `hearth memory list`)")
    edit.add_argument("text", nargs="+")
    rm = actions.add_parser("rm", parents=[common], help="forget a memory")
    rm.add_argument("id", help="the memory's id (see `hearth memory list`)")
    actions.add_parser("pause", parents=[common], help="give no memory to any model until resumed")
    actions.add_parser("resume", parents=[common], help="give memories to models again")


def _memory_id(text: str) -> int:
    from app.store.memory import MemoryNotFound

    try:
        return int(text)
    except ValueError:
        raise MemoryNotFound(f"“{text}” is not a memory id.") from None


async def cmd_memory(services: Services, args: argparse.Namespace) -> int:
    memory = services.memory
    action = args.memory_command
    if action == "add":
        added = await memory.remember(text=" ".join(args.text))
        print(f"Remembered (id {added.id}): {added.text}")
    elif action == "list":
        memories = await memory.list()
        if not memories:
            print('No memories yet. Add one with: hearth memory add "TEXT"', file=sys.stderr)
        for m in memories:
            print(f"{m.id}\t{m.text}")
        if memory.paused:
            print("(Memory is paused: no model is given these.)", file=sys.stderr)
    elif action == "edit":
        changed = await memory.edit(memory_id=_memory_id(args.id), text=" ".join(args.text))
        print(f"Changed memory {changed.id}: {changed.text}")
    elif action == "rm":
        await memory.delete(memory_id=_memory_id(args.id))
        print(f"Forgot memory {args.id}.")
    elif action == "pause":
        memory.pause_all()
        print("Memory is paused: no model is given your memories until `hearth memory resume`.")
    else:
        memory.resume()
        print("Memory is on again.")
    return 0
