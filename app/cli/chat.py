"""`hearth ask`, `history`, `show`, `search`: talk to a model and read past conversations."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

from app.cli.common import check_utf8, conversation_id, positive_int, read_stdin
from app.core.errors import HearthError

# What a command uses is imported when it runs (tests/app/test_startup.py checks).
if TYPE_CHECKING:
    from app.services import Listings, Services

log = logging.getLogger(__name__)

ALL_COLLECTIONS = "\0all"  # `--docs` with no name: every enabled collection


def add_chat_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    ask = sub.add_parser("ask", parents=[common], help="ask a model; the reply streams to stdout")
    ask.add_argument("text", nargs="*", help="the message (read from stdin when left out)")
    ask.add_argument("-m", "--model", help="a model name (see `hearth models`) or a .gguf path")
    ask.add_argument(
        "-c",
        "--continue",
        dest="cont",
        action="store_true",
        help="continue the latest conversation",
    )
    ask.add_argument("--conversation", type=int, metavar="ID", help="continue conversation ID")
    ask.add_argument(
        "--max-tokens", type=positive_int, metavar="N", help="stop the reply after N tokens"
    )
    ask.add_argument(
        "--docs",
        nargs="?",
        const=ALL_COLLECTIONS,
        metavar="NAME",
        help="answer from your documents and list the sources cited (every collection, or the "
        "one named)",
    )
    ask.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="PATH",
        help="attach a picture (repeat for several); its location and other metadata are removed",
    )
    ask.add_argument(
        "--tools",
        action="store_true",
        help="let the model use your tool servers; asks y/N before each call",
    )
    ask.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="TOOL",
        help="run this tool (NAME or SERVER/NAME) without asking; repeat for several",
    )
    ask.add_argument(
        "--require-tool",
        action="store_true",
        help="the model must call a tool before it answers (with --tools)",
    )


def add_history_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    sub.add_parser("history", parents=[common], help="list conversations")
    show = sub.add_parser("show", parents=[common], help="print a conversation as Markdown")
    show.add_argument("id", help="a conversation id, or `last`")


def add_search_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    search = sub.add_parser("search", parents=[common], help="search every conversation")
    search.add_argument("text", nargs="+", help='words to find; "quote" an exact phrase')
    search.add_argument("-n", "--limit", type=int, default=20, metavar="N", help="at most N hits")


async def cmd_ask(services: Services, args: argparse.Namespace) -> int:
    from app.core.events import Notice, TextDelta
    from app.services.chat import ModelLoading, ReplyFinished, ReplyStarted

    docs = args.docs
    if docs not in (None, ALL_COLLECTIONS) and not args.text:
        # `hearth ask --docs "question"`: argparse took the question for a collection's name.
        names = {c.name.casefold() for c in await services.chat.documents.collections()}
        if docs.casefold() not in names:
            args.text, docs = [docs], ALL_COLLECTIONS
    text = " ".join(args.text).strip() if args.text else _stdin_text(bool(args.image))
    if not text.isascii():
        check_utf8(text)
    if not text and not args.image:  # a picture may go alone: the model says what it sees
        raise HearthError("There is nothing to ask.", action="Type a message after `hearth ask`.")
    cid = args.conversation
    if args.cont and cid is None:
        latest = await services.conversations.latest()
        cid = latest.id if latest else None
    model_id, documents = args.model, None
    if docs is not None:
        model_id = (await services.chat.pick_model(args.model)).id
        documents = await _passages(services, docs, text, model_id)
    images = await _prepared_images(services, args.image, model_id) if args.image else []
    tools = None
    if args.tools or args.allow or args.require_tool:
        from app.cli.tools import terminal_session

        tools = terminal_session(args.allow, required=args.require_tool)
    finished = None
    async for update in services.chat.send(
        conversation_id=cid,
        text=text,
        model_id=model_id,
        max_tokens=args.max_tokens,
        documents=documents,
        images=images,
        tools=tools,
    ):
        if isinstance(update, TextDelta):
            sys.stdout.write(update.text)
            sys.stdout.flush()
        elif isinstance(update, ModelLoading) and update.progress is None:
            print(f"Loading {update.model.id}…", file=sys.stderr)
        elif isinstance(update, Notice):
            print(f"({update.text})", file=sys.stderr)
        elif isinstance(update, ReplyStarted):
            log.info("Reply in conversation %s from %s", update.conversation.id, update.model.id)
        elif isinstance(update, ReplyFinished):
            finished = update
    sys.stdout.write("\n")
    if documents is not None and finished is not None:
        _print_sources(finished.message)
    if finished is not None and finished.save_error is not None:
        # The reply is printed above, but not in the history: say so, and fail the command.
        print(
            f"hearth: {finished.save_error.message} It is printed above but not kept in your "
            "history. Free some space on the disk, then ask again.",
            file=sys.stderr,
        )
        return 1
    if finished is not None and finished.error is not None:
        raise finished.error
    return 0


async def _passages(services: Services, docs: str, text: str, model_id: str):
    """The passages that go with the question; for a cloud model, says first how many leave."""
    name = None if docs == ALL_COLLECTIONS else docs
    ids = await services.chat.documents.collection_ids(name)  # no such collection, no files: exit 1
    plan = await services.chat.find_passages(text=text, model_id=model_id, collection_ids=ids)
    notice = plan.notice(await services.chat.pick_model(model_id))
    if notice:
        print(notice, file=sys.stderr)
    return plan


def _print_sources(message) -> None:
    from app.core.doc_prompt import source_lines

    sources = message.cited_sources
    if not sources:
        print("(The reply cited none of your files.)", file=sys.stderr)
        return
    print("\nSources:")
    for line in source_lines(sources):
        print(line)


def _stdin_text(with_images: bool) -> str:
    """The question from standard input; with pictures and a terminal there, none (waiting
    for typed words would look like a hang)."""
    if with_images and sys.stdin.isatty():
        return ""
    return read_stdin().strip()


async def _prepared_images(services: Services, paths: list[str], model_id: str | None) -> list:
    """The pictures checked against the model, made safe and kept, with a line on stderr for
    each location removed and for what leaves this computer."""
    from app.core.where import images_sent

    model = await services.chat.pick_model(model_id)
    await services.chat.images.check(model, len(paths))
    kept = await services.chat.images.keep(paths)
    for image in kept:
        if image.had_location:
            print(f"location removed from {image.ref.name}", file=sys.stderr)
    leaving = images_sent(len(kept), model.provider_name or model.provider, local=model.is_local)
    if leaving:
        print(leaving, file=sys.stderr)
    return kept


async def cmd_history(services: Services | Listings, args: argparse.Namespace) -> int:
    for c in await services.conversations.list():
        print(f"{c.id}\t{c.title}\t{c.updated[:16].replace('T', ' ')}\t{c.message_count}")
    return 0


async def cmd_show(services: Services, args: argparse.Namespace) -> int:
    from app.services.conversations import conversation_markdown

    cid = await conversation_id(services, args.id)
    (item,) = await services.conversations.export([cid])
    print(conversation_markdown(item))
    return 0


async def cmd_search(services: Services | Listings, args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    hits = await services.history.search(text=text, limit=max(1, args.limit))
    if not hits:
        print(f"hearth: no message matches “{text}”.", file=sys.stderr)
        return 1
    for hit in hits:
        title = " ".join(hit.title.split())
        print(f"{hit.conversation_id}\t{title}\t{hit.marked('«', '»')}")
    return 0
