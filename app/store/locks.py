"""Cross-process locks that die with their process, built on SQLite's own file locking.

SQLite already locks files portably (fcntl on POSIX, LockFileEx on Windows) and the operating
system drops those locks when a process dies, even by SIGKILL: an empty SQLite file held in a
`BEGIN EXCLUSIVE` transaction is a lock that can never be left stale.
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

LOCKS = "locks"


def locks_dir(db_file: Path) -> Path:
    path = db_file.parent / LOCKS
    path.mkdir(exist_ok=True)
    return path


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def acquire(self, *, timeout: float) -> bool:
        """Take the lock, waiting up to `timeout` seconds; False if another process holds it."""
        conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.DatabaseError:  # locked (or, never expected, not a lock file at all)
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()  # closing ends the transaction and drops the OS lock
            self._conn = None


@contextlib.contextmanager
def held(path: Path, *, timeout: float) -> Iterator[None]:
    lock = FileLock(path)
    if not lock.acquire(timeout=timeout):
        raise TimeoutError(f"{path} stayed locked for {timeout} s")
    try:
        yield
    finally:
        lock.release()


class WriterLock:
    """This process's claim on the replies it is writing: held while its Store is open, so
    another process can tell a live writer from one that died mid-reply."""

    def __init__(self, db_file: Path) -> None:
        self.token = uuid.uuid4().hex
        self._dir = locks_dir(db_file)
        self._lock = FileLock(self._dir / f"writer-{self.token}")
        for _ in range(3):
            self._lock.acquire(timeout=0)
            # A sweeping process could have taken the new file for a dead writer's in the
            # instant between its creation and its lock, and removed it: then make it again.
            if self._lock.path.exists():
                break
            self._lock.release()
        self._sweep()

    def _sweep(self, limit: int = 8) -> None:
        """Remove a few lock files left by processes that died (SIGKILL, power cut): is_alive
        deletes the file of a writer that is gone."""
        tokens = [p.name.removeprefix("writer-") for p in self._dir.glob("writer-*")]
        for token in [t for t in tokens if len(t) == 32 and t.isalnum()][:limit]:
            self.is_alive(token)  # not the -journal files SQLite keeps beside a held lock

    def release(self) -> None:
        self._lock.release()
        _remove(self._lock.path)

    def is_alive(self, token: str | None) -> bool:
        """Whether the process that wrote `token` still holds its lock."""
        if not token:
            return False  # written before writers were recorded, or by an old version
        if token == self.token:
            return True
        path = self._dir / f"writer-{token}"
        if not path.exists():
            return False
        probe = FileLock(path)
        if not probe.acquire(timeout=0):
            return True
        probe.release()
        _remove(path)  # its process is gone: the file is litter now
        return False


def _remove(lock_file: Path) -> None:
    for path in (lock_file, lock_file.with_name(lock_file.name + "-journal")):
        with contextlib.suppress(OSError):
            path.unlink()
