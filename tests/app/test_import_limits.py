"""A zip bomb given to import: refused in plain words, in bounded memory, nothing imported."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from app.services.transfer import MAX_IMPORT_BYTES

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024

# `hearth ARGS`, then its peak resident memory (VmHWM, in kB) on stderr where /proc has it.
PEAK_REPORTING_HEARTH = """
import atexit, sys
def peak():
    try:
        lines = open("/proc/self/status").read().splitlines()
    except OSError:
        return
    sys.stderr.write("PEAK " + next(l for l in lines if l.startswith("VmHWM")).split(":")[1])
atexit.register(peak)
from app.__main__ import main
sys.exit(main(sys.argv[1:]))
"""


def write_zip_bomb(path: Path, unpacked: int) -> Path:
    """A small .zip whose conversations.json unpacks to `unpacked` bytes (JSON-looking spaces
    inside a list), written a megabyte at a time."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("conversations.json", "w", force_zip64=True) as member,
    ):
        member.write(b"[")
        block = b" " * MB
        for _ in range(unpacked // MB):
            member.write(block)
        member.write(b"]")
    return path


def test_a_zip_bomb_is_refused_in_bounded_memory(data_dir, tmp_path):
    bomb = write_zip_bomb(tmp_path / "chatgpt-export.zip", MAX_IMPORT_BYTES + 64 * MB)
    assert bomb.stat().st_size < 2 * MB
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-c", PEAK_REPORTING_HEARTH, "import", str(bomb)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    stderr, _, peak = result.stderr.partition("PEAK ")
    assert result.returncode == 1 and "Traceback" not in stderr
    assert "unpacks to more than 512 MB" in stderr and "Nothing was imported." in stderr
    if peak:  # Linux: the child's own high-water mark (ru_maxrss would count the parent's)
        assert int(peak.split()[0]) < 250 * 1024, f"peak memory {peak.strip()}"


def test_a_huge_conversations_json_is_refused_before_it_is_read(tmp_path, services):
    import asyncio

    import pytest

    from app.services.import_common import ImportFailed

    huge = tmp_path / "conversations.json"
    with huge.open("wb") as f:
        f.truncate(MAX_IMPORT_BYTES + 1)  # sparse: no disk space used
    with pytest.raises(ImportFailed, match="unpacks to more than 512 MB"):
        asyncio.run(services.transfer.import_file(path=huge))
    services.db.close()
