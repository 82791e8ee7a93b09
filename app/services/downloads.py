"""Find, judge, download and manage model files. Plain async Python for the window and the CLI.

The window's download dialog uses this service only:
- what to offer: `catalog()`, `search()`, `files()`, each judged by `fit()` / `recommend()`
  against `hardware()`;
- what is happening: `start()` returns a job id; progress arrives as `DownloadProgress` through
  `subscribe(callback)` or `events()` (on the event loop's thread), and `jobs()` is a snapshot;
  `pause()`, `resume()`, `cancel()` act on a job; `resume_unfinished()` runs at start-up;
- what is installed: a finished file is registered with ModelService at once, so it is in the
  model picker before the "done" event arrives; `delete_model()` frees the disk only for files
  Hearth downloaded itself (inside DATA/models); per-model defaults live in the settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from app import hardware as hw
from app.core.chat import ModelInfo, human_bytes
from app.core.errors import HearthError, ModelNotFound
from app.downloads.catalog import Catalog, CatalogFile, load_catalog
from app.downloads.downloader import part_path
from app.downloads.hub import HubClient
from app.downloads.hub_records import HubFile, HubRepo
from app.downloads.queue import DOWNLOAD_RETRY, DownloadProgress, DownloadQueue
from app.paths import models_dir
from app.providers.http_retry import RetryPolicy
from app.services.models import ModelService
from app.store.settings import Settings

log = logging.getLogger(__name__)

HARDWARE_TTL = 5.0  # seconds before free memory is measured again
DEFAULTS_KEY = "model_defaults"

__all__ = ["DownloadProgress", "DownloadService", "Deleted", "InstalledModel", "ModelDefaults"]


@dataclass(frozen=True, slots=True)
class ModelDefaults:
    """What a model starts with when chosen; None means "Hearth decides"."""

    context_length: int | None = None
    gpu_layers: int | None = None
    temperature: float | None = None
    system_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class InstalledModel:
    info: ModelInfo  # size, quantization, architecture, parameters, context length
    downloaded: bool  # inside DATA/models: deleting it frees the disk
    file_missing: bool


@dataclass(frozen=True, slots=True)
class Deleted:
    model_id: str
    path: str | None
    file_deleted: bool
    freed_bytes: int
    message: str


def _validate_gguf(path: Path) -> None:
    """Refuse to install a file llama.cpp could not read (checked before the rename)."""
    from app.providers.gguf_info import read_gguf_details

    read_gguf_details(path)


class DownloadService:
    def __init__(
        self,
        *,
        models: ModelService,
        settings: Settings,
        data_dir: Path,
        hub_factory: Callable[[], HubClient] = HubClient,
        retry_policy: RetryPolicy = DOWNLOAD_RETRY,
        catalog_path: Path | None = None,
    ) -> None:
        self._models = models
        self._settings = settings
        self._models_dir = models_dir(data_dir)
        self._hub_factory = hub_factory
        self._catalog_path = catalog_path
        self._hardware: hw.Hardware | None = None
        self._hardware_at = 0.0
        self._queue = DownloadQueue(
            models_dir=self._models_dir,
            state_path=data_dir / "downloads.json",
            hub_factory=hub_factory,
            install=self._register,
            validate=_validate_gguf,
            retry_policy=retry_policy,
        )

    # -- what to offer ----------------------------------------------------------------------------

    def catalog(self) -> Catalog:
        return load_catalog(self._catalog_path)

    async def hardware(self, *, refresh: bool = False) -> hw.Hardware:
        """This computer; the first call also asks llama.cpp whether it can use the GPU."""
        if self._hardware is None:
            loop = asyncio.get_running_loop()
            self._hardware = await loop.run_in_executor(None, lambda: hw.detect(probe_engine=True))
            self._hardware_at = time.monotonic()
        return self.current_hardware(refresh=refresh)

    def current_hardware(self, *, refresh: bool = False) -> hw.Hardware:
        """Synchronous and cheap: free memory is measured again every few seconds."""
        stale = time.monotonic() - self._hardware_at > HARDWARE_TTL
        if self._hardware is None or refresh or stale:
            engine_gpu = self._hardware.engine_gpu if self._hardware else None
            self._hardware = replace(hw.detect(), engine_gpu=engine_gpu)
            self._hardware_at = time.monotonic()
        return self._hardware

    def fit(self, *, file: hw.ModelFile, context: int | None = None) -> hw.Fit:
        return hw.fit(file, self.current_hardware(), context=context)

    def recommend(self, *, files: Iterable[hw.ModelFile], context: int | None = None):
        return hw.recommend_quant(files, self.current_hardware(), context=context)

    def first_run_suggestion(self) -> CatalogFile | None:
        """The suggested first download: the first-run model's best file that runs well here,
        else the smallest catalog file that does."""
        catalog = self.catalog()
        first = catalog.first_run_model
        if first is not None:
            pick = self.recommend(files=first.files)
            if pick is not None and self.fit(file=pick).runs_well:
                return pick
        everything = [f for m in catalog.models for f in m.files]
        good = [f for f in everything if self.fit(file=f).runs_well]
        # A model made to look at pictures (a tiny SmolVLM) chats poorly: the smallest that is a
        # plain chat model first, a seeing one only if nothing else runs well here.
        return min(good, key=lambda f: (f.sees_images, f.size_bytes or 0), default=None)

    async def search(self, *, query: str, limit: int = 20) -> list[HubRepo]:
        return await self._hub_factory().search(query, limit=limit)

    async def files(self, *, repo: str, revision: str = "main") -> list[HubFile]:
        """The repo's .gguf files (size, sha256, quantization); judge each with fit()."""
        return await self._hub_factory().list_gguf_files(repo, revision=revision)

    # -- downloads --------------------------------------------------------------------------------

    async def start(
        self,
        *,
        repo: str,
        file: str,
        revision: str = "main",
        sha256: str | None = None,
        size: int | None = None,
    ) -> str:
        """Queue a download; returns its job id (the same id again for the same file)."""
        return self._queue.add(repo=repo, file=file, revision=revision, sha256=sha256, size=size)

    async def start_file(self, *, file: CatalogFile | HubFile) -> str:
        """Queue a catalog entry or a search result as it is. A vision model's projector is
        queued first, into the same folder, so the two are paired as one model."""
        projector = getattr(file, "projector", None)
        if projector is not None:
            await self.start_file(file=projector)
        name = getattr(file, "file", None) or file.path  # CatalogFile.file / HubFile.path
        return await self.start(
            repo=file.repo, file=name, revision=file.revision, sha256=file.sha256, size=file.size
        )

    def pause(self, *, job_id: str) -> None:
        self._queue.pause(job_id)

    def resume(self, *, job_id: str) -> None:
        self._queue.resume(job_id)

    async def cancel(self, *, job_id: str) -> None:
        await self._queue.cancel(job_id)

    def forget(self, *, job_id: str) -> None:
        """Remove a finished or failed download from the list."""
        self._queue.forget(job_id)

    def jobs(self) -> list[DownloadProgress]:
        return self._queue.snapshot()

    def job(self, *, job_id: str) -> DownloadProgress:
        return self._queue.progress(job_id)

    def subscribe(self, listener: Callable[[DownloadProgress], None]) -> Callable[[], None]:
        """Call `listener` with every progress event; returns the function that unsubscribes."""
        return self._queue.subscribe(listener)

    async def events(self) -> AsyncIterator[DownloadProgress]:
        """Every progress event from now on, as an async iterator (never ends by itself)."""
        inbox: asyncio.Queue[DownloadProgress] = asyncio.Queue()
        unsubscribe = self.subscribe(inbox.put_nowait)
        try:
            while True:
                yield await inbox.get()
        finally:
            unsubscribe()

    async def wait(self, *, job_id: str) -> DownloadProgress:
        """The job's state once it is done, failed, cancelled or paused."""
        return await self._queue.wait(job_id)

    def resume_unfinished(self) -> list[str]:
        """Call at start-up, on the event loop: unfinished downloads go on where they stopped."""
        return self._queue.resume_unfinished()

    async def close(self) -> None:
        """Stop downloads, keeping them to resume on the next start."""
        await self._queue.close()

    async def _register(self, path: Path) -> str:
        if await self._models.is_projector_file(path):
            # Half of a vision model: paired with the model beside it (now, or when it lands).
            paired = await self._models.adopt_projector(path)
            return paired[0] if paired else path.stem
        added, failed = await self._models.add_from_disk([path])
        if failed:
            raise failed[0][1]
        return added[0].id

    # -- the model manager ------------------------------------------------------------------------

    def is_downloaded(self, path: str | None) -> bool:
        """True for a file inside DATA/models, which Hearth may delete."""
        if not path:
            return False
        return Path(path).resolve().is_relative_to(self._models_dir.resolve())

    async def installed(self) -> list[InstalledModel]:
        return [
            InstalledModel(
                info=m,
                downloaded=self.is_downloaded(m.path),
                file_missing=not (m.path and Path(m.path).exists()),
            )
            for m in await self._models.list_models(embedding=True)
        ]

    async def delete_model(self, *, model_id: str) -> Deleted:
        """Unregister a model; delete its file only when Hearth downloaded it (DATA/models)."""
        model = next(
            (m for m in await self._models.list_models(embedding=True) if m.id == model_id), None
        )
        if model is None:
            raise ModelNotFound(f"There is no model called “{model_id}”.")
        await self._models.remove(model_id)
        self._drop_defaults(model_id)
        if not self.is_downloaded(model.path):
            where = f" at {model.path}" if model.path else ""
            return Deleted(
                model_id,
                model.path,
                False,
                0,
                f"Removed “{model_id}” from Hearth. Its file was added from elsewhere, "
                f"so it was left where it is{where}.",
            )
        freed = await asyncio.get_running_loop().run_in_executor(None, self._delete_file, model)
        return Deleted(
            model_id,
            model.path,
            True,
            freed,
            f"Deleted “{model_id}” and freed {human_bytes(freed)} of disk space.",
        )

    def _delete_file(self, model: ModelInfo) -> int:
        path = Path(model.path or "")
        freed = 0
        for victim in (path, part_path(path)):
            with contextlib.suppress(FileNotFoundError):
                freed += victim.stat().st_size
                victim.unlink()
        folder = path.parent
        root = self._models_dir.resolve()
        while folder.resolve() != root and folder.resolve().is_relative_to(root):
            try:
                folder.rmdir()  # only when empty: another quantization may live beside it
            except OSError:
                break
            folder = folder.parent
        return freed

    def model_defaults(self, *, model_id: str) -> ModelDefaults:
        stored = (self._settings.get(DEFAULTS_KEY) or {}).get(model_id) or {}
        known = ModelDefaults.__dataclass_fields__
        return ModelDefaults(**{k: v for k, v in stored.items() if k in known})

    def set_model_defaults(self, *, model_id: str, defaults: ModelDefaults) -> None:
        everything: dict[str, Any] = dict(self._settings.get(DEFAULTS_KEY) or {})
        values = {k: v for k, v in asdict(defaults).items() if v is not None}
        if values:
            everything[model_id] = values
        else:
            everything.pop(model_id, None)
        self._settings.set(DEFAULTS_KEY, everything)

    def _drop_defaults(self, model_id: str) -> None:
        with contextlib.suppress(HearthError, OSError):
            self.set_model_defaults(model_id=model_id, defaults=ModelDefaults())
