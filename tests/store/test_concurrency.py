"""Several processes on one data folder: migrations raced on a fresh folder, and a reply that
another live process is still writing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app.store import Store
from app.store.migrations import MIGRATIONS

ROOT = Path(__file__).resolve().parents[2]

OPEN_AT_ONCE = """
import sys, time
from pathlib import Path
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
from app.store import Store
Store(Path(sys.argv[1])).close()
print("ok")
"""


def test_processes_racing_on_a_fresh_folder_all_open_it_and_migrate_once(tmp_path):
    db = tmp_path / "hearth.db"
    start = time.time() + 1.5  # after every child has imported the app
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, str(db), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, results, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == "ok"
    names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM _migrations")]
    assert sorted(names) == sorted(fn.__name__ for fn in MIGRATIONS)  # each exactly once


WRITE_AND_WAIT = """
import sys
from pathlib import Path
from app.store import Store
store = Store(Path(sys.argv[1]))
conv = store.create_conversation()
reply = store.add_message(conv.id, role="assistant", content="half a", status="streaming")
print(reply.id, flush=True)
sys.stdin.readline()  # keep writing until told to stop
"""


def test_opening_the_store_leaves_a_live_writers_reply_alone(tmp_path):
    db = tmp_path / "hearth.db"
    Store(db).close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITE_AND_WAIT, str(db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        reply_id = int(writer.stdout.readline())
        other = Store(db)  # a second window or `hearth ask` opening the same folder
        assert other.message(reply_id).status == "streaming", "its writer is still alive"
        other.close()
    finally:
        writer.kill()
        writer.wait()
    again = Store(db)  # the writer died mid-reply: now it is interrupted
    assert again.message(reply_id).status == "interrupted"
    assert again.message(reply_id).content == "half a"
    again.close()


def test_lock_files_of_dead_writers_are_cleared(tmp_path):
    db = tmp_path / "hearth.db"
    child = subprocess.run(
        [sys.executable, "-c", "import os, sys; from pathlib import Path; from app.store import "
         "Store; Store(Path(sys.argv[1])); os._exit(0)", str(db)],
        cwd=ROOT,
    )  # fmt: skip
    assert child.returncode == 0
    assert list((tmp_path / "locks").glob("writer-*")), "left behind by the dead one"
    store = Store(db)
    held = [p.name for p in (tmp_path / "locks").glob("writer-*") if "-journal" not in p.name]
    assert held == [f"writer-{store.writer.token}"]
    store.close()
    assert not list((tmp_path / "locks").glob("writer-*"))


def test_processes_racing_on_an_old_database_back_it_up_once_then_migrate_once(tmp_path):
    import shutil

    db = tmp_path / "hearth.db"
    shutil.copy(Path(__file__).resolve().parents[1] / "fixtures" / "hearth-v1.db", db)
    start = time.time() + 1.5
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_ONCE, str(db), str(start)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for child in children:
        _out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    backups = list(tmp_path.glob("hearth.backup-*.db"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT count(*) FROM _migrations").fetchone()[0] == 1  # taken before
    names = [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM _migrations")]
    assert sorted(names) == sorted(fn.__name__ for fn in MIGRATIONS)
