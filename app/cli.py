"""The command line: a second front door over the same services. No Qt here."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli_memory import add_memory_parsers, cmd_import, cmd_memory, cmd_search
from app.cli_pull import add_pull_parsers, cmd_pull, cmd_rm
from app.cli_usage import add_usage_parser, cmd_usage
from app.core.errors import ConversationNotFound, HearthError

# What a command uses is imported when it runs: `hearth --help` or `hearth history` must not pay
# for the engines, httpx, the keychain or sqlite-utils (tests/test_startup.py checks).
if TYPE_CHECKING:
    from app.services import Listings, Services

log = logging.getLogger(__name__)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above 0 (not “{text}”)")
    return value


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
        "--max-tokens", type=_positive_int, metavar="N", help="stop the reply after N tokens"
    )

    models = sub.add_parser("models", parents=[common], help="list the models you can use")
    models.add_argument(
        "--provider", metavar="ID", help="list this provider's models (e.g. openai, ollama)"
    )
    models.add_argument(
        "--refresh", action="store_true", help="ask the provider for its current list"
    )
    keys = sub.add_parser("keys", parents=[common], help="API keys, kept in the OS keychain")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    key_set = keys_sub.add_parser("set", parents=[common], help="store a key (read from stdin)")
    key_set.add_argument("provider")
    keys_sub.add_parser("list", parents=[common], help="providers that have a key (never the key)")
    key_rm = keys_sub.add_parser("rm", parents=[common], help="remove a provider's key")
    key_rm.add_argument("provider")
    add = sub.add_parser("add", parents=[common], help="register .gguf model files where they are")
    add.add_argument("paths", nargs="+", metavar="FILE")
    sub.add_parser("history", parents=[common], help="list conversations")
    show = sub.add_parser("show", parents=[common], help="print a conversation as Markdown")
    show.add_argument("id", help="a conversation id, or `last`")
    export = sub.add_parser("export", parents=[common], help="export conversations")
    export.add_argument("id", nargs="?", help="a conversation id, or `last`")
    export.add_argument("--all", action="store_true", help="export every conversation")
    export.add_argument("--format", choices=["json", "md"], default="json")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    add_pull_parsers(sub, common)
    add_memory_parsers(sub, common)
    add_usage_parser(sub, common)
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


async def cmd_ask(services: Services, args: argparse.Namespace) -> int:
    from app.core.events import Notice, TextDelta
    from app.services.chat import ModelLoading, ReplyFinished, ReplyStarted

    text = " ".join(args.text).strip() if args.text else read_stdin().strip()
    if not text.isascii():
        _check_utf8(text)
    if not text:
        raise HearthError("There is nothing to ask.", action="Type a message after `hearth ask`.")
    conversation_id = args.conversation
    if args.cont and conversation_id is None:
        latest = await services.conversations.latest()
        conversation_id = latest.id if latest else None
    finished = None
    async for update in services.chat.send(
        conversation_id=conversation_id, text=text, model_id=args.model, max_tokens=args.max_tokens
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


async def cmd_models(services: Services | Listings, args: argparse.Namespace) -> int:
    if args.provider:
        return await _provider_models(services, args.provider, refresh=args.refresh)
    models = await services.models.list_models()
    if not models:
        print("No models yet. Add one with: hearth add /path/to/model.gguf", file=sys.stderr)
    for m in models:
        missing = "" if m.path and Path(m.path).exists() else "  (file missing)"
        print(f"{m.id}\t{m.where}\t{_details(m)}{missing}")
    for group in (await services.models.all_models())[1:]:
        state = "add a key: hearth keys set " + group.provider.id if group.needs_key else ""
        print(
            f"{group.provider.id}:…\t{group.models[0].where if group.models else ''}\t"
            f"{counted(len(group.models), 'model')} {state}".rstrip()
        )
    return 0


def counted(n: int, word: str) -> str:
    """ "1 model", "2 models": a count a person reads, not "1 models"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _details(m) -> str:
    from app.core.chat import human_bytes, human_params

    parts = (
        m.architecture,
        human_params(m.parameters),
        m.quantization,
        f"{m.context_length} ctx" if m.context_length else "",
        human_bytes(m.size_bytes),
    )
    return ", ".join(x for x in parts if x)


