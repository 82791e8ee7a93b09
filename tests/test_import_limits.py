"""A zip bomb given to import: refused in plain words, in bounded memory, nothing imported."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from app.services.transfer import MAX_IMPORT_BYTES

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


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
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "import", str(bomb)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)  # the child's own peak memory, in KB
    stderr = child.stderr.read()
    child.stdout.close()
    child.stderr.close()
    assert os.waitstatus_to_exitcode(status) == 1 and "Traceback" not in stderr
    assert "unpacks to more than 512 MB" in stderr and "Nothing was imported." in stderr
    assert usage.ru_maxrss < 250 * 1024, f"peak memory {usage.ru_maxrss // 1024} MB"


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
