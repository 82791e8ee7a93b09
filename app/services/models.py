"""Which models exist, and which one is loaded."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path

from app.core.chat import ModelInfo
from app.core.errors import HearthError, ModelFileError, ModelNotFound
from app.services.worker import DbWorker
from app.store import Store

log = logging.getLogger(__name__)


def _read_info(path: Path) -> ModelInfo:
    from app.providers.gguf_info import read_gguf_info

    info = read_gguf_info(path)
    return getattr(info, "model_info", info)


class ModelService:
    def __init__(self, db: DbWorker) -> None:
        self._db = db
        self._engine = None
        self._loaded: ModelInfo | None = None
        self._load_lock = asyncio.Lock()

    # -- registry ------------------------------------------------------------------------------

    async def list_models(self) -> list[ModelInfo]:
        return await self._db.call(Store.local_models)

    async def add_from_disk(
        self, paths: list[str | os.PathLike]
    ) -> tuple[list[ModelInfo], list[tuple[str, HearthError]]]:
        """Register GGUF files where they are (not copied). Returns (added, [(path, error)])."""
        added, failed = [], []
        loop = asyncio.get_running_loop()
        for raw in paths:
            path = Path(raw).expanduser().resolve()
            try:
                info = await loop.run_in_executor(None, _read_info, path)
            except HearthError as err:
                failed.append((str(path), err))
                continue
            except Exception:  # a reader bug must not take the window down
                log.exception("Reading %s failed", path)
                failed.append(
                    (str(path), ModelFileError("This file could not be read as a model."))
                )
                continue
            info = await self._unique_id(info)
            await self._db.call(Store.upsert_local_model, info)
            added.append(info)
        return added, failed

    async def _unique_id(self, info: ModelInfo) -> ModelInfo:
        """Two files with the same name in different folders get distinct short names."""
        existing = {m.id: m for m in await self.list_models()}
        name, n = info.id, 2
        while name in existing and existing[name].path != info.path:
            name, n = f"{info.id}-{n}", n + 1
        if name == info.id:
            return info
        from dataclasses import replace

        return replace(info, id=name)

    async def remove(self, model_id: str) -> None:
        if self._loaded and self._loaded.id == model_id:
            await self.unload()
        if not await self._db.call(Store.remove_local_model, model_id):
            raise ModelNotFound()

    async def resolve(self, name_or_path: str) -> ModelInfo:
        """A registered name, or a path to a .gguf file (registered on first use)."""
        models = await self.list_models()
        for model in models:
            if name_or_path in (model.id, model.display_name):
                return model
        path = Path(name_or_path).expanduser()
        if path.suffix.lower() == ".gguf" or path.exists():
            if not path.exists():
                raise ModelFileError(f"There is no file at {path}.")
            for model in models:
                if model.path == str(path.resolve()):
                    return model
            added, failed = await self.add_from_disk([path])
            if failed:
                raise failed[0][1]
            return added[0]
        raise ModelNotFound(f"There is no model called “{name_or_path}”.")

    # -- the loaded model ----------------------------------------------------------------------

    @property
    def loaded(self) -> ModelInfo | None:
        return self._loaded

    async def backend_for(
        self, model: ModelInfo, *, on_progress: Callable[[float], None] | None = None
    ):
        """The chat backend for a model, loading it first when it is a local file."""
        async with self._load_lock:
            if self._engine is None:
                from app.providers.llama_local import LocalEngine

                self._engine = LocalEngine()
            if self._loaded is None or self._loaded.id != model.id:
                if model.path and not Path(model.path).exists():
                    raise ModelFileError(
                        f"The model file is no longer at {model.path}.",
                        action="Add it again with “Add model from disk…”.",
                    )
                self._loaded = None
                await self._engine.load(model, on_progress=on_progress)
                self._loaded = model
            return self._engine

    def cancel_load(self) -> None:
        if self._engine is not None:
            self._engine.cancel_load()

    @property
    def context_length(self) -> int | None:
        return getattr(self._engine, "context_length", None) if self._loaded else None

    async def unload(self) -> None:
        if self._engine is not None:
            await self._engine.close()
            self._engine = None
        self._loaded = None

    async def close(self) -> None:
        await self.unload()
