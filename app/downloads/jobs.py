"""Download jobs as records: what the window shows (DownloadProgress), what is kept between runs
(Job, in DATA/downloads.json, written atomically), and the speed meter behind speed and ETA."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from app.core.errors import HearthError

log = logging.getLogger(__name__)

JobState = Literal["queued", "downloading", "paused", "verifying", "done", "failed", "cancelled"]
SETTLED = ("done", "failed", "cancelled", "paused")  # wait() returns at these


@dataclass(frozen=True, slots=True)
class DownloadProgress:
    """One download as the window shows it. speed is bytes/second; eta is seconds left."""

    job_id: str
    repo: str
    file: str
    state: JobState
    done_bytes: int
    total_bytes: int | None
    speed: float | None = None
    eta: float | None = None
    message: str = ""
    error: HearthError | None = None
    model_id: str | None = None

    @property
    def name(self) -> str:
        """The short name the model gets once installed."""
        base = self.file.rsplit("/", 1)[-1]
        return base[:-5] if base.lower().endswith(".gguf") else base

    @property
    def fraction(self) -> float | None:
        return self.done_bytes / self.total_bytes if self.total_bytes else None


@dataclass
class Job:
    """A download, persisted between runs (the fields before `error`)."""

    id: str
    repo: str
    file: str
    revision: str
    dest: str
    sha256: str | None = None
    size: int | None = None
    state: JobState = "queued"
    message: str = ""
    retryable: bool = False
    user_paused: bool = False
    model_id: str | None = None
    done_bytes: int = 0
    added: str = ""
    error: HearthError | None = field(default=None, repr=False)
    task: asyncio.Task | None = field(default=None, repr=False)
    stop: str | None = field(default=None, repr=False)  # "pause" | "cancel" | "shutdown"
    meter: SpeedMeter = field(default_factory=lambda: SpeedMeter(), repr=False)

    _PERSISTED = ("id", "repo", "file", "revision", "dest", "sha256", "size", "state", "message",
                  "retryable", "user_paused", "model_id", "done_bytes", "added")  # fmt: skip

    def to_json(self) -> dict:
        data = {k: getattr(self, k) for k in self._PERSISTED}
        # A job that was running is simply queued again on the next start.
        if data["state"] in ("downloading", "verifying"):
            data["state"] = "queued"
        return data

    @classmethod
    def from_json(cls, data: dict) -> Job:
        names = {f.name for f in fields(cls)} & set(cls._PERSISTED)
        return cls(**{k: v for k, v in data.items() if k in names})


class SpeedMeter:
    """Bytes per second over the last few seconds, so a burst or a stall does not whipsaw."""

    WINDOW = 5.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def add(self, done: int) -> None:
        now = self._clock()
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= self.WINDOW:
            self._samples.popleft()

    def speed(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 - t0 >= 0.25 else None

    def eta(self, done: int, total: int | None) -> float | None:
        speed = self.speed()
        if not total or not speed or speed <= 0:
            return None
        return max(0.0, (total - done) / speed)


def job_id_for(repo: str, file: str) -> str:
    return hashlib.sha1(f"{repo}/{file}".encode()).hexdigest()[:16]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_jobs(state_path: Path) -> dict[str, Job]:
    """The unfinished jobs kept in state_path (none when it is missing or unreadable)."""
    try:
        data = json.loads(state_path.read_text(encoding="utf-8"))
        jobs = [Job.from_json(j) for j in data.get("jobs", [])]
        # Finished jobs of earlier runs are history, not work: only unfinished ones come back.
        return {j.id: j for j in jobs if j.state not in ("done", "cancelled")}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError):
        log.exception("Download list unreadable; starting with an empty one")
        return {}


def write_jobs(state_path: Path, jobs: list[dict]) -> None:
    """Replace state_path atomically; a failure is only logged (it is rewritten at every change)."""
    tmp = state_path.with_name(state_path.name + ".tmp")
    try:
        tmp.write_text(json.dumps({"version": 1, "jobs": jobs}, indent=1), encoding="utf-8")
        os.replace(tmp, state_path)
    except OSError:
        log.exception("Could not save the download list")
