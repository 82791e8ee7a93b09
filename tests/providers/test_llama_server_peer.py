"""A real OpenAI-compatible peer: llama-cpp-python's server on the tiny GGUF, over loopback.

It reports no token usage in streams, so this also covers the locally counted path.
Needs the `llama-cpp-python[server]` extra (uvicorn, fastapi, sse-starlette, ...).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import httpx
import pytest

from app.core.events import Done, TextDelta, Usage
from app.netguard import socket_guard
from app.providers.backends import backend_for_model_id, detect_local_servers
from tests.wire_servers import chat, collect

pytest.importorskip("uvicorn", reason="needs the llama-cpp-python[server] extra")
pytest.importorskip("sse_starlette", reason="needs the llama-cpp-python[server] extra")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/models", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("llama_cpp.server did not start")


@pytest.fixture(scope="module")
def llama_server(tiny_gguf, tmp_path_factory):
    port = _free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("wb")
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_gguf),
               "--model_alias", "tiny", "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", "512", "--n_threads", "1"]  # fmt: skip
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_stream_through_the_ollama_preset(llama_server, monkeypatch):
    monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", llama_server)
    monkeypatch.setenv("HEARTH_OFFLINE", "1")  # a server on this computer works offline
    with socket_guard() as attempts:
        events = collect(backend_for_model_id("ollama:tiny"), chat("Hello there", max_tokens=8))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert deltas and "".join(d.text for d in deltas).strip()
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.counted_locally and usage.input_tokens == 3 and usage.output_tokens > 0
    assert events[-1] == Done("length") and attempts == []


def test_custom_preset_with_an_optional_key_and_model_list(llama_server, monkeypatch):
    monkeypatch.setenv("HEARTH_CUSTOM_BASE_URL", llama_server)
    backend = backend_for_model_id("custom:tiny", api_key="any-local-key")
    events = collect(backend, chat("Hi", system="Be brief.", max_tokens=4))
    assert isinstance(events[-1], Done)
    models = asyncio.run(backend.list_models())
    assert [m.id for m in models] == ["custom:tiny"] and models[0].provider == "custom"


def test_stop_mid_reply_leaves_the_server_usable(llama_server, monkeypatch):
    monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", llama_server)

    async def first_delta_then_stop():
        stream = backend_for_model_id("ollama:tiny").stream_chat(chat("Go on", max_tokens=64))
        async for event in stream:
            if isinstance(event, TextDelta):
                await stream.aclose()
                return event

    assert isinstance(asyncio.run(first_delta_then_stop()), TextDelta)
    assert collect(backend_for_model_id("ollama:tiny"), chat("Again", max_tokens=2))[-1] == Done(
        "length"
    )


def test_detected_as_a_running_local_server(llama_server, monkeypatch):
    monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", llama_server)
    monkeypatch.setenv("HEARTH_LMSTUDIO_BASE_URL", "http://127.0.0.1:9/v1")  # discard port
    assert [s.id for s in asyncio.run(detect_local_servers())] == ["ollama"]
