"""What several command groups share: argument types, standard input, output files, ids."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import ConversationNotFound, HearthError

if TYPE_CHECKING:
    from app.services import Services


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above 0 (not “{text}”)")
    return value


def counted(n: int, word: str) -> str:
    """ "1 model", "2 models": a count a person reads, not "1 models"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


async def conversation_id(services: Services, ref: str | None) -> int:
    if ref in (None, "last"):
        latest = await services.conversations.latest()
        if latest is None:
            raise ConversationNotFound("There are no conversations yet.")
        return latest.id
    try:
        return int(ref)
    except ValueError:
        raise ConversationNotFound(f"“{ref}” is not a conversation id.") from None


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


def check_utf8(text: str) -> None:
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
