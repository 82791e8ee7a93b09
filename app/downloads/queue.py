"""The download queue: one download at a time, pause/resume/cancel, retries, progress, restarts.

Jobs are kept in DATA/downloads.json (written atomically at every change of state), so a job
that was queued or running when the app closed, crashed or lost power resumes on the next start
from its `.part` file. Pause and cancel cancel the job's task; the part file stays intact (only
cancel deletes it, and only a checksum failure deletes it on its own).

A dropped connection, a 5xx or a 429 is retried with exponential backoff and jitter
(http_retry.backoff_delay, honouring Retry-After); the count of failures starts again whenever
an attempt brought new bytes, so a long download over a flaky line keeps going. A full disk or
offline mode pauses the job with a plain message: the user fixes that, then presses Resume.
A failed job stays failed, across restarts too, until the user presses Retry.

Listeners get a `DownloadProgress` on every change of state and at most every
`progress_interval` seconds while bytes arrive; they run on the event loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.core.download_errors import (
    DiskFull,
    DownloadError,
    DownloadFailed,
    RangeNotSatisfiable,
    SplitModelUnsupported,
)
from app.core.errors import HearthError
from app.core.provider_errors import OfflineModeBlocked
from app.downloads.downloader import (
    DOWNLOAD_TIMEOUT,
    PartFile,
    Target,
    fetch,
    finish,
    is_disk_full,
    part_path,
)
from app.downloads.hub import HubClient
from app.downloads.hub_names import check_file_path, check_repo_id, split_part
from app.downloads.jobs import (
    SETTLED,
    DownloadProgress,
    Job,
    JobState,
    job_id_for,
    load_jobs,
    now_iso,
    write_jobs,
)
from app.providers.http_retry import RetryPolicy, backoff_delay

log = logging.getLogger(__name__)

DOWNLOAD_RETRY = RetryPolicy(max_attempts=6, base_delay=1.0, max_delay=30.0, max_retry_after=300)
DISK_RESERVE = 64 * 1024 * 1024  # never fill the disk to the last byte: the OS needs room too


class DownloadQueue:
    def __init__(
        self,
        *,
        models_dir: Path,
        state_path: Path,
        hub_factory: Callable[[], HubClient] = HubClient,
        install: Callable[[Path], Awaitable[str | None]] | None = None,
        validate: Callable[[Path], None] | None = None,
        retry_policy: RetryPolicy = DOWNLOAD_RETRY,
        max_parallel: int = 1,
        progress_interval: float = 0.2,
    ) -> None:
        self.models_dir = models_dir
        self.state_path = state_path
        self._hub_factory = hub_factory
        self._install = install
        self._validate = validate
        self.retry_policy = retry_policy
        self.max_parallel = max_parallel
        self.progress_interval = progress_interval
        self._jobs: dict[str, Job] = self._load()
        self._forgotten: set[str] = set()
        self._order: list[str] = []
        self._listeners: list[Callable[[DownloadProgress], None]] = []
        self._waiters: dict[str, list[asyncio.Future]] = {}
        self._last_emit: dict[str, float] = {}
        self._closing = False

    # -- the public side --------------------------------------------------------------------------

    def dest_for(self, repo: str, file: str) -> Path:
        """DATA/models/<owner>/<repo>/<file name>: two repos' same-named files never collide."""
        owner, name = check_repo_id(repo).split("/")
        return self.models_dir / owner / name / check_file_path(file).rsplit("/", 1)[-1]

    def add(
        self,
        *,
        repo: str,
        file: str,
        revision: str = "main",
        sha256: str | None = None,
        size: int | None = None,
    ) -> str:
        """Queue a download (or wake the existing one for the same file); returns its id."""
        if split_part(file):
            raise SplitModelUnsupported()
        dest = self.dest_for(repo, file)
        job_id = job_id_for(repo, file)
        job = self._jobs.get(job_id)
        if job is not None and job.task is not None and not job.task.done():
            return job_id
        if job is None or (job.state in ("done", "cancelled") and not Path(job.dest).exists()):
            job = Job(job_id, repo, file, revision or "main", str(dest), added=now_iso())
            self._jobs[job_id] = job
            self._forgotten.discard(job_id)
        job.sha256 = sha256 or job.sha256
        job.size = size or job.size
        if job.state != "done":
            job.user_paused = False
            self._schedule(job)
        self._save()
        return job_id

    def pause(self, job_id: str) -> None:
        job = self._job(job_id)
        job.user_paused = True
        if job.task is not None and not job.task.done():
            job.stop = "pause"
            job.task.cancel()
        elif job.state == "queued":
            self._set(job, "paused", "Paused.")

    def resume(self, job_id: str) -> None:
        job = self._job(job_id)
        if job.task is not None and not job.task.done():
            return
        if job.state in ("paused", "failed", "queued"):
            job.user_paused = False
            self._schedule(job)

    async def cancel(self, job_id: str) -> None:
        """Stop and delete what was downloaded; the job is forgotten."""
        job = self._job(job_id)
        if job.task is not None and not job.task.done():
            job.stop = "cancel"
            job.task.cancel()
            await asyncio.wait([job.task])
        with contextlib.suppress(FileNotFoundError):
            part_path(Path(job.dest)).unlink()
        self._set(job, "cancelled", "Cancelled; the partial download was deleted.")
        self.forget(job_id)

    def forget(self, job_id: str) -> None:
        """Drop a finished, failed or cancelled job from the list."""
        job = self._jobs.get(job_id)
        if job is not None and job.task is not None and not job.task.done():
            return
        self._jobs.pop(job_id, None)
        self._forgotten.add(job_id)
        self._save()

    def snapshot(self) -> list[DownloadProgress]:
        return [self._progress(job) for job in self._jobs.values()]

    def progress(self, job_id: str) -> DownloadProgress:
        return self._progress(self._job(job_id))

    def subscribe(self, listener: Callable[[DownloadProgress], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def wait(self, job_id: str) -> DownloadProgress:
        """The job's progress once it is done, failed, cancelled or paused."""
        job = self._job(job_id)
        if job.state in SETTLED and (job.task is None or job.task.done()):
            return self._progress(job)
        future = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(job_id, []).append(future)
        return await future

    def resume_unfinished(self) -> list[str]:
        """At start-up: continue what was queued or running when Hearth closed.

        A failed download waits for Retry: started again at every launch, one that cannot
        succeed (no network, a mirror that is gone) would fail anew each time, unasked."""
        ids = []
        for job in self._jobs.values():
            wanted = job.state in ("queued", "downloading", "verifying")
            wanted |= job.state == "paused" and not job.user_paused
            if wanted:
                self._schedule(job)
                ids.append(job.id)
        return ids

    async def close(self) -> None:
        """Stop running downloads without changing their state: they resume on the next start."""
        self._closing = True
        tasks = []
        for job in self._jobs.values():
            if job.task is not None and not job.task.done():
                job.stop = job.stop or "shutdown"  # a pause asked for just before still counts
                job.task.cancel()
                tasks.append(job.task)
        if tasks:
            await asyncio.wait(tasks)
        self._save()

    # -- scheduling -------------------------------------------------------------------------------

    def _job(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise DownloadFailed("That download is not in the list any more.") from None

    def _schedule(self, job: Job) -> None:
        self._set(job, "queued", "Waiting for other downloads to finish…")
        if job.id not in self._order:
            self._order.append(job.id)
        self._pump()

    def _pump(self) -> None:
        if self._closing:
            return
        # A job pumps as it ends (its task is not done yet): it must not count as running, or
        # the download queued behind it would wait for ever.
        ending = asyncio.current_task()
        running = sum(
            1
            for j in self._jobs.values()
            if j.task is not None and not j.task.done() and j.task is not ending
        )
        while running < self.max_parallel and self._order:
            job = self._jobs.get(self._order.pop(0))
            if job is None or job.state != "queued":
                continue
            job.stop = None
            job.task = asyncio.get_running_loop().create_task(self._run(job))
            running += 1

    # -- one job ----------------------------------------------------------------------------------

    async def _run(self, job: Job) -> None:
        part: PartFile | None = None
        self._set(job, "downloading", "Starting…")
        try:
            hub = self._hub_factory()
            target = await self._prepare(job, hub)
            dest = Path(job.dest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                await self._installed(job, dest, "Already downloaded.")
                return
            part = await PartFile.open(part_path(dest))
            job.done_bytes = part.offset
            self._check_space(job, dest, have=part.offset)
            await self._download(job, hub, target, part)
            self._set(job, "verifying", "Checking the downloaded file…")
            path = await finish(part, target, validate=self._validate)
            part = None
            await self._installed(job, path, "Installed.")
        except asyncio.CancelledError:
            if part is not None:
                job.done_bytes = part.offset  # the last block in flight has landed by now
            self._stopped(job)
            raise
        except (DiskFull, OfflineModeBlocked) as err:
            self._set(job, "paused", err.plain(), error=err)
        except HearthError as err:
            job.retryable = bool(getattr(err, "retryable", False))
            self._set(job, "failed", err.plain(), error=err)
        except OSError as err:
            if is_disk_full(err):
                full = DiskFull()
                self._set(job, "paused", full.plain(), error=full)
            else:
                log.exception("Writing %s failed", job.dest)
                failed = DownloadFailed(
                    f"Hearth could not write the model file ({err.strerror or err}).",
                    action="Check that the data folder is writable and the disk is healthy.",
                )
                self._set(job, "failed", failed.plain(), error=failed)
        except Exception:  # a bug must not take the window down: it goes to the log
            log.exception("Download of %s/%s failed", job.repo, job.file)
            failed = DownloadFailed("The download stopped because of an internal error.")
            self._set(job, "failed", failed.plain(), error=failed)
        finally:
            if part is not None:
                part.close()
                job.done_bytes = part.offset
            self._save()
            self._pump()

    async def _prepare(self, job: Job, hub: HubClient) -> Target:
        """The sha256, size and commit to download; asked of the Hub when not known yet."""
        if not (job.sha256 and job.size):
            info = await hub.describe_file(
                job.repo, job.file, revision=job.revision, sha256=job.sha256, size=job.size
            )
            job.revision, job.sha256, job.size = info.revision, info.sha256, info.size
            self._save()
        return Target(job.repo, job.file, job.revision, Path(job.dest), job.size, job.sha256)

    def _check_space(self, job: Job, dest: Path, *, have: int) -> None:
        if not job.size:
            return
        free = shutil.disk_usage(dest.parent).free
        needed = max(0, job.size - have)
        if needed + DISK_RESERVE > free:
            raise DiskFull(needed=needed, free=free)

    async def _download(self, job: Job, hub: HubClient, target: Target, part: PartFile) -> None:
        policy, failures = self.retry_policy, 0
        job.meter.reset()
        self._set(job, "downloading", "Downloading…")
        while True:
            before = part.offset
            try:
                async with hub.client(DOWNLOAD_TIMEOUT) as client:
                    await fetch(hub, client, target, part, lambda n: self._on_bytes(job, n))
                return
            except DownloadError as err:
                if not err.retryable:
                    raise
                failures = 1 if part.offset > before else failures + 1
                if failures >= policy.max_attempts:
                    raise
                delay = self._retry_delay(err, failures)
                log.info("Download of %s: %s (%s); retry in %.1fs", job.file, err.message,
                         err.detail, delay)  # fmt: skip
                self._set(job, "downloading", f"{err.message} Trying again in {delay:.0f} s…")
                await asyncio.sleep(delay)
                job.meter.reset()

    def _retry_delay(self, err: DownloadError, failures: int) -> float:
        if isinstance(err, RangeNotSatisfiable):
            return 0.0  # starting over needs no wait
        if err.retry_after is not None:
            return min(err.retry_after, self.retry_policy.max_retry_after)
        return backoff_delay(failures, self.retry_policy)

    async def _installed(self, job: Job, path: Path, message: str) -> None:
        job.done_bytes = path.stat().st_size
        if self._install is not None:
            job.model_id = await self._install(path)
        name = f" as “{job.model_id}”" if job.model_id else ""
        self._set(job, "done", f"{message.rstrip('.')}{name}.")

    def _on_bytes(self, job: Job, done: int) -> None:
        job.done_bytes = done
        job.meter.add(done)
        now = time.monotonic()
        if now - self._last_emit.get(job.id, 0.0) >= self.progress_interval:
            self._emit(job)

    def _stopped(self, job: Job) -> None:
        if job.stop == "pause":
            self._set(job, "paused", "Paused. What arrived so far is kept.")
        elif job.stop == "shutdown":
            job.message = "Continues when Hearth starts again."
        # "cancel" is finished by cancel() once the task has ended.

    # -- state, events, persistence ----------------------------------------------------------------

    def _set(self, job: Job, state: JobState, message: str, *, error: HearthError | None = None):
        changed = job.state != state
        job.state, job.message, job.error = state, message, error
        if state != "failed":
            job.retryable = False
        if changed:
            self._save()
        self._emit(job)
        if state in SETTLED:
            for future in self._waiters.pop(job.id, []):
                if not future.done():
                    future.set_result(self._progress(job))

    def _progress(self, job: Job) -> DownloadProgress:
        moving = job.state == "downloading"
        return DownloadProgress(
            job_id=job.id,
            repo=job.repo,
            file=job.file,
            state=job.state,
            done_bytes=job.done_bytes,
            total_bytes=job.size,
            speed=job.meter.speed() if moving else None,
            eta=job.meter.eta(job.done_bytes, job.size) if moving else None,
            message=job.message,
            error=job.error,
            model_id=job.model_id,
        )

    def _emit(self, job: Job) -> None:
        self._last_emit[job.id] = time.monotonic()
        progress = self._progress(job)
        for listener in list(self._listeners):
            try:
                listener(progress)
            except Exception:
                log.exception("A download listener failed")

    def _load(self) -> dict[str, Job]:
        return load_jobs(self.state_path)

    def _save(self) -> None:
        """Write atomically, keeping jobs another Hearth process added meanwhile."""
        others = {k: v for k, v in self._load().items() if k not in self._jobs}
        jobs = [j.to_json() for k, j in others.items() if k not in self._forgotten]
        jobs += [j.to_json() for j in self._jobs.values()]
        write_jobs(self.state_path, jobs)