async def _provider_models(
    services: Services | Listings, provider_id: str, *, refresh: bool
) -> int:
    from app.providers.registry import get_provider

    spec = get_provider(provider_id)
    if refresh:
        models = await services.models.refresh_provider(spec.id)
    else:
        group = next(g for g in await services.models.all_models() if g.provider == spec)
        models = group.models
    for m in models:
        print(f"{m.id}\t{m.where}\t{_details(m)}")
    return 0


async def cmd_keys(services: Services, args: argparse.Namespace) -> int:
    import getpass

    from app import secrets
    from app.providers.registry import get_provider

    if args.keys_command == "list":
        for provider_id in secrets.providers_with_keys():
            print(f"{provider_id}\t{secrets.key_source(provider_id)}")
        return 0
    spec = get_provider(args.provider)
    if args.keys_command == "rm":
        secrets.delete_key(spec.id)
        print(f"Removed the key for {spec.display_name}.")
        return 0
    if sys.stdin.isatty():
        key = getpass.getpass(f"Paste your {spec.display_name} key (it will not show): ")
    else:
        key = read_stdin(line=True)
    if not key.strip():
        raise HearthError("No key was given.", action="Paste the key when asked.")
    secrets.set_key(spec.id, key)
    print(f"Stored the key for {spec.display_name} in {secrets.keychain_name()}.")
    return 0


async def cmd_add(services: Services, args: argparse.Namespace) -> int:
    added, failed = await services.models.add_from_disk(args.paths)
    for m in added:
        print(f"Added {m.id} ({m.where})")
    for path, err in failed:
        print(f"hearth: {path}: {err.plain()}", file=sys.stderr)
    return 1 if failed else 0


async def cmd_history(services: Services | Listings, args: argparse.Namespace) -> int:
    for c in await services.conversations.list():
        print(f"{c.id}\t{c.title}\t{c.updated[:16].replace('T', ' ')}\t{c.message_count}")
    return 0


async def _conversation_id(services: Services, ref: str | None) -> int:
    if ref in (None, "last"):
        latest = await services.conversations.latest()
        if latest is None:
            raise ConversationNotFound("There are no conversations yet.")
        return latest.id
    try:
        return int(ref)
    except ValueError:
        raise ConversationNotFound(f"“{ref}” is not a conversation id.") from None


async def cmd_show(services: Services, args: argparse.Namespace) -> int:
    from app.services.conversations import conversation_markdown

    cid = await _conversation_id(services, args.id)
    (item,) = await services.conversations.export([cid])
    print(conversation_markdown(item))
    return 0


async def cmd_export(services: Services, args: argparse.Namespace) -> int:
    if args.all:
        ids = None
    elif args.id is None:
        raise HearthError(
            "Say which conversation to export.", action="Give an id, `last` or --all."
        )
    else:
        ids = [await _conversation_id(services, args.id)]
    # Every branch in JSON; the shown branch in Markdown.
    text = await services.transfer.export(conversation_ids=ids, format=args.format)
    if args.output:
        write_output(Path(args.output).expanduser(), text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def read_stdin(*, line: bool = False) -> str:
    """Standard input as text; bytes that are not UTF-8 get a plain message, not a traceback."""
    stream = sys.stdin.buffer
    data = stream.readline() if line else stream.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HearthError(
            f"The text on standard input is not UTF-8 (byte {exc.start + 1} cannot be read).",
            action="Save or convert it as UTF-8 text, then try again.",
        ) from None


def _check_utf8(text: str) -> None:
    """Arguments that were not UTF-8 arrive as lone surrogates; they cannot be stored or sent."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise HearthError(
            "The message is not UTF-8 text (the terminal sent bytes Hearth cannot read).",
            action="Check the terminal's character encoding, then try again.",
        ) from None


def write_output(path: Path, text: str) -> None:
    if not path.parent.is_dir():
        raise HearthError(
            f"The folder {path.parent} does not exist, so {path.name} could not be written.",
            action="Create the folder first, or give another path after -o.",
        )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise HearthError(
            f"{path} could not be written ({exc.strerror or type(exc).__name__}).",
            action="Check that the folder is writable and the disk is not full, or give "
            "another path after -o.",
        ) from None


COMMANDS = {
    "ask": cmd_ask,
    "models": cmd_models,
    "keys": cmd_keys,
    "pull": cmd_pull,
    "rm": cmd_rm,
    "usage": cmd_usage,
    "add": cmd_add,
    "history": cmd_history,
    "show": cmd_show,
    "export": cmd_export,
    "memory": cmd_memory,
    "search": cmd_search,
    "import": cmd_import,
}
