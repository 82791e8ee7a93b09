"""One file's resumable, verified download: `<name>.part`, Range, sha256 while writing, rename.

- The bytes go to `<dest>.part` beside the destination (same folder, so the final rename is
  atomic). The sha256 is computed as the bytes are written; a part file left by an earlier run is
  hashed once when it is reopened, on a worker thread, never on the event loop.
- Resuming sends `Range: bytes=N-` and accepts only `206` with a `Content-Range` starting at N
  (and the expected total). A `200` means the server ignored the Range: the part is emptied and the
  answer is used from its first byte. `416` means the part already holds the whole file (verify
  it) or is longer than the file (start over).
- Writing and hashing happen on one worker thread per part, one block behind the network, so a
  fast connection keeps both the socket and the hash busy (hashlib and file writes release the
  GIL). All file operations run on that one thread, in order, so a pause or cancel between them
  never leaves the file and the running hash disagreeing: a failed write is cut back to the last
  good offset.
- Finishing checks the size and sha256 (a mismatch deletes the part and says so), fsyncs, renames
  atomically into place and fsyncs the folder.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.core.download_errors import (
    ChecksumMismatch,
    DiskFull,
    DownloadBusy,
    DownloadError,
    DownloadInterrupted,
    RangeNotSatisfiable,
    UnexpectedFile,
)
from app.downloads.hub import HubClient
from app.downloads.hub_errors import connect_failure, hub_error, read_capped, same_origin

log = logging.getLogger(__name__)

BLOCK_SIZE = 2 * 1024 * 1024  # bytes handed to the writer thread at a time
FLUSH_INTERVAL = 0.25  # ...or after this many seconds, so a slow line still shows progress
HASH_READ_SIZE = 4 * 1024 * 1024
DOWNLOAD_TIMEOUT = httpx.Timeout(connect=15.0, read=60.0, write=30.0, pool=15.0)
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)

try:  # POSIX: one process at a time may write a part file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


class PartFile:
    """The `.part` file and the sha256 of its bytes so far. Every operation runs on one thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self._hash = hashlib.sha256()
        self._fd: int | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="hearth-part")

    @classmethod
    async def open(cls, path: Path) -> PartFile:
        """Open (or create) the part file and hash what it already holds, off the event loop."""
        part = cls(path)
        try:
            await part._run(part._open_and_rehash)
        except BaseException:
            part.close()
            raise
        return part

    async def _run(self, fn: Callable[..., object], *args: object) -> object:
        return await asyncio.wrap_future(self._pool.submit(fn, *args))

    def _open_and_rehash(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            _lock(fd)
            hasher, size = hashlib.sha256(), 0
            view = bytearray(HASH_READ_SIZE)
            with open(fd, "rb", buffering=0, closefd=False) as f:
                while n := f.readinto(view):
                    hasher.update(memoryview(view)[:n])
                    size += n
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._hash, self.offset = fd, hasher, size
        os.lseek(fd, size, os.SEEK_SET)

    def submit(self, data: bytes) -> concurrent.futures.Future:
        """Queue a block: written, then hashed, on the part's thread."""
        return self._pool.submit(self._write, data)

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        good = self.offset
        view = memoryview(data)
        try:
            while view:
                view = view[_write_fd(self._fd, view) :]
        except OSError as err:
            # Cut back to the last good byte so the file matches the hash of what it holds.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, good)
                os.lseek(self._fd, good, os.SEEK_SET)
            if err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
                raise DiskFull() from err
            raise
        self._hash.update(data)
        self.offset = good + len(data)

    async def truncate(self) -> None:
        """Start over from an empty part (the server ignored Range, or the part is wrong)."""

        def empty() -> None:
            assert self._fd is not None
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            self._hash, self.offset = hashlib.sha256(), 0

        await self._run(empty)

    async def sync(self) -> str:
        """fsync the bytes so far; returns their sha256."""

        def sync() -> str:
            assert self._fd is not None
            os.fsync(self._fd)
            return self._hash.hexdigest()

        return str(await self._run(sync))

    def close(self) -> None:
        """Close after any queued write finished (same thread); safe to call more than once."""

        def close() -> None:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

        with contextlib.suppress(RuntimeError):  # already shut down
            self._pool.submit(close)
        self._pool.shutdown(wait=True)


def _write_fd(fd: int, data: memoryview) -> int:
    """os.write, as one seam: the disk-full tests put a failing write here."""
    return os.write(fd, data)


def _lock(fd: int) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise DownloadBusy() from None


@dataclass(frozen=True, slots=True)
class Target:
    """What to fetch and what it must turn out to be."""

    repo: str
    file: str
    revision: str
    dest: Path
    size: int | None
    sha256: str | None


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """(first, last, total or None) from `bytes 100-999/1000`."""
    m = _CONTENT_RANGE.match(value or "")
    if not m:
        return None
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), int(m.group(2)), total


def _unsatisfied_total(value: str | None) -> int | None:
    m = re.match(r"^\s*bytes\s+\*/(\d+)\s*$", value or "", re.IGNORECASE)
    return int(m.group(1)) if m else None


