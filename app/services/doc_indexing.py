"""One run of reading the queued documents, and the work it does on the reading thread.

The run awaits one section at a time from the reading thread (opening, hashing and chunking
happen there, never on the event loop), writes its chunks through the database worker in one
transaction that also advances the file's `next_page`, reports progress and checks `cancel`
before the next. A file that can't be read is failed with its plain reason; the rest carry on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.errors import HearthError
from app.services.worker import DbWorker
from app.store import documents as store_docs
from app.store.documents import DocFile

log = logging.getLogger(__name__)

_HASH_BLOCK = 1 << 18


class Flag(Protocol):
    """A threading.Event or an asyncio.Event: what `cancel` may be."""

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
class IndexResult:
    ready: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks: int = 0
    cancelled: bool = False


class IndexRun:
    """One indexing run over the queue: reads on `off_loop` (the service's reading thread),
    writes through the database worker, calls `on_chunks` with each page's new chunk ids."""

    def __init__(
        self,
        db: DbWorker,
        off_loop: Callable[..., Awaitable],
        on_chunks: Callable[[list[int]], None],
        progress: Callable[[Progress], None],
        cancel: Flag | None,
    ) -> None:
        self.db = db
        self.off_loop = off_loop
        self.on_chunks = on_chunks
        self.progress = progress
        self.cancel = cancel
        self.result = IndexResult()
        self.done = 0
        self.total = 0
        self.given_up: list[int] = []  # failed, or changed each time it was read this run
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
            signature = await self.off_loop(_signature, f.path)
        except OSError as exc:
            return await self.unreadable(f, exc)
        if f.state == "reading" and (f.size, f.mtime) == signature and f.sha256:
            start = f.next_page  # interrupted: resume where it stopped
        else:
            digest = await self.off_loop(_sha256, f.path)
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
            reading = await self.off_loop(_open, f.path, start)
            index, pages = start, reading.pages
            while not self.cancelled():
                page = await self.off_loop(_next, reading)
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
                if ids:
                    self.on_chunks(ids)
                self.report(f, "reading", page=index, pages=pages)
            if self.cancelled():
                return
            if await self.off_loop(_signature_or_none, f.path) != signature:
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
                await self.off_loop(reading.close)

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


def scan(path: Path, is_folder: bool) -> list[tuple[str, int, float]] | None:
    """The readable files under a root (path, size, mtime): hidden files and folders, Office's
    lock files (~$name.docx) and links to folders are skipped. A missing file finds nothing (it
    was deleted); a missing folder finds None: it may be on a drive that is not plugged in now,
    so its files are kept until it is back (or removed from the collection)."""
    from app.documents.readers import is_supported

    if is_folder and not path.is_dir():
        return None
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
    try:
        attributes = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return True  # gone already
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
