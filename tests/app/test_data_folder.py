"""A data folder Hearth cannot use, and a damaged database: plain words naming the folder or
file and what to do, from the command line and from the window; never a traceback, and a
damaged file is never written."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.errors import DatabaseDamaged
from app.store import Store

ROOT = Path(__file__).resolve().parents[2]


def hearth(*args: str, data_dir: Path):
    env = {**os.environ, "HEARTH_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def assert_plain_failure(result, *words: str) -> None:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    assert result.stderr.startswith("hearth: ")
    for word in words:
        assert word in result.stderr


def test_a_data_folder_that_is_a_file(tmp_path):
    folder = tmp_path / "not-a-folder"
    folder.write_text("oops")
    result = hearth("history", data_dir=folder)
    assert_plain_failure(result, str(folder), "is a file, not a folder", "--data-dir")


def test_a_data_folder_inside_a_file(tmp_path):
    parent = tmp_path / "a-file"
    parent.write_text("oops")
    result = hearth("history", data_dir=parent / "Hearth")
    assert_plain_failure(result, str(parent / "Hearth"), "cannot write")


def test_logs_that_is_a_file(data_dir):
    (data_dir / "logs").write_text("not a folder")
    result = hearth("history", data_dir=data_dir)
    assert_plain_failure(result, str(data_dir / "logs"), "is a file, not a folder")


@contextlib.contextmanager
def read_only_folder(tmp_path: Path):
    """A folder nobody may write in: a read-only tmpfs for root (who ignores permissions),
    plain permissions otherwise."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"root cannot be stopped by permissions and mount failed: {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_read_only_data_folder(tmp_path):
    with read_only_folder(tmp_path) as folder:
        result = hearth("history", data_dir=folder)
    assert_plain_failure(result, str(folder), "cannot write", "read-only")


def _damage(db: Path) -> None:
    """Overwrite a page in the middle of the file, as a bad sector or a torn copy would."""
    with db.open("r+b") as f:
        f.seek(4096 * 3)
        f.write(b"\xde\xad\xbe\xef" * 1024)


def _damaged_database(data_dir: Path, *, backup: bool) -> Path:
    db = data_dir / "hearth.db"
    store = Store(db)
    conv = store.create_conversation("Many pages")
    for i in range(200):
        store.add_message(conv.id, role="user", content=f"message {i} " + "words " * 80)
    store.close()
    if backup:
        shutil.copy(db, data_dir / "hearth.backup-20260101-120000.db")
    _damage(db)
    return db


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_damaged_database_is_named_left_untouched_and_the_backups_pointed_to(data_dir):
    db = _damaged_database(data_dir, backup=True)
    before = _digest(db)
    result = hearth("history", data_dir=data_dir)
    assert_plain_failure(
        result, str(db), "is damaged", str(data_dir), "hearth.backup-20260101-120000.db"
    )
    assert "rename hearth.db" in result.stderr
    assert _digest(db) == before, "a damaged file is never written further"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_a_damaged_database_without_backups_says_what_to_do(data_dir):
    db = _damaged_database(data_dir, backup=False)
    with pytest.raises(DatabaseDamaged) as caught:
        Store(db)
    assert "no automatic backup" in caught.value.action
    assert "Rename hearth.db" in caught.value.action


def test_a_file_that_is_not_a_database(data_dir):
    (data_dir / "hearth.db").write_bytes(b"this is a shopping list, not SQLite " * 200)
    result = hearth("history", data_dir=data_dir)
    assert_plain_failure(result, "is damaged")


# -- the window ------------------------------------------------------------------------------


def test_the_start_up_dialog_text_names_the_file_and_what_to_do(qapp, data_dir):
    from app.ui.shell.startup_error import startup_dialog

    db = _damaged_database(data_dir, backup=True)
    with pytest.raises(DatabaseDamaged) as caught:
        Store(db)
    box = startup_dialog(caught.value, log_file="/x/logs/hearth.log")
    assert box.text() == "Hearth could not start"
    text = box.informativeText()
    assert str(db) in text and "hearth.backup-20260101-120000.db" in text
    assert "Log file: /x/logs/hearth.log" in text
    assert "Traceback" not in text


def _close_the_dialog_when_shown(qapp, seen: list[str]) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    def close() -> None:
        box = qapp.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.informativeText())
            box.done(0)
        else:
            QTimer.singleShot(20, close)

    QTimer.singleShot(20, close)


def test_window_start_on_a_damaged_database_shows_the_dialog_instead_of_crashing(qapp, data_dir):
    from app.__main__ import main

    db = _damaged_database(data_dir, backup=True)
    seen: list[str] = []
    _close_the_dialog_when_shown(qapp, seen)
    assert main(["--data-dir", str(data_dir)]) == 1
    assert seen and str(db) in seen[0] and "is damaged" in seen[0]


def test_window_start_on_a_data_folder_that_is_a_file_shows_the_dialog(qapp, tmp_path):
    from app.__main__ import main

    folder = tmp_path / "file"
    folder.write_text("x")
    seen: list[str] = []
    _close_the_dialog_when_shown(qapp, seen)
    assert main(["--data-dir", str(folder)]) == 1
    assert seen and str(folder) in seen[0]


def test_the_damaged_file_was_not_opened_for_writing_by_sqlite(data_dir):
    db = _damaged_database(data_dir, backup=False)
    with pytest.raises(DatabaseDamaged):
        Store(db)
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode in ("wal", "delete")  # still readable as what it was; nothing converted
