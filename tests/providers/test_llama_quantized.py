"""Quantized models on real llama.cpp, shaped so its optimized CPU kernels run (AMX, repacked
weights), and the probe that keeps a faulting kernel from killing Hearth.

On a processor that advertises AMX it cannot use (the developers' and CI's VMs), llama.cpp's
default configuration dies of a signal at the first reply; these tests then pass only because the
probe found that out in a child process. A crashing configuration can also be simulated (the
child kills itself with SIGILL through HEARTH_PROBE_CRASH): the one stand-in here, since a test
cannot choose its CPU.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.errors import Cancelled
from app.core.events import Done, TextDelta
from app.providers import llama_probe
from app.providers.gguf_info import read_gguf_info
from app.providers.llama_local import LocalEngine
from tests.gguf_factory import KERNEL_SHAPE, write_tiny_gguf

ROOT = Path(__file__).resolve().parents[2]
QUANT_TYPES = ("q8_0", "q4_0")


@pytest.fixture(scope="module")
def quantized(tmp_path_factory) -> dict[str, ModelInfo]:
    folder = tmp_path_factory.mktemp("quantized")
    return {
        kind: read_gguf_info(
            write_tiny_gguf(folder / f"tiny-{kind}.gguf", weight_type=kind, **KERNEL_SHAPE)
        )
        for kind in QUANT_TYPES
    }


@pytest.fixture(autouse=True)
def fresh_probe(monkeypatch):
    """Each test starts with nothing remembered in this process, and no simulated crash."""
    monkeypatch.setattr(llama_probe, "_memory", {})
    monkeypatch.delenv(llama_probe.CRASH_ENV, raising=False)


def generate(model: ModelInfo, config_dir: Path | None, tokens: int = 6):
    async def main():
        engine = LocalEngine(n_threads=2, config_dir=config_dir)
        try:
            await engine.load(model, n_ctx=256)
            request = ChatRequest(
                messages=(ChatMessage("user", "the quick brown fox"),),
                max_tokens=tokens,
                temperature=0.0,
            )
            events = [event async for event in engine.stream_chat(request)]
            return events, engine.cpu_config
        finally:
            await engine.close()

    return asyncio.run(main())


def remembered_entry(folder: Path) -> dict:
    data = json.loads((folder / llama_probe.CACHE_NAME).read_text(encoding="utf-8"))
    return data[llama_probe.identity_key()]


def hearth(*args: str, data_dir: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "HEARTH_DATA_DIR": str(data_dir), **(env or {})},
        cwd=ROOT,
        timeout=300,
    )


@pytest.mark.parametrize("kind", QUANT_TYPES)
def test_the_engine_generates_from_a_quantized_model(quantized, kind, tmp_path):
    events, config = generate(quantized[kind], tmp_path)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.strip(), events
    assert events[-1] == Done("length")
    entry = remembered_entry(tmp_path)  # the probe's answer is in the data folder
    assert entry["config"]["name"] == config.name
    assert entry["tried"][config.name] == "ok"


@pytest.mark.parametrize("kind", QUANT_TYPES)
def test_ask_answers_from_a_quantized_model(quantized, kind, data_dir):
    model = quantized[kind]
    assert hearth("add", str(model.path), data_dir=data_dir).returncode == 0
    done = hearth("ask", "--model", model.id, "--max-tokens", "4", "hello", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    with sqlite3.connect(data_dir / "hearth.db") as db:
        status, content = db.execute(
            "SELECT status, content FROM messages WHERE role = 'assistant'"
        ).fetchone()
    assert status == "complete" and content.strip() == done.stdout.strip()


def test_a_configuration_that_crashes_is_recorded_and_avoided(quantized, tmp_path, monkeypatch):
    monkeypatch.setenv(llama_probe.CRASH_ENV, "extra_bufts")
    _events, config = generate(quantized["q8_0"], tmp_path)
    assert config.name == "no_extra_bufts" and not config.use_extra_bufts
    tried = remembered_entry(tmp_path)["tried"]
    assert tried["extra_bufts"].startswith("crashed (SIG")  # SIGILL, or this CPU's own fault
    assert tried["no_extra_bufts"] == "ok"


def test_the_remembered_answer_is_used_without_probing_again(quantized, tmp_path, monkeypatch):
    generate(quantized["q4_0"], tmp_path)
    first = remembered_entry(tmp_path)
    # Every child would now die: a load that still works never started one.
    monkeypatch.setenv(llama_probe.CRASH_ENV, "all")
    monkeypatch.setattr(llama_probe, "_memory", {})
    events, config = generate(quantized["q4_0"], tmp_path)
    assert events[-1] == Done("length")
    assert config.name == first["config"]["name"]
    assert remembered_entry(tmp_path) == first


def test_another_build_or_cpu_is_probed_again(quantized, tmp_path, monkeypatch):
    generate(quantized["q8_0"], tmp_path)
    monkeypatch.setattr(llama_probe, "identity", lambda: {"llama_cpp": "9.9", "cpu": "other"})
    monkeypatch.setenv(llama_probe.CRASH_ENV, "extra_bufts")
    _events, config = generate(quantized["q8_0"], tmp_path)
    assert config.name == "no_extra_bufts"
    assert len(json.loads((tmp_path / llama_probe.CACHE_NAME).read_text())) == 2


def test_when_nothing_works_ask_says_so_and_keeps_the_message(quantized, data_dir):
    model = quantized["q8_0"]
    hearth("add", str(model.path), data_dir=data_dir)
    crash = {llama_probe.CRASH_ENV: "all"}
    done = hearth("ask", "--model", model.id, "keep me", data_dir=data_dir, env=crash)
    assert done.returncode == 1, (done.returncode, done.stderr)  # an answer, not a signal
    assert "can't run on this computer" in done.stderr and "Traceback" not in done.stderr
    assert "Your chats are safe" in done.stderr
    with sqlite3.connect(data_dir / "hearth.db") as db:
        assert db.execute("SELECT content FROM messages WHERE role = 'user'").fetchone() == (
            "keep me",
        )
    entry = remembered_entry(data_dir)
    assert entry["config"] is None and all(v.startswith("crashed") for v in entry["tried"].values())
    # Remembered: the next attempt says the same at once, without a child process.
    again = hearth("ask", "--model", model.id, "-c", "still?", data_dir=data_dir)
    assert again.returncode == 1 and "can't run on this computer" in again.stderr


def test_the_probe_child_is_this_program_in_probe_mode(monkeypatch, tmp_path):
    cmd, env = llama_probe.child_command(llama_probe.SAFE, tmp_path / "m.gguf")
    assert cmd[:4] == [sys.executable, "-m", "app", llama_probe.PROBE_ARG]
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)  # this checkout's code
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    cmd, _env = llama_probe.child_command(llama_probe.SAFE, tmp_path / "m.gguf")
    assert cmd[:2] == [sys.executable, llama_probe.PROBE_ARG]  # the bundle's own executable


def test_portable_cpu_backends_are_tried_last(tmp_path):
    for name in ("libggml-cpu-sapphirerapids.so", "libggml-cpu-haswell.so", "libggml-cpu-x64.so"):
        (tmp_path / name).write_bytes(b"")
    names = [c.name for c in llama_probe.candidates(tmp_path)]
    assert names == ["extra_bufts", "no_extra_bufts", "cpu_haswell", "cpu_x64"]


@pytest.mark.skipif(
    not llama_probe.cpu_backends(llama_probe.llama_lib_dir()),
    reason="this llama.cpp build has one CPU backend (no GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS)",
)
def test_a_portable_cpu_backend_is_used_when_both_extra_buffer_settings_crash(quantized, data_dir):
    # Run here with a GGML_BACKEND_DL build put first on PYTHONPATH (packaging/README.md).
    model = quantized["q4_0"]
    hearth("add", str(model.path), data_dir=data_dir)
    crash = {llama_probe.CRASH_ENV: "extra_bufts,no_extra_bufts"}
    ask = ("ask", "--model", model.id, "--max-tokens", "4", "hi")
    done = hearth(*ask, data_dir=data_dir, env=crash)
    assert done.returncode == 0, (done.returncode, done.stderr)
    entry = remembered_entry(data_dir)
    assert entry["config"]["name"] == "cpu_haswell" and entry["tried"]["cpu_haswell"] == "ok"


def test_cancelling_a_load_stops_the_probe_and_remembers_nothing(quantized, tmp_path, monkeypatch):
    child_started = threading.Event()
    run_child = llama_probe.run_child

    def run_child_and_say_so(*args):
        child_started.set()
        return run_child(*args)

    monkeypatch.setattr(llama_probe, "run_child", run_child_and_say_so)

    async def main():
        engine = LocalEngine(n_threads=2, config_dir=tmp_path)
        load = asyncio.ensure_future(engine.load(quantized["q8_0"], n_ctx=256))
        # Cancel as the first child starts (python, then llama.cpp: far longer than this wait);
        # a fixed sleep let a fast probe finish first on a quiet machine.
        while not child_started.is_set():
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        engine.cancel_load()
        try:
            with pytest.raises(Cancelled):
                await asyncio.wait_for(load, 30)
        finally:
            await engine.close()

    asyncio.run(main())
    assert not (tmp_path / llama_probe.CACHE_NAME).exists()
    assert llama_probe.remembered(tmp_path) is None
