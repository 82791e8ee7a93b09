"""`hearth --self-test`: one line per check, exit status 1 if any fails, no user data touched."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import selftest
from app.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def run() -> tuple[int, list[str]]:
    out = io.StringIO()
    status = selftest.run_self_test(out)
    return status, out.getvalue().splitlines()


def test_every_check_passes_here(data_dir):
    status, lines = run()
    assert status == 0, lines
    assert len(lines) == len(selftest.CHECKS)
    assert all(line.startswith("ok ") for line in lines), lines
    text = "\n".join(lines)
    assert "database opens and migrates" in text
    assert "llama.cpp" in text and "backend: CPU" in text  # the test machine has no GPU build
    assert "ok    quantized generation (Q8_0, Q4_0, Q4_K, Q6_K): 4 tokens" in text
    assert "keychain: " in text
    assert "resources present (4 files" in text
    assert not any(data_dir.iterdir()), "the self-test wrote into the user's data folder"


def test_a_missing_resource_fails_the_run(monkeypatch, tmp_path):
    (tmp_path / "resources" / "ui").mkdir(parents=True)
    (tmp_path / "resources" / "catalog.json").write_text("{}")
    monkeypatch.setattr(
        selftest, "resource_path", lambda *parts: tmp_path.joinpath("resources", *parts)
    )
    status, lines = run()
    assert status == 1
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 1 and "resources present" in failed[0] and "hearth.qss" in failed[0]
    assert sum(line.startswith("ok ") for line in lines) == len(selftest.CHECKS) - 1


def test_a_processor_that_crashes_llama_cpp_fails_the_check_in_words(monkeypatch):
    # The probe's children stand in for a faulting CPU by killing themselves with SIGILL.
    monkeypatch.setenv("HEARTH_PROBE_CRASH", "all")
    status, lines = run()
    assert status == 1
    failed = [line for line in lines if line.startswith("FAIL")]
    assert len(failed) == 2 and failed[0].startswith("FAIL  quantized generation: every")
    assert "crashed (SIGILL)" in failed[0]
    # Search by meaning runs on the same engine: it fails too, in the same plain words.
    assert failed[1].startswith("FAIL  document search: ") and "processor" in failed[1]


def test_no_keychain_is_reported_not_failed(monkeypatch):
    monkeypatch.setattr(selftest.secrets, "keychain_available", lambda: False)
    status, lines = run()
    assert status == 0
    assert "ok    keychain: none: keys for this session only" in lines


@pytest.mark.parametrize(
    ("info", "offload", "expected"),
    [
        ("CPU : SSE3 = 1 | AVX2 = 1 | OPENMP = 1 | ", False, "CPU"),
        ("CUDA : ARCHS = 860 | USE_GRAPHS = 1 | CPU : AVX2 = 1 | ", True, "CUDA"),
        (
            "CUDA : ARCHS = 860 | CPU : AVX2 = 1 | ",
            False,
            "CUDA build, no GPU found: runs on the CPU",
        ),
        ("Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 | ", True, "Metal"),
        ("MTL : EMBED_LIBRARY = 1 | CPU : NEON = 1 | ", True, "Metal"),
    ],
)
def test_backend_is_read_from_llama_cpp_system_info(info, offload, expected):
    assert selftest.llama_backend(info, offload) == expected


@pytest.mark.skipif(
    "--self-test" not in build_parser().format_help(),
    reason="`hearth --self-test` is not wired into app/cli.py and app/__main__.py yet",
)
def test_command_line_flag(data_dir):
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "app", "--self-test"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(result.stdout.splitlines()) == len(selftest.CHECKS)
    assert not any(data_dir.iterdir()), "the self-test wrote into the user's data folder"
