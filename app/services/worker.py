"""All database work runs on one thread, so the UI thread never waits on disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from app.store import Store
from app.store.opening import damaged, is_damage

T = TypeVar("T")


class DbWorker:
    """Owns the Store on a single worker thread; `await worker.call(Store.method, ...)`."""

    def __init__(self, path: Path, *, for_listing: bool = False) -> None:
        """`for_listing`: only reading methods will be called (see Store.for_listing)."""
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hearth-db")
        # The Store and its sqlite3 connection are made on the worker thread and used only there.
        open_store = _listing_store if for_listing else Store
        try:
            self._store: Store = self._pool.submit(open_store, path).result()
        except BaseException:  # a damaged file, a folder it cannot use: no thread left behind
            self._pool.shutdown(wait=True)
            raise

    async def call(self, fn: Callable[..., T], *args, **kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._run, fn, args, kwargs)

    def call_sync(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """For the command line and start-up, where there is no window to keep responsive."""
        return self._pool.submit(self._run, fn, args, kwargs).result()

    def submit(self, fn: Callable[..., T], *args, **kwargs) -> concurrent.futures.Future:
        """Queue a write without waiting for it; writes still happen in order."""
        return self._pool.submit(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict) -> T:
        try:
            return fn(self._store, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            # Damage found after opening (a listing skips the check at open, and a file can be
            # damaged while Hearth runs): said plainly, like at open, and the file left alone.
            if is_damage(exc):
                raise damaged(self._store.path) from exc
            raise

    def close(self) -> None:
        self._pool.submit(self._store.close).result()
        self._pool.shutdown(wait=True)


def _listing_store(path: Path) -> Store:
    return Store.for_listing(path) or Store(path)
