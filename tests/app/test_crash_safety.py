"""Killing Hearth mid-reply keeps what was already streamed, marked interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _reply_row(db: Path):
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute(
            "SELECT content, status FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1"
        ).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        con.close()


def test_sigkill_mid_reply_leaves_the_partial_reply(data_dir, tmp_path):
    from tests.gguf_factory import write_tiny_gguf

    # Big enough that a long reply takes seconds on two cores.
    model = write_tiny_gguf(tmp_path / "slow-chat.gguf", n_layer=8, n_embd=512, n_ctx=4096)
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "app", "add", str(model)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "ask", "--model", "slow-chat", "Write a very long essay"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    db = data_dir / "hearth.db"
    deadline = time.monotonic() + 60
    row = None
    try:
        while time.monotonic() < deadline:
            row = _reply_row(db)
            if row and row[0] and len(row[0]) > 20 and row[1] == "streaming":
                break
            assert proc.poll() is None, "the reply finished before it could be interrupted"
            time.sleep(0.05)
        else:
            raise AssertionError("no partial reply was written while streaming")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    printed = proc.stdout.read().decode("utf-8", "replace")
    assert printed, "the reply was streaming to stdout"

    store = Store(db)  # the next start finds the reply and marks it interrupted
    (user, reply) = store.messages(store.latest_conversation().id)
    assert user.content == "Write a very long essay"
    assert reply.status == "interrupted"
    assert len(reply.content) >= len(row[0]) > 0
    assert printed.startswith(reply.content[:10])
    assert store.integrity_ok()
