"""Streams that never end: a stalled server, endless keep-alive comments, endless tokens. Each
ends within the reply deadline (shortened here through $HEARTH_REPLY_DEADLINE) with a plain
message, and --max-tokens is enforced on Hearth's side even when the server ignores it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.events import Done, Error, TextDelta, Usage
from app.core.provider_errors import StreamInterrupted, TimedOut
from app.providers.http_stream import DEADLINE_ENV
from app.providers.openai_compat import OpenAICompatBackend
from app.providers.registry import get_provider
from tests.wire_servers import WireServer, chat, collect, encode_sse, openai_events, sse_reply

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-test-endless-0123456789abcdefghij"
PATH = "/v1/chat/completions"


def _first_words() -> bytes:
    return encode_sse(openai_events(["Once upon a time"], done=False)[:2])


async def _stalled():
    yield _first_words()
    await asyncio.sleep(3600)  # then nothing at all, connection open


async def _keep_alive_forever():
    yield encode_sse(openai_events([], done=False)[:1])  # the role chunk, no words
    while True:
        yield b": keep-alive\n\n"
        await asyncio.sleep(0.05)


def _endless_tokens():
    async def tokens():
        yield _first_words()
        n = 0
        while True:
            n += 1
            event = openai_events([f" and then {n}"], done=False)[1]
            yield encode_sse([event])
            await asyncio.sleep(0.005)

    return tokens


SHAPES = {
    "stalled": (lambda: _stalled(), "sent nothing for 1 second", StreamInterrupted),
    "keep-alive": (lambda: _keep_alive_forever(), "sent nothing for 1 second", TimedOut),
    "endless tokens": (_endless_tokens(), "went on for more than 1 second", StreamInterrupted),
}


@pytest.fixture
def server():
    with WireServer() as s:
        yield s


def backend(server):
    return OpenAICompatBackend(get_provider("openai"), "gpt-4o-mini", server.base_url + "/v1", KEY)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_stream_that_never_ends_stops_at_the_deadline(server, monkeypatch, shape):
    chunks, words, kind = SHAPES[shape]
    monkeypatch.setenv(DEADLINE_ENV, "1")
    server.script("POST", PATH, sse_reply(chunks))
    started = time.monotonic()
    events = collect(backend(server))
    assert time.monotonic() - started < 10
    error = events[-1]
    assert isinstance(error, Error) and isinstance(error.error, kind)
    assert words in error.error.message and "so Hearth stop" in error.error.message
    if kind is StreamInterrupted:
        assert "What arrived so far is kept." in error.error.message
        assert any(isinstance(e, TextDelta) for e in events)


def test_max_tokens_is_enforced_even_when_the_server_ignores_it(server):
    server.script("POST", PATH, sse_reply(_endless_tokens()))
    events = collect(backend(server), chat("Tell me a story", max_tokens=5))
    assert sum(isinstance(e, TextDelta) for e in events) == 5
    assert isinstance(events[-2], Usage) and events[-1] == Done("length")


def _hearth(*args: str, data_dir: Path, server: WireServer, **env: str):
    full_env = {
        **os.environ,
        "HEARTH_DATA_DIR": str(data_dir),
        "HEARTH_OPENAI_BASE_URL": server.base_url + "/v1",
        "OPENAI_API_KEY": KEY,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=60,
    )


def test_hearth_ask_on_an_endless_stream_ends_with_a_plain_message(server, data_dir):
    server.script("POST", PATH, sse_reply(lambda: _keep_alive_forever()))
    started = time.monotonic()
    result = _hearth(
        "ask", "-m", "openai:gpt-4o-mini", "Hi", data_dir=data_dir, server=server,
        **{DEADLINE_ENV: "1"},
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "OpenAI sent nothing for 1 second, so Hearth stopped waiting." in result.stderr


def test_hearth_ask_stops_at_max_tokens_itself(server, data_dir):
    server.script("POST", PATH, sse_reply(_endless_tokens()))
    result = _hearth(
        "ask", "-m", "openai:gpt-4o-mini", "--max-tokens", "3", "Hi",
        data_dir=data_dir, server=server,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Once upon a time and then 1 and then 2"
    sent = json.loads(server.requests[0].body)
    assert sent.get("max_tokens") == 3 or sent.get("max_completion_tokens") == 3


@pytest.mark.parametrize("value", ["0", "-5"])
def test_max_tokens_zero_or_negative_is_refused(server, data_dir, value):
    result = _hearth(
        "ask", "-m", "openai:gpt-4o-mini", f"--max-tokens={value}", "Hi",
        data_dir=data_dir, server=server,
    )  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--max-tokens: must be a whole number above 0" in result.stderr
    assert not server.requests, "nothing is sent"
