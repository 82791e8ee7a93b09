"""All database work runs on one thread, so the UI thread never waits on disk."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from app.store import Store

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
        return await loop.run_in_executor(self._pool, lambda: fn(self._store, *args, **kwargs))

    def call_sync(self, fn: Callable[..., T], *args, **kwargs) -> T:
        """For the command line and start-up, where there is no window to keep responsive."""
        return self._pool.submit(lambda: fn(self._store, *args, **kwargs)).result()

    def submit(self, fn: Callable[..., T], *args, **kwargs) -> concurrent.futures.Future:
        """Queue a write without waiting for it; writes still happen in order."""
        return self._pool.submit(lambda: fn(self._store, *args, **kwargs))

    def close(self) -> None:
        self._pool.submit(self._store.close).result()
        self._pool.shutdown(wait=True)


def _listing_store(path: Path) -> Store:
    return Store.for_listing(path) or Store(path)
