"""The frozen app (PyInstaller bundle) really runs: self-test, a one-message chat, the window.

Slow (a PyInstaller build), so skipped unless asked for:

    HEARTH_TEST_BUNDLE=1 pytest -m bundle            build into a temporary folder, then test it
    HEARTH_TEST_BUNDLE=dist/hearth pytest -m bundle  test a bundle built already (CI, make dist)

HEARTH_BUNDLE_MAX_MB sets the size limit (250 by default, for the Linux CPU bundle; 0: none).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.gguf_factory import KERNEL_SHAPE, write_tiny_gguf

ROOT = Path(__file__).resolve().parents[2]
REQUEST = os.environ.get("HEARTH_TEST_BUNDLE", "")
EXE_NAME = "hearth.exe" if sys.platform == "win32" else "hearth"

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not REQUEST, reason="bundle tests: set HEARTH_TEST_BUNDLE=1 (slow)"),
]


def _executable(folder: Path) -> Path:
    if folder.suffix == ".app":
        return folder / "Contents" / "MacOS" / "hearth"
    return folder / EXE_NAME


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The bundle's folder (dist/hearth, or Hearth.app on macOS)."""
    if REQUEST != "1":
        folder = Path(REQUEST).resolve()
    else:
        out = tmp_path_factory.mktemp("pyinstaller")
        subprocess.run(
            [sys.executable, "-m", "PyInstaller", "build.spec", "--noconfirm"]
            + ["--distpath", str(out / "dist"), "--workpath", str(out / "build")],
            cwd=ROOT,
            check=True,
            timeout=1500,
        )
        folder = out / "dist" / ("Hearth.app" if sys.platform == "darwin" else "hearth")
    assert _executable(folder).is_file(), f"no frozen executable in {folder}"
    return folder


@pytest.fixture
def frozen_env(tmp_path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HEARTH_DATA_DIR": str(tmp_path / "d")}
    # The tests' plaintext keyring is not in the bundle (on purpose): let the app find its own.
    env.pop("PYTHON_KEYRING_BACKEND", None)
    return env


def frozen(bundle: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(_executable(bundle)), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=300,
    )


def test_self_test_passes(bundle, frozen_env):
    result = frozen(bundle, "--self-test", env=frozen_env)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("ok ") for line in lines), lines
    names = (
        "database opens",
        "llama.cpp",
        "keychain",
        "resources",
        "document",
        "by meaning",
        "photo",
    )
    for check in names:
        assert any(check in line for line in lines), (check, lines)
    assert "(installed app)" in lines[0]
    # The probe's child process is the frozen executable itself (`--llama-probe`).
    assert any(line.startswith("ok    quantized generation (") for line in lines), lines
    assert not Path(frozen_env["HEARTH_DATA_DIR"]).exists(), "self-test touched the data folder"


def test_one_message_chat_on_a_tiny_model(bundle, frozen_env, tiny_gguf):
    result = frozen(
        bundle, "ask", "--max-tokens", "8", "--model", str(tiny_gguf), "hi", env=frozen_env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the frozen app streamed no reply"
    history = frozen(bundle, "history", env=frozen_env)
    assert history.returncode == 0 and len(history.stdout.splitlines()) == 1, history


def test_one_message_chat_on_a_quantized_model(bundle, frozen_env, tmp_path):
    model = write_tiny_gguf(tmp_path / "tiny-q8.gguf", weight_type="q8_0", **KERNEL_SHAPE)
    result = frozen(bundle, "ask", "--max-tokens", "4", "--model", str(model), "hi", env=frozen_env)
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert result.stdout.strip(), "the frozen app streamed no reply"
    assert (Path(frozen_env["HEARTH_DATA_DIR"]) / "llama-cpu.json").is_file()


def test_window_opens_and_stays_up(bundle, frozen_env):
    process = subprocess.Popen(
        [str(_executable(bundle))],
        env=frozen_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(8)
        assert process.poll() is None, f"the window closed by itself: {process.communicate()}"
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
    log = (Path(frozen_env["HEARTH_DATA_DIR"]) / "logs" / "hearth.log").read_text("utf-8")
    assert "Applied migration" in log  # the window's services really opened the store
    assert " ERROR " not in log and "Traceback" not in log, log


def _size_mib(folder: Path) -> float:
    total = sum(
        (Path(root) / name).lstat().st_size
        for root, _dirs, files in os.walk(folder)
        for name in files
    )
    return total / 1024**2


def test_bundle_size(bundle, capsys):
    size = _size_mib(bundle)
    limit = float(os.environ.get("HEARTH_BUNDLE_MAX_MB", "250"))
    with capsys.disabled():
        print(f"\nbundle {bundle}: {size:.0f} MiB (limit {limit:.0f})")
    assert not limit or size <= limit, f"the bundle is {size:.0f} MiB, over {limit:.0f}"