async def fetch(
    hub: HubClient,
    client: httpx.AsyncClient,
    target: Target,
    part: PartFile,
    on_progress: Callable[[int], None],
) -> None:
    """One attempt: continue the part from its offset until the file is complete.

    Raises DownloadInterrupted (or another retryable error) when the connection ends early;
    the part keeps every byte written so far, and the next attempt continues from there.
    """
    url = hub.resolve_url(target.repo, target.file, target.revision)
    if target.size is not None and part.offset == target.size:
        return
    headers = {"accept-encoding": "identity"}
    if part.offset:
        headers["range"] = f"bytes={part.offset}-"
    try:
        response = await hub.send(client, "GET", url, headers=headers)
    except httpx.TransportError as exc:
        # Nothing ever arrived: that is "couldn't reach", not a lost connection with 0 bytes.
        never_connected = connect_failure(exc, hub.endpoint) if not part.offset else None
        if never_connected is not None:
            raise never_connected from None
        raise DownloadInterrupted(detail=f"{type(exc).__name__}: {exc}") from None
    try:
        if response.status_code == 416:
            await _range_unsatisfied(response, target, part)
            return
        if response.status_code >= 300:
            body = await read_capped(response)
            raise hub_error(
                response.status_code,
                response.headers,
                body,
                repo=target.repo,
                file=target.file,
                revision=target.revision,
                has_token=hub.has_token,
                from_hub=same_origin(str(response.url), hub.endpoint),
            )
        await _check_start(response, target, part)
        await _stream(response, target, part, on_progress)
    finally:
        await response.aclose()


async def _range_unsatisfied(response: httpx.Response, target: Target, part: PartFile) -> None:
    total = _unsatisfied_total(response.headers.get("content-range"))
    expected = target.size if target.size is not None else total
    if expected is not None and part.offset == expected:
        return  # the part already holds the whole file: only verification is left
    await part.truncate()
    raise RangeNotSatisfiable(detail=f"416 at offset with total {total}")


async def _check_start(response: httpx.Response, target: Target, part: PartFile) -> None:
    """Accept a 206 only when it continues exactly where the part ends."""
    if response.status_code == 206:
        parsed = parse_content_range(response.headers.get("content-range"))
        ok = parsed is not None and parsed[0] == part.offset
        if ok and parsed and target.size is not None and parsed[2] not in (None, target.size):
            raise UnexpectedFile(detail=f"Content-Range total {parsed[2]} != {target.size}")
        if not ok:
            log.warning("Content-Range %r does not continue at %d; starting over",
                        response.headers.get("content-range"), part.offset)  # fmt: skip
            await part.truncate()
            raise RangeNotSatisfiable(detail="Content-Range did not match the part file")
        return
    if part.offset:
        log.info("Server ignored Range for %s; starting over", target.file)
        await part.truncate()
    length = response.headers.get("content-length")
    if target.size is not None and length and length.isdigit() and int(length) != target.size:
        raise UnexpectedFile(detail=f"Content-Length {length} != {target.size}")


async def _stream(
    response: httpx.Response, target: Target, part: PartFile, on_progress: Callable[[int], None]
) -> None:
    """Body → blocks → the part's writer thread, one block in flight while the next arrives."""
    pending: asyncio.Future | None = None
    buffer: list[bytes] = []
    buffered, handed = 0, time.monotonic()
    try:
        try:
            async for chunk in response.aiter_raw():
                buffer.append(chunk)
                buffered += len(chunk)
                if buffered >= BLOCK_SIZE or time.monotonic() - handed >= FLUSH_INTERVAL:
                    pending = await _hand_over(pending, part, buffer, on_progress)
                    buffer, buffered, handed = [], 0, time.monotonic()
        except httpx.TransportError as exc:
            if buffer:
                pending = await _hand_over(pending, part, buffer, on_progress)
            raise DownloadInterrupted(detail=f"{type(exc).__name__}: {exc}") from None
        if buffer:
            pending = await _hand_over(pending, part, buffer, on_progress)
        if pending is not None:
            await pending
            pending = None
        on_progress(part.offset)
    finally:
        if pending is not None:
            # Cancelled mid-write: let the block land (it is short) so offset and hash agree.
            await asyncio.wait([pending])
            with contextlib.suppress(BaseException):
                pending.result()
    _check_length(target, part)


async def _hand_over(
    pending: asyncio.Future | None,
    part: PartFile,
    buffer: list[bytes],
    on_progress: Callable[[int], None],
) -> asyncio.Future:
    if pending is not None:
        await pending
        on_progress(part.offset)
    return asyncio.wrap_future(part.submit(b"".join(buffer)))


def _check_length(target: Target, part: PartFile) -> None:
    if target.size is None:
        return
    if part.offset < target.size:
        raise DownloadInterrupted(detail=f"body ended at {part.offset} of {target.size}")
    if part.offset > target.size:
        raise UnexpectedFile(detail=f"received {part.offset} bytes, expected {target.size}")


async def finish(
    part: PartFile, target: Target, *, validate: Callable[[Path], None] | None = None
) -> Path:
    """Verify, fsync and atomically rename the part into place. A bad file is deleted."""
    digest = await part.sync()
    part.close()
    size = part.offset
    if target.size is not None and size != target.size:
        _discard(part.path)
        raise ChecksumMismatch(detail=f"size {size} != {target.size}")
    if target.sha256 and digest != target.sha256.lower():
        _discard(part.path)
        raise ChecksumMismatch(detail=f"sha256 {digest} != {target.sha256}")
    if not target.sha256:
        log.warning("No sha256 known for %s/%s: installed after size check only",
                    target.repo, target.file)  # fmt: skip
    loop = asyncio.get_running_loop()
    if validate is not None:
        try:
            await loop.run_in_executor(None, validate, part.path)
        except Exception:
            _discard(part.path)
            raise
    await loop.run_in_executor(None, _rename_durably, part.path, target.dest)
    return target.dest


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _rename_durably(source: Path, dest: Path) -> None:
    os.replace(source, dest)
    if os.name == "posix":  # the rename itself survives a power cut only once the folder is synced
        fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, DiskFull) or (
        isinstance(error, OSError) and error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", 0))
    )


__all__ = [
    "BLOCK_SIZE",
    "DOWNLOAD_TIMEOUT",
    "DownloadError",
    "PartFile",
    "Target",
    "fetch",
    "finish",
    "parse_content_range",
    "part_path",
]
