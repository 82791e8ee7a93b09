"""Plain, specific messages where "something went wrong" used to stand: export to a missing
folder, a model path that is a loop of links, stdin that is not UTF-8, a key with characters no
key has (nothing sent), a GGUF with no tensors, a Gemini stream with no text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gguf
import pytest

from app import secrets
from app.core.events import Error
from app.core.provider_errors import EmptyReply, InvalidKeyCharacters
from app.providers.gemini import GeminiBackend
from app.providers.openai_compat import OpenAICompatBackend
from app.providers.registry import get_provider
from tests.wire_servers import (
    WireServer,
    collect,
    encode_sse,
    gemini_events,
    openai_events,
    sse_reply,
)

ROOT = Path(__file__).resolve().parents[2]


def hearth(*args: str, data_dir: Path, stdin: bytes | None = None, **env: str):
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        env={**os.environ, "HEARTH_DATA_DIR": str(data_dir), **env},
        cwd=ROOT,
        timeout=120,
    )
    result.stderr = result.stderr.decode("utf-8", "replace")
    return result


def assert_plain(result, *words: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "something went wrong" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_export_to_a_missing_folder(data_dir, tmp_path):
    target = tmp_path / "no-such-folder" / "chats.json"
    result = hearth("export", "--all", "-o", str(target), data_dir=data_dir)
    assert_plain(result, f"The folder {target.parent} does not exist", "-o")


def test_a_model_path_that_is_a_loop_of_links(data_dir, tmp_path):
    loop = tmp_path / "model.gguf"
    loop.symlink_to(loop.name)
    added = hearth("add", str(loop), data_dir=data_dir)
    assert_plain(added, "loop of symbolic links", str(loop))
    asked = hearth("ask", "-m", str(loop), "Hello", data_dir=data_dir)
    assert_plain(asked, "loop of symbolic links")


def test_stdin_that_is_not_utf8(data_dir):
    result = hearth("ask", "-m", "openai:gpt-4o-mini", data_dir=data_dir, stdin=b"caf\xe9 au lait")
    assert_plain(result, "The text on standard input is not UTF-8", "byte 4")


def test_a_gguf_with_no_tensors_is_refused_at_add(data_dir, tmp_path):
    path = tmp_path / "vocab-only.gguf"
    writer = gguf.GGUFWriter(path, arch="llama")
    writer.add_name("Vocabulary only")
    writer.add_context_length(128)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    result = hearth("add", str(path), data_dir=data_dir)
    assert_plain(result, "vocab-only.gguf", "no model weights in it (no tensors)")
    assert "vocab-only" not in hearth("models", data_dir=data_dir).stdout.decode()


# -- keys ------------------------------------------------------------------------------------

BAD_KEYS = ["sk-abc\x00def0123456789", "sk-abc\x1b[31mdef", "sk-abc def", "sk-ab\u200bcdef"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_with_control_characters_is_not_stored(key):
    with pytest.raises(
        InvalidKeyCharacters, match="This key contains characters a key cannot have"
    ):
        secrets.set_key("openai", key)
    assert secrets.get_key("openai") is None


def test_hearth_keys_set_refuses_it_plainly(data_dir):
    result = hearth("keys", "set", "openai", data_dir=data_dir, stdin=b"sk-abc\x07def\n")
    assert_plain(result, "This key contains characters a key cannot have.")


def test_a_bad_key_from_the_environment_is_never_sent():
    with WireServer() as server:
        server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["x"]))]))
        backend = OpenAICompatBackend(
            get_provider("openai"), "gpt-4o-mini", server.base_url + "/v1", "sk-abc\ndef"
        )
        events = collect(backend)
        assert not server.requests, "nothing is sent"
    (event,) = events
    assert isinstance(event, Error) and isinstance(event.error, InvalidKeyCharacters)


# -- Gemini ----------------------------------------------------------------------------------


@pytest.mark.parametrize("finish", ["STOP", "SAFETY"])
def test_a_gemini_stream_with_no_text_is_an_error(finish):
    path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    empty = [(None, {"candidates": [{"finishReason": finish, "index": 0}]})]
    with WireServer() as server:
        server.script("POST", path, sse_reply([encode_sse(empty)]))
        backend = GeminiBackend(
            get_provider("gemini"), "gemini-2.0-flash", server.base_url + "/v1beta", "AIzaTest0"
        )
        events = collect(backend)
    error = events[-1]
    assert isinstance(error, Error) and isinstance(error.error, EmptyReply)
    assert error.error.message.startswith("Google Gemini finished without writing anything")
    if finish == "SAFETY":
        assert "(safety)" in error.error.message


def test_a_gemini_stream_with_text_is_still_fine():
    path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    with WireServer() as server:
        server.script("POST", path, sse_reply([encode_sse(gemini_events(["Hi"]))]))
        backend = GeminiBackend(
            get_provider("gemini"), "gemini-2.0-flash", server.base_url + "/v1beta", "AIzaTest0"
        )
        assert not any(isinstance(e, Error) for e in collect(backend))
