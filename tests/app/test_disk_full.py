"""A full disk while a reply streams: the reply is kept (printed, in memory), the user is told in
plain words, the command fails, and no reply is left marked `streaming`.

The full disk is real to SQLite: the child process runs under RLIMIT_FSIZE (SIGXFSZ ignored), so
each write that would grow a file past the limit fails with EFBIG and SQLite reports SQLITE_FULL,
exactly as on a full disk. No root, no mount needed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.store import Store
from tests.wire_servers import (
    WireServer,
    encode_sse,
    openai_events,
    openai_usage,
    split_every,
    sse_reply,
)

resource = pytest.importorskip("resource", reason="RLIMIT_FSIZE is POSIX-only")

ROOT = Path(__file__).resolve().parents[2]
LONG_REPLY = ["All work and no play makes a long reply. " * 50] * 120  # about 250 KB
USAGE = openai_usage(10, 20000)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _ready_folder(data_dir: Path) -> int:
    """A data folder with its database made and settled (WAL checkpointed), and a log file;
    returns the size of its biggest file, which the child may not grow by much."""
    Store(data_dir / "hearth.db").close()
    (data_dir / "logs").mkdir(exist_ok=True)
    (data_dir / "logs" / "hearth.log").write_text("")
    return max(p.stat().st_size for p in data_dir.rglob("*") if p.is_file())


def _ask_for_a_long_reply(data_dir: Path, preexec_fn=None) -> subprocess.CompletedProcess:
    """`hearth ask` an OpenAI-wire server on loopback for LONG_REPLY, in data_dir."""
    with WireServer() as server:
        server.script(
            "POST",
            "/v1/chat/completions",
            sse_reply(split_every(encode_sse(openai_events(LONG_REPLY, usage=USAGE)), 16384)),
        )
        env = {
            **os.environ,
            "HEARTH_DATA_DIR": str(data_dir),
            "HEARTH_OPENAI_BASE_URL": server.base_url + "/v1",
            "OPENAI_API_KEY": "sk-test-disk-full-0000000000000000",
        }
        return subprocess.run(
            [sys.executable, "-m", "app", "ask", "--model", "openai:gpt-4o-mini", "Write a lot"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            preexec_fn=preexec_fn,
        )


def test_cli_ask_on_a_full_disk_prints_the_reply_says_so_and_fails(data_dir):
    biggest = _ready_folder(data_dir)
    result = _ask_for_a_long_reply(data_dir, _limit_file_size(biggest + 64 * 1024))
    assert "Traceback" not in result.stderr
    assert result.returncode != 0, "a reply that was not saved must not look like success"
    assert "Your disk is full: this reply is not saved yet" in result.stderr
    assert result.stdout.strip() == "".join(LONG_REPLY).strip(), "the whole reply is printed"
    db = sqlite3.connect(data_dir / "hearth.db")
    statuses = [r[0] for r in db.execute("SELECT status FROM messages WHERE role = 'assistant'")]
    assert statuses and "streaming" not in statuses


def _mount_small_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; the RLIMIT_FSIZE test covers the rest")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")


@pytest.mark.parametrize(
    ("room", "says"),
    [
        (160 * 1024, "Your disk is full: this reply is not saved yet"),
        (0, "Your disk is full"),
    ],
)
def test_cli_ask_on_a_really_full_disk(tmp_path, room, says):
    """A real ENOSPC: a 1 MB tmpfs, filled up but for a little room (or none at all)."""
    disk = tmp_path / "small-disk"
    _mount_small_tmpfs(disk, "1m")
    try:
        data_dir = disk / "data"
        data_dir.mkdir()
        _ready_folder(data_dir)
        free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
        (disk / "filler").write_bytes(b"\0" * max(free - room, 0))
        result = _ask_for_a_long_reply(data_dir)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 1
        assert says in result.stderr
        if room:
            assert result.stdout.strip() == "".join(LONG_REPLY).strip()
        (disk / "filler").unlink()  # room again, for this test's own look at the file
        db = sqlite3.connect(data_dir / "hearth.db")
        statuses = [r[0] for r in db.execute("SELECT status FROM messages WHERE role='assistant'")]
        db.close()
        assert "streaming" not in statuses
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)  # lazy: even if still open
