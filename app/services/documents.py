"""Collections of the user's documents: adding files and folders, reading them into chunks, keeping
them in step with the disk.

Reading runs on a thread of its own (never the database worker, which only writes, and never the
event loop): the loop awaits one section at a time, writes its chunks in one transaction that
also advances the file's `next_page`, reports progress and checks `cancel` before the next. So
the window stays responsive, a chunk is searchable the moment its page is written, memory stays
flat however large the file, and a restart resumes at the page reached. A file that cannot be
read is failed with a plain reason and the rest carry on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.errors import HearthError
from app.services.worker import DbWorker
from app.store import documents as store_docs
from app.store.documents import DocCollection, DocFile, DocRoot
from app.store.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_COLLECTION = "My documents"
EMBED_MODEL_SETTING = "docs_embed_model"
_HASH_BLOCK = 1 << 18


class DocumentNotFound(HearthError):
    action = "Run `hearth docs list` to see the collections and files."


class _Flag(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Progress:
    """Where reading is: `state` is "reading" after each section, then "ready", "failed",
    "unchanged" (its content hash had not changed), "requeued" (it changed while being read) or
    "removed" (it is gone from the disk) for the file as a whole."""

    file: str
    state: str
    page: int = 0  # sections read so far (pages for a PDF)
    pages: int | None = None  # the file's page count, where known
    files_done: int = 0
    files_total: int = 0
    chunks: int = 0  # chunks written during this run
    reason: str | None = None


@dataclass
class AddResult:
    collection: str
    roots: int = 0  # files and folders added (or found already added)
    queued: int = 0
    dropped: int = 0  # files gone from an added folder since it was last scanned
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, plain reason)


@dataclass
class IndexResult:
    ready: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks: int = 0
    cancelled: bool = False


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
            root_id = await self._db.call(store_docs.add_root, cid, str(path), folder)
            queued, dropped = await self._sync(DocRoot(root_id, cid, str(path), folder))
            result.roots += 1
            result.queued += queued
            result.dropped += dropped
        return result

    async def rescan(self) -> tuple[int, int]:
        """Walk every root again: new and changed files are queued, removed ones dropped with
        their chunks. Returns (queued, dropped)."""
        queued = dropped = 0
        for root in await self._db.call(store_docs.roots):
            q, d = await self._sync(root)
            queued, dropped = queued + q, dropped + d
        return queued, dropped

    async def _sync(self, root: DocRoot) -> tuple[int, int]:
        found = await self._off_loop(_scan, Path(root.path), root.is_folder)
        return await self._db.call(store_docs.sync_root, root, found)

    # -- reading --------------------------------------------------------------------------------

    async def index(
        self,
        progress: Callable[[Progress], None] | None = None,
        cancel: _Flag | None = None,
    ) -> IndexResult:
        """Read every queued file (interrupted ones first, from the page they reached). One run
        at a time; `cancel` (a threading.Event or asyncio.Event) is checked between pages and
        leaves the file to resume later."""
        async with self._lock:
            return await _Run(self, progress or (lambda _p: None), cancel).run()

    async def refresh(
        self,
        progress: Callable[[Progress], None] | None = None,
        cancel: _Flag | None = None,
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
        one file found under a folder (it comes back on the next scan if still there). Returns
        what was removed, in words."""
        for c in await self._db.call(store_docs.collections):
            if c.name.casefold() == " ".join(name_or_path.split()).casefold():
                await self._db.call(store_docs.delete_collection, c.id)
                return f"the collection “{c.name}”"
        path = str(Path(name_or_path).expanduser().absolute())
        for root in await self._db.call(store_docs.roots):
            if root.path == path:
                await self._db.call(store_docs.delete_root, root.id)
                return f"the {'folder' if root.is_folder else 'file'} {path}"
        for f in await self._db.call(store_docs.files):
            if f.path == path:
                await self._db.call(store_docs.delete_file, f.id)
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


