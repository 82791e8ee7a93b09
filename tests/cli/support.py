"""The command line as a real subprocess on a test's data folder (shared by the CLI tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def hearth(*args: str, data_dir: Path, stdin: str | None = None, check=True):
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"hearth {args} failed: {result.stderr}")
    return result
