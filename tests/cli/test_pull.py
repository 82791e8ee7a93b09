"""`hearth pull`, `hearth models`, `hearth ask`, `hearth rm` as real subprocesses, loopback Hub."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli.models import ProgressPrinter, format_duration
from app.downloads.queue import DownloadProgress
from tests.hub_server import FakeHub, Fault

ROOT = Path(__file__).resolve().parents[2]
REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF"
FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf"
NAME = FILE.removesuffix(".gguf")
ENTRY = "app"


@pytest.fixture
def hub(tiny_gguf, unpinned_catalog):
    content = tiny_gguf.read_bytes()
    with FakeHub() as hub:
        names = [f"qwen2.5-0.5b-instruct-{q}.gguf" for q in ("q4_k_m", "q5_k_m", "q8_0")]
        hub.add_repo(REPO, dict.fromkeys(names, content))
        yield hub


def command(*args: str, data_dir: Path, hub: FakeHub) -> list[str]:
    return [sys.executable, "-m", ENTRY, "--data-dir", str(data_dir), *args]


def env_for(hub: FakeHub) -> dict[str, str]:
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint}
    env.pop("HF_TOKEN", None)
    return env


def hearth(*args: str, data_dir: Path, hub: FakeHub, check: bool = True):
    result = subprocess.run(
        command(*args, data_dir=data_dir, hub=hub),
        capture_output=True,
        text=True,
        env=env_for(hub),
        cwd=ROOT,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hearth {args} failed: {result.stderr}")
    assert "Traceback" not in result.stderr
    return result


def test_pull_then_models_ask_and_rm(hub, data_dir):
    pulled = hearth("pull", f"{REPO}/{FILE}", data_dir=data_dir, hub=hub)
    assert f"Installed {NAME}" in pulled.stdout
    assert NAME in hearth("models", data_dir=data_dir, hub=hub).stdout
    answer = hearth("ask", "--max-tokens", "8", "--model", NAME, "hi", data_dir=data_dir, hub=hub)
    assert answer.stdout.strip()

    removed = hearth("rm", NAME, data_dir=data_dir, hub=hub)
    assert "freed" in removed.stdout
    assert NAME not in hearth("models", data_dir=data_dir, hub=hub).stdout
    assert not list((data_dir / "models").rglob("*.gguf"))


def test_pull_a_catalog_name_picks_a_file_for_this_computer(hub, data_dir):
    pulled = hearth("pull", "qwen2.5-0.5b-instruct", data_dir=data_dir, hub=hub)
    assert "Installed qwen2.5-0.5b-instruct-q" in pulled.stdout
    listing = hearth("pull", "--list", data_dir=data_dir, hub=hub).stdout
    assert "qwen2.5-1.5b-instruct" in listing and "runs well" in listing


def test_a_corrupt_pull_fails_plainly_and_installs_nothing(hub, data_dir):
    hub.faults.append(Fault("corrupt"))
    result = hearth("pull", f"{REPO}/{FILE}", data_dir=data_dir, hub=hub, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("hearth: The downloaded file was")
    assert "checksum" in result.stderr
    assert not list((data_dir / "models").rglob("*.gguf*"))
    assert NAME not in hearth("models", data_dir=data_dir, hub=hub).stdout


def test_a_missing_file_fails_plainly(hub, data_dir):
    result = hearth("pull", f"{REPO}/nope-q4_k_m.gguf", data_dir=data_dir, hub=hub, check=False)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"hearth: There is no file “nope-q4_k_m.gguf” in “{REPO}”. "
        "Check the name (a private model also needs an access token in HF_TOKEN)."
    )


def test_a_killed_pull_resumes_where_it_stopped(hub, data_dir):
    hub.faults.append(Fault("trickle", chunk=8_192, pause=0.02))
    part = data_dir / "models" / REPO / (FILE + ".part")
    process = subprocess.Popen(
        command("pull", f"{REPO}/{FILE}", data_dir=data_dir, hub=hub),
        env=env_for(hub),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (part.exists() and part.stat().st_size >= 32_768):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # no chance to tidy up: like a power cut
    finally:
        process.wait(10)
    kept = part.stat().st_size
    pulled = hearth("pull", f"{REPO}/{FILE}", data_dir=data_dir, hub=hub)
    assert f"Installed {NAME}" in pulled.stdout
    assert hub.cdn_requests()[-1].headers.get("range") == f"bytes={kept}-"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def progress(**kw) -> DownloadProgress:
    base = dict(job_id="j", repo=REPO, file=FILE, state="downloading", done_bytes=0,
                total_bytes=400 * 1024**2)  # fmt: skip
    return DownloadProgress(**{**base, **kw})


def test_terminal_bar_shows_speed_and_time_left(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    screen = FakeTerminal()
    printer = ProgressPrinter(screen)
    printer.update(progress(done_bytes=100 * 1024**2, speed=12.5 * 1024**2, eta=24.2))
    printer.close()
    line = screen.getvalue()
    assert line.startswith("\rqwen2.5-0.5b-instruc [██░░░░░░]  25% ") and len(line) == 81
    assert "100.0 MB of 400.0 MB, 12.5 MB/s, 24 s left" in line and line.endswith("\n")


def test_plain_output_prints_now_and_then():
    out = io.StringIO()
    printer = ProgressPrinter(out)
    printer.update(progress(state="queued", message="Waiting…"))
    for done in range(1, 50):
        printer.update(progress(done_bytes=done * 1024**2))
    printer.update(
        progress(done_bytes=50 * 1024**2, message="Connection lost. Trying again in 2 s…")
    )
    printer.update(progress(state="done", done_bytes=400 * 1024**2))
    lines = out.getvalue().splitlines()
    assert lines == [
        f"{NAME}: 0% 1.0 MB of 400.0 MB",
        f"{NAME}: 12% Connection lost. Trying again in 2 s…",
    ]


def test_durations_read_naturally():
    assert [format_duration(s) for s in (5, 75, 3700)] == ["5 s", "1 min 15 s", "1 h 01 min"]