class _Run:
    """One indexing run over the queue."""

    def __init__(self, service: DocumentService, progress, cancel: _Flag | None) -> None:
        self.s = service
        self.db = service._db
        self.progress = progress
        self.cancel = cancel
        self.result = IndexResult()
        self.done = 0
        self.total = 0
        self.given_up: list[int] = []  # read twice this run and changed both times, or failed
        self.requeued: set[int] = set()

    def cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def report(self, f: DocFile | str, state: str, **kw) -> None:
        path = f if isinstance(f, str) else f.path
        self.progress(
            Progress(
                path,
                state,
                files_done=self.done,
                files_total=self.total,
                chunks=self.result.chunks,
                **kw,
            )
        )

    async def run(self) -> IndexResult:
        self.total = await self.db.call(store_docs.count_to_read)
        while not self.cancelled():
            f = await self.db.call(store_docs.next_to_read, self.given_up)
            if f is None:
                break
            await self.one(f)
        self.result.cancelled = self.cancelled()
        return self.result

    async def one(self, f: DocFile) -> None:
        try:
            signature = await self.s._off_loop(_signature, f.path)
        except OSError as exc:
            return await self.unreadable(f, exc)
        if f.state == "reading" and (f.size, f.mtime) == signature and f.sha256:
            start = f.next_page  # interrupted: resume where it stopped
        else:
            digest = await self.s._off_loop(_sha256, f.path)
            if f.state == "waiting" and f.indexed and f.sha256 == digest:
                await self.db.call(store_docs.keep_unchanged, f.id, *signature)
                self.done += 1
                self.result.unchanged.append(f.path)
                return self.report(f, "unchanged")
            await self.db.call(store_docs.begin_reading, f.id, *signature, digest)
            start = 0
        await self.read(f, start, signature)

    async def read(self, f: DocFile, start: int, signature: tuple[int, float]) -> None:
        from app.documents.errors import DocumentError, ScannedDocument, scanned_pages_note
        from app.documents.errors import EmptyDocument as Empty

        scanned = _scanned_pages(f.reason) if start else []
        reading = None
        try:
            reading = await self.s._off_loop(_open, f.path, start)
            index, pages = start, reading.pages
            while not self.cancelled():
                page = await self.s._off_loop(_next, reading)
                if page is None:
                    break
                section, chunks = page
                note = None
                if section.problem == "scanned":
                    scanned.append(section.page)
                    note = scanned_pages_note(scanned)
                ids = await self.db.call(store_docs.write_page, f.id, index, chunks, reason=note)
                index += 1
                self.result.chunks += len(ids)
                if ids and self.s.on_chunks_written is not None:
                    self.s.on_chunks_written(ids)
                self.report(f, "reading", page=index, pages=pages)
            if self.cancelled():
                return
            if await self.s._off_loop(_signature_or_none, f.path) != signature:
                return await self.changed_while_reading(f)
            done = await self.db.call(store_docs.get_file, f.id)
            if done.chunks:
                await self.db.call(
                    store_docs.finish_file, f.id, state="ready", reason=done.reason, pages=pages
                )
                self.result.ready.append(f.path)
                self.done += 1
                return self.report(f, "ready", page=index, pages=pages, reason=done.reason)
            if scanned:
                raise ScannedDocument(
                    "Every page is a scanned image with no text; Hearth can't read it yet."
                    if len(scanned) == index
                    else scanned_pages_note(scanned) + " The other pages have no text."
                )
            raise Empty("This file has no text to read.")
        except DocumentError as err:
            await self.fail(f, err.plain(), pages=reading.pages if reading else None)
        except OSError as exc:
            await self.unreadable(f, exc)
        except HearthError:
            raise  # the database: the whole run stops, said plainly by the caller
        except Exception as exc:  # noqa: BLE001 - a library's bug on one file: the rest carry on
            log.exception("Reading %s failed", f.path)
            await self.fail(f, f"This file could not be read ({type(exc).__name__}).")
        finally:
            if reading is not None:
                await self.s._off_loop(reading.close)

    async def changed_while_reading(self, f: DocFile) -> None:
        await self.db.call(store_docs.requeue, f.id)
        if f.id in self.requeued:
            self.given_up.append(f.id)  # changing all the time: the next run reads it again
        self.requeued.add(f.id)
        self.report(f, "requeued")

    async def unreadable(self, f: DocFile, exc: OSError) -> None:
        if isinstance(exc, FileNotFoundError):
            await self.db.call(store_docs.delete_file, f.id)
            self.done += 1
            self.result.removed.append(f.path)
            return self.report(f, "removed")
        from app.documents.errors import unavailable

        await self.fail(f, unavailable(exc).plain())

    async def fail(self, f: DocFile, reason: str, pages: int | None = None) -> None:
        await self.db.call(store_docs.finish_file, f.id, state="failed", reason=reason, pages=pages)
        self.given_up.append(f.id)
        self.done += 1
        self.result.failed.append((f.path, reason))
        self.report(f, "failed", reason=reason)


# -- on the reading thread ----------------------------------------------------------------------


def _scan(path: Path, is_folder: bool) -> list[tuple[str, int, float]]:
    """The readable files under a root (path, size, mtime): hidden files and folders, Office's
    lock files (~$name.docx) and links to folders are skipped. A missing root finds nothing."""
    from app.documents.readers import is_supported

    if not is_folder:
        try:
            st = os.stat(path)
        except OSError:
            return []
        return [(str(path), st.st_size, st.st_mtime)]
    found = []
    for folder, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not _hidden(Path(folder, d)))
        for name in sorted(names):
            p = Path(folder, name)
            if name.startswith("~$") or _hidden(p) or not is_supported(p):
                continue
            try:
                st = os.stat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((str(p), st.st_size, st.st_mtime))
    return found


def _hidden(path: Path) -> bool:
    if path.name.startswith("."):
        return True
    attributes = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _signature(path: str) -> tuple[int, float]:
    st = os.stat(path)
    return st.st_size, st.st_mtime


def _signature_or_none(path: str) -> tuple[int, float] | None:
    try:
        return _signature(path)
    except OSError:
        return None


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


class _Reading:
    def __init__(self, document, start: int) -> None:
        self.document = document
        self.pages = document.pages
        self.sections = document.sections(start)

    def close(self) -> None:
        self.sections.close()
        self.document.close()


def _open(path: str, start: int) -> _Reading:
    from app.documents.readers import open_document

    return _Reading(open_document(Path(path)), start)


def _next(reading: _Reading) -> tuple | None:
    """The next section and its chunks as rows for the store, or None at the end."""
    from app.documents.chunking import chunk_section

    section = next(reading.sections, None)
    if section is None:
        return None
    base = section.offset
    rows = [
        {
            "page": c.page,
            "heading": c.heading,
            "start": base + c.start,
            "end": base + c.end,
            "text": c.text,
        }
        for c in chunk_section(section)
    ]
    return section, rows


def _scanned_pages(reason: str | None) -> list[int]:
    """The scanned pages named in a file's note, so a resumed read keeps counting them."""
    import re

    if not reason or "scanned" not in reason:
        return []
    inside = re.search(r"\(([\d, …]+)\)|^Page (\d+)", reason)
    if not inside:
        return []
    return [int(n) for n in re.findall(r"\d+", inside.group(0))]
