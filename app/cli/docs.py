"""`hearth docs add|list|rm`: collections of documents that chats can draw on."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.cli.common import counted
from app.core.errors import HearthError

if TYPE_CHECKING:
    from app.services import Services
    from app.services.documents import Progress


def add_docs_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    docs = sub.add_parser(
        "docs", parents=[common], help="documents chats can draw on (PDF, Word, notes...)"
    )
    actions = docs.add_subparsers(dest="docs_command", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add", parents=[common], help="read files and folders into a collection"
    )
    add.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    add.add_argument(
        "--collection",
        metavar="NAME",
        help="the collection to add to (default: the folder's name, or “My documents”)",
    )
    add.add_argument(
        "--embed-model",
        metavar="PATH_OR_NAME",
        help="the embedding model for searching by meaning (kept for next time)",
    )
    actions.add_parser("list", parents=[common], help="collections, their files and their state")
    rm = actions.add_parser("rm", parents=[common], help="remove a collection, folder or file")
    rm.add_argument("target", metavar="NAME|PATH", help="a collection's name, or a path")


async def cmd_docs(services: Services, args: argparse.Namespace) -> int:
    docs = services.documents
    if args.docs_command == "list":
        return await _list(services)
    if args.docs_command == "rm":
        removed = await docs.remove(args.target)
        print(f"Removed {removed}.")
        return 0
    if args.embed_model:  # checked first: a chat model can't embed, and says so
        try:
            await services.doc_search.use_embed_model(args.embed_model)
        except HearthError as error:  # the files are still read, and found by their words
            print(f"hearth: {error.plain()}", file=sys.stderr)
    added = await docs.add([Path(p) for p in args.paths], collection=args.collection)
    for path, reason in added.problems:
        print(f"hearth: {path}: {reason}", file=sys.stderr)
    if not added.roots:
        return 1
    docs.on_chunks_written = None  # embedded after reading, with its own counter (_embed)
    printer = DocsProgress(sys.stdout)
    try:
        result = await docs.index(progress=printer.update)
    finally:
        printer.close()
    for path, reason in result.failed:
        print(f"hearth: could not read {path}: {reason}", file=sys.stderr)
    read = len(result.ready)
    if not (read or result.unchanged or result.failed or result.cancelled or added.dropped):
        print(f"Nothing new to read: “{added.collection}” is up to date.")
        return 0 if await _has_ready(services, added.collection) else 1
    words = [
        f"Read {counted(read, 'file')} into “{added.collection}” "
        f"({counted(result.chunks, 'passage')})"
    ]
    if result.unchanged:
        words.append(f"{len(result.unchanged)} unchanged")
    if result.failed:
        words.append(f"{len(result.failed)} could not be read")
    if result.cancelled:
        words.append("stopped before the end (run it again to go on)")
    if added.dropped:
        words.append(f"{added.dropped} gone from the disk, dropped")
    print("; ".join(words) + ".")
    if result.chunks:
        await _embed(services)
    return 0 if read or result.unchanged or await _has_ready(services, added.collection) else 1


async def _embed(services: Services) -> None:
    """Passages read are also found by meaning once embedded, on this computer, when an
    embedding model is there; without one they are found by their words."""
    search = services.doc_search
    if await search.embed_model_path() is None:
        print("Passages are found by their words. To find them by meaning too, on this computer:")
        print("  hearth pull nomic-embed-text-v1.5")
        return
    tty = sys.stdout.isatty()

    def show(p) -> None:
        if tty:
            sys.stdout.write(f"\rEmbedding passages on this computer: {p.done}/{p.total}")
            sys.stdout.flush()

    done = await search.embed_pending(progress=show)
    if tty:
        sys.stdout.write("\n")
    print(f"Embedded {counted(done, 'passage')} on this computer (nothing left it).")


async def _has_ready(services: Services, name: str) -> bool:
    for item in await services.documents.list():
        if item.collection.name.casefold() == name.casefold():
            return item.collection.ready > 0
    return False


async def _list(services: Services) -> int:
    listings = await services.documents.list()
    if not listings:
        print("No documents yet. Add some with: hearth docs add PATH", file=sys.stderr)
        return 0
    for item in listings:
        c = item.collection
        state = "" if c.enabled else ", off"
        print(f"{c.name} ({counted(c.files, 'file')}, {counted(c.chunks, 'passage')}{state})")
        for f in item.files:
            note = f" — {f.reason}" if f.reason else ""
            pages = f", {counted(f.pages, 'page')}" if f.pages and f.state == "ready" else ""
            print(f"  {f.state:<8}{f.path}{pages}{note}")
        if not item.files:
            for r in item.roots:
                print(f"  (nothing readable in {r.path})")
    return 0


class DocsProgress:
    """A one-line counter redrawn in place on a terminal; otherwise one plain line per file."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._drawn = False

    def update(self, p: Progress) -> None:
        name = Path(p.file).name
        if self.tty:
            of = f"/{p.pages}" if p.pages else ""
            where = f" page {p.page}{of}" if p.state == "reading" else f" {p.state}"
            line = f"[{p.files_done}/{p.files_total}] {name}{where}, {counted(p.chunks, 'passage')}"
            width = shutil.get_terminal_size((80, 20)).columns - 1
            self.stream.write("\r" + line[:width].ljust(width))
            self.stream.flush()
            self._drawn = True
        elif p.state != "reading":
            detail = {
                "ready": "read" + (f" ({counted(p.pages, 'page')})" if p.pages else ""),
                "unchanged": "unchanged, not read again",
                "failed": "could not be read",
                "requeued": "changed while being read; reading it again",
                "removed": "is gone from the disk; dropped",
            }.get(p.state, p.state)
            print(
                f"[{p.files_done}/{p.files_total}] {name}: {detail}", file=self.stream, flush=True
            )

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
