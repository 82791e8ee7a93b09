"""Collections of the user's documents: adding files and folders, reading them into chunks, keeping
them in step with the disk, listing and removing them.

Reading runs on a thread of its own (never the database worker, which only writes, and never the
event loop), one section at a time (app.services.doc_indexing): the window stays responsive, a
chunk is searchable the moment its page is written, memory stays flat however large the file,
and a restart resumes at the page reached.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import HearthError
from app.services.doc_indexing import Flag, IndexResult, IndexRun, Progress, scan
from app.services.worker import DbWorker
from app.store import documents as store_docs
from app.store.documents import DocCollection, DocFile, DocRoot
from app.store.settings import Settings

DEFAULT_COLLECTION = "My documents"
EMBED_MODEL_SETTING = "docs_embed_model"


class DocumentNotFound(HearthError):
    action = "Run `hearth docs list` to see the collections and files."


@dataclass
class AddResult:
    collection: str
    roots: int = 0  # files and folders added (or found already added)
    queued: int = 0
    dropped: int = 0  # files gone from an added folder since it was last scanned
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, plain reason)


@dataclass(frozen=True, slots=True)
class CollectionListing:
    collection: DocCollection
    roots: list[DocRoot]
    files: list[DocFile]


class DocumentService:
    def __init__(
        self,
        db: DbWorker,
        settings: Settings,
        *,
        on_chunks_written: Callable[[list[int]], None] | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        # Called (on the event loop) with the ids of each page's new chunks: the embedding part
        # embeds them in the background.
        self.on_chunks_written = on_chunks_written
        self._reader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hearth-docs")
        self._lock = asyncio.Lock()

    def close(self) -> None:
        self._reader.shutdown(wait=False, cancel_futures=True)

    async def _off_loop(self, fn: Callable, *args):
        return await asyncio.get_running_loop().run_in_executor(self._reader, fn, *args)

    # -- adding and scanning --------------------------------------------------------------------

    async def add(self, paths: list[Path | str], *, collection: str | None = None) -> AddResult:
        """Record files and folders in a collection (created if new; by default the folder's
        name, or "My documents") and queue what they hold for reading. Paths that are missing
        or of a kind Hearth can't read come back in `problems`; the rest are added."""
        from app.documents.readers import is_supported

        resolved = [Path(p).expanduser().absolute() for p in paths]
        if not collection:
            folders = [p for p in resolved if p.is_dir()]
            collection = folders[0].name if len(resolved) == 1 and folders else DEFAULT_COLLECTION
        result = AddResult(collection=" ".join(collection.split()))
        usable = []
        for path in resolved:
            if not path.exists():
                result.problems.append((str(path), "There is no file or folder here."))
            elif not path.is_dir() and not is_supported(path):
                reason = f"Hearth can't read {path.suffix or 'these'} files yet."
                result.problems.append((str(path), reason))
            else:
                usable.append(path)
        if not usable:
            return result  # no empty collection left behind
        cid = await self._db.call(store_docs.ensure_collection, result.collection)
        for path in usable:
            folder = path.is_dir()
            if not folder:
                await self._db.call(store_docs.include_path, cid, str(path))
            root_id = await self._db.call(store_docs.add_root, cid, str(path), folder)
            queued, dropped = await self._sync(DocRoot(root_id, cid, str(path), folder))
            result.roots += 1
            result.queued += queued
            result.dropped += dropped
        return result

    async def rescan(self) -> tuple[int, int]:
        """Walk every root again: new and changed files are queued, removed ones dropped with
        their chunks (not those of a folder that is missing as a whole: see `scan`). Returns
        (queued, dropped)."""
        queued = dropped = 0
        for root in await self._db.call(store_docs.roots):
            q, d = await self._sync(root)
            queued, dropped = queued + q, dropped + d
        return queued, dropped

    async def _sync(self, root: DocRoot) -> tuple[int, int]:
        found = await self._off_loop(scan, Path(root.path), root.is_folder)
        if found is None:
            return 0, 0
        return await self._db.call(store_docs.sync_root, root, found)

    # -- reading --------------------------------------------------------------------------------

    async def index(
        self,
        progress: Callable[[Progress], None] | None = None,
        cancel: Flag | None = None,
    ) -> IndexResult:
        """Read every queued file (interrupted ones first, from the page they reached). One run
        at a time; `cancel` (a threading.Event or asyncio.Event) is checked between pages and
        leaves the file to resume later."""
        async with self._lock:
            run = IndexRun(
                self._db, self._off_loop, self._chunks_written, progress or _ignore, cancel
            )
            return await run.run()

    def _chunks_written(self, ids: list[int]) -> None:
        if self.on_chunks_written is not None:
            self.on_chunks_written(ids)

    async def refresh(
        self,
        progress: Callable[[Progress], None] | None = None,
        cancel: Flag | None = None,
    ) -> IndexResult:
        """What the window runs when it opens: re-scan the added folders, then read what is
        new, changed or was interrupted by the last quit."""
        await self.rescan()
        return await self.index(progress=progress, cancel=cancel)

    # -- listing and removing -------------------------------------------------------------------

    async def list(self) -> list[CollectionListing]:
        cols = await self._db.call(store_docs.collections)
        roots = await self._db.call(store_docs.roots)
        out = []
        for c in cols:
            files = await self._db.call(store_docs.files, collection_id=c.id)
            out.append(CollectionListing(c, [r for r in roots if r.collection_id == c.id], files))
        return out

    async def remove(self, name_or_path: str) -> str:
        """Remove a collection by name (any case), else an added file or folder by path, else
        one file found under a folder (kept out of that folder's next scans, until added again
        by hand). Returns what was removed, in words."""
        for c in await self._db.call(store_docs.collections):
            if c.name.casefold() == " ".join(name_or_path.split()).casefold():
                await self._db.call(store_docs.delete_collection, c.id)
                return f"the collection “{c.name}”"
        path = str(Path(name_or_path).expanduser().absolute())
        roots = await self._db.call(store_docs.roots)
        for root in roots:
            if root.path == path:
                await self._db.call(store_docs.delete_root, root.id)
                if not root.is_folder:  # a file also under an added folder: kept out of it too
                    for folder in _folders_holding(roots, root.collection_id, path):
                        await self._db.call(store_docs.exclude_path, folder.id, path)
                        await self._db.call(store_docs.delete_path, folder.collection_id, path)
                return f"the {'folder' if root.is_folder else 'file'} {path}"
        for f in await self._db.call(store_docs.files):
            if f.path == path:
                await self._db.call(store_docs.exclude_file, f.id)
                return f"the file {path}"
        raise DocumentNotFound(f"There is no collection, folder or file called “{name_or_path}”.")

    async def set_enabled(self, name: str, enabled: bool) -> None:
        await self._db.call(
            store_docs.set_collection_enabled, await self._collection(name), enabled
        )

    async def rename(self, name: str, new_name: str) -> None:
        new_name = " ".join(new_name.split())
        if not new_name:
            raise HearthError("A collection needs a name.")
        await self._db.call(store_docs.rename_collection, await self._collection(name), new_name)

    async def _collection(self, name: str) -> int:
        ids = await self._db.call(store_docs.collection_ids, [name])
        if not ids:
            raise DocumentNotFound(f"There is no collection called “{name}”.")
        return ids[0]

    @property
    def embed_model(self) -> str | None:
        return self._settings.get(EMBED_MODEL_SETTING)

    def set_embed_model(self, name: str | None) -> None:
        self._settings.set(EMBED_MODEL_SETTING, name)


def _ignore(_progress: Progress) -> None:
    pass


def _folders_holding(roots: list[DocRoot], collection_id: int, path: str) -> list[DocRoot]:
    return [
        r
        for r in roots
        if r.is_folder and r.collection_id == collection_id and Path(path).is_relative_to(r.path)
    ]
