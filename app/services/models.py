"""Which models exist, and which one is loaded."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from app import secrets
from app.core.chat import ModelInfo
from app.core.embed_models import is_embedding_only
from app.core.errors import HearthError, ModelFileError, ModelNotFound
from app.core.provider_errors import NoKey
from app.netguard import is_loopback_url
from app.providers import backends, projectors, registry
from app.services.worker import DbWorker
from app.store import Store
from app.store.settings import Settings


@dataclass(frozen=True, slots=True)
class ModelGroup:
    """One heading in the model picker: provider None is the GGUF files on this computer."""

    provider: registry.ProviderSpec | None
    models: list[ModelInfo]
    needs_key: bool = False

    @property
    def title(self) -> str:
        if self.provider is None:
            return "On this computer"
        return self.provider.display_name


log = logging.getLogger(__name__)


class ProjectorNotAModel(ModelFileError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"“{name}” is an image projector (an “mmproj” file), the part of a vision model that "
            "reads pictures; it is not a chat model on its own.",
            action="Add the model file beside it instead: Hearth pairs the two.",
        )


def _with_sight(model: ModelInfo) -> ModelInfo:
    """A local model sees pictures exactly when it has a projector."""
    return replace(model, sees_images=bool(model.projector))


def _read_info(path: Path) -> ModelInfo:
    from app.providers.gguf_info import read_gguf_info

    info = read_gguf_info(path)
    return getattr(info, "model_info", info)


class ModelService:
    def __init__(self, db: DbWorker, settings: Settings) -> None:
        self._db = db
        self._settings = settings
        self._engine = None
        self._loaded: ModelInfo | None = None
        self._options: dict = {}  # what the loaded model was loaded with
        self._load_lock = asyncio.Lock()
        self._detected: set[str] = set()  # local servers (Ollama, LM Studio) found answering
        # Whether a cloud model takes images, from the model table (set by open_services).
        self.vision: Callable[[str], bool | None] | None = None

    # -- registry ------------------------------------------------------------------------------

    async def list_models(self, *, embedding: bool = False) -> list[ModelInfo]:
        """Models on this computer (GGUF files). See all_models() for servers and clouds too.
        Embedding models (document search's, downloaded like any model) only with `embedding`:
        the picker must not offer them, nor a chat pick one when no model is chosen."""
        models = [_with_sight(m) for m in await self._db.call(Store.local_models)]
        if any(m.takes_tools is None for m in models):
            models = [await self._with_tools_known(m) for m in models]
        return models if embedding else [m for m in models if not is_embedding_only(m)]

    async def _with_tools_known(self, model: ModelInfo) -> ModelInfo:
        """A model added before Hearth read templates for tools: its file is read once and the
        answer kept (a missing or broken file stays unknown, offered no tools)."""
        if model.takes_tools is not None or not model.path:
            return model
        try:
            info = await asyncio.to_thread(_read_info, Path(model.path))
        except HearthError:
            return model
        model = replace(model, takes_tools=bool(info.takes_tools))
        await self._db.call(Store.set_local_model_takes_tools, model.id, model.takes_tools)
        return model

    async def all_models(self) -> list[ModelGroup]:
        """Everything the picker shows: GGUF files, local servers, then one group per cloud."""
        groups = [ModelGroup(None, await self.list_models())]
        for spec in registry.all_providers():
            usable = self._usable(spec)
            if spec.auto_detect and spec.id not in self._detected:
                continue
            if spec.id == "custom" and not self._base_url_overridden(spec):
                continue
            cached = await self._db.call(Store.cached_provider_models, spec.id)
            models = cached or registry.default_model_infos(spec)
            groups.append(
                ModelGroup(spec, [self.describe(m) for m in models], needs_key=not usable)
            )
        return groups

    def _usable(self, spec: registry.ProviderSpec) -> bool:
        return not spec.needs_key or secrets.key_source(spec.id) is not None

    def _base_url_overridden(self, spec: registry.ProviderSpec) -> bool:
        return registry.base_url_for(spec, self.base_url_overrides) != spec.default_base_url

    @property
    def base_url_overrides(self) -> dict[str, str]:
        return dict(self._settings.get("base_urls") or {})

    def describe(self, info: ModelInfo) -> ModelInfo:
        """Fill in who runs a provider model and whether the words leave this computer."""
        if info.provider == registry.LOCAL:
            return info
        spec = registry.get_provider(info.provider)
        here = spec.is_local_server and is_loopback_url(
            registry.base_url_for(spec, self.base_url_overrides)
        )
        context = info.context_length or registry.model_info_for(info.id).context_length
        sees = info.sees_images
        if sees is None and self.vision is not None:
            sees = self.vision(info.id)
        return replace(
            info,
            provider_name=spec.display_name,
            on_this_computer=here,
            context_length=context,
            sees_images=sees,
        )

    async def refresh_provider(self, provider_id: str) -> list[ModelInfo]:
        """Ask the provider for its models now (the "Test" button); cached for offline use."""
        spec = registry.get_provider(provider_id)
        backend = backends.create_backend(
            spec,
            "",
            registry.base_url_for(spec, self.base_url_overrides),
            secrets.get_key(spec.id),
        )
        if spec.needs_key and not secrets.get_key(spec.id):
            raise NoKey(spec.display_name)
        models = await backend.list_models()
        await self._db.call(Store.cache_provider_models, spec.id, models)
        return [self.describe(m) for m in models]

    async def detect_local_servers(self) -> list[str]:
        """Probe Ollama and LM Studio on this computer; their models join the picker."""
        found = await backends.detect_local_servers(self.base_url_overrides)
        self._detected = {spec.id for spec in found}
        for spec in found:
            try:
                await self.refresh_provider(spec.id)
            except HearthError as err:
                log.info("%s answered but listed no models: %s", spec.id, err)
        return sorted(self._detected)

    async def add_from_disk(
        self, paths: list[str | os.PathLike]
    ) -> tuple[list[ModelInfo], list[tuple[str, HearthError]]]:
        """Register GGUF files where they are (not copied). Returns (added, [(path, error)]).

        A model with one image projector beside it is paired with it (it then sees pictures);
        with several, `projector_choices` lists them for the window to ask. A projector file
        itself is refused in plain words: it is half of a vision model, not a chat model."""
        from app.providers.gguf_info import resolved_model_path

        added, failed = [], []
        loop = asyncio.get_running_loop()
        for raw in paths:
            try:
                path = resolved_model_path(raw)
                info = await loop.run_in_executor(None, _read_info, path)
            except HearthError as err:
                failed.append((str(raw), err))
                continue
            except Exception:  # a reader bug must not take the window down
                log.exception("Reading %s failed", raw)
                failed.append((str(raw), ModelFileError("This file could not be read as a model.")))
                continue
            if projectors.is_projector(path, info.architecture):
                failed.append((str(raw), ProjectorNotAModel(path.name)))
                continue
            pairing = await loop.run_in_executor(None, projectors.pair, path)
            if pairing.projector is not None:
                info = replace(info, projector=str(pairing.projector))
            info = await self._unique_id(info)
            await self._db.call(Store.upsert_local_model, info)
            added.append(_with_sight(info))
        return added, failed

    async def projector_choices(self, model_id: str) -> list[str]:
        """The projector files beside a local model when which one is its own is ambiguous
        (several, none clearly named after it); empty when it is paired or has none."""
        model = await self._local(model_id)
        if model.projector or not model.path:
            return []
        pairing = await asyncio.to_thread(projectors.pair, model.path)
        return [str(p) for p in pairing.candidates] if pairing.ambiguous else []

    async def choose_projector(
        self, model_id: str, projector: str | os.PathLike | None
    ) -> ModelInfo:
        """Pair a local model with the projector the user chose (None: no pictures)."""
        from app.providers.gguf_info import read_gguf_details

        model = await self._local(model_id)
        path = None
        if projector is not None:
            real = Path(projector).expanduser().resolve()
            arch = (await asyncio.to_thread(read_gguf_details, real)).model_info.architecture
            if not projectors.is_projector(real, arch):
                raise ModelFileError(
                    f"“{real.name}” is not an image projector (an “mmproj” file).",
                    action="Choose the mmproj file that came with the model.",
                )
            path = str(real)
        model = replace(model, projector=path, sees_images=None)
        await self._db.call(Store.upsert_local_model, model)
        if self._loaded and self._loaded.id == model_id:
            await self.unload()  # loaded again, with or without the projector, on next use
        return _with_sight(model)

    async def is_projector_file(self, path: str | os.PathLike) -> bool:
        if projectors.named_as_projector(path):
            return True
        try:
            info = await asyncio.to_thread(_read_info, Path(path))
        except HearthError:
            return False
        return projectors.is_projector(path, info.architecture)

    async def adopt_projector(self, path: str | os.PathLike) -> list[str]:
        """Pair a projector that has just arrived (a download) with the models beside it that
        have none and would pick it; returns their ids."""
        path = Path(path).resolve()
        paired = []
        for model in await self.list_models():
            if model.projector or not model.path or Path(model.path).parent != path.parent:
                continue
            pairing = await asyncio.to_thread(projectors.pair, model.path)
            if pairing.projector == path:
                await self.choose_projector(model.id, path)
                paired.append(model.id)
        return paired

    async def _local(self, model_id: str) -> ModelInfo:
        for model in await self.list_models(embedding=True):
            if model.id == model_id:
                return model
        raise ModelNotFound()

    async def _unique_id(self, info: ModelInfo) -> ModelInfo:
        """Two files with the same name in different folders get distinct short names."""
        existing = {m.id: m for m in await self.list_models()}
        name, n = info.id, 2
        while name in existing and existing[name].path != info.path:
            name, n = f"{info.id}-{n}", n + 1
        if name == info.id:
            return info
        return replace(info, id=name)

    async def remove(self, model_id: str) -> None:
        if self._loaded and self._loaded.id == model_id:
            await self.unload()
        if not await self._db.call(Store.remove_local_model, model_id):
            raise ModelNotFound()

    async def resolve(self, name_or_path: str) -> ModelInfo:
        """A provider:model id, a registered name, or a .gguf path (registered on first use)."""
        provider_id, _model = registry.parse_model_id(name_or_path)
        if provider_id != registry.LOCAL:
            cached = await self._db.call(Store.cached_provider_models, provider_id)
            known = {m.id: m for m in cached}
            return self.describe(known.get(name_or_path) or registry.model_info_for(name_or_path))
        models = await self.list_models()
        for model in models:
            if name_or_path in (model.id, model.display_name):
                return model
        path = Path(name_or_path).expanduser()
        if path.suffix.lower() == ".gguf" or path.exists():
            from app.providers.gguf_info import resolved_model_path

            real = resolved_model_path(path)  # a loop of links is said as such
            if not path.exists():
                raise ModelFileError(f"There is no file at {path}.")
            for model in models:
                if model.path == str(real):
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
        if model.provider != registry.LOCAL:
            return backends.backend_for_model_id(
                model.id, base_url_overrides=self.base_url_overrides
            )
        async with self._load_lock:
            if self._engine is None:
                from app.providers.llama_local import LocalEngine

                # The data folder (settings.json's): where the engine remembers how llama.cpp
                # runs on this computer.
                self._engine = LocalEngine(config_dir=self._settings.path.parent)
            wanted = self._load_options(model.id)
            if self._loaded is None or self._loaded.id != model.id or wanted != self._options:
                if model.path and not Path(model.path).exists():
                    raise ModelFileError(
                        f"The model file is no longer at {model.path}.",
                        action="Add it again with “Add model from disk…”.",
                    )
                self._loaded = None
                await self._engine.load(model, on_progress=on_progress, **wanted)
                self._loaded, self._options = model, wanted
            return self._engine

    def defaults_for(self, model_id: str) -> dict:
        """The user's per-model defaults (Model manager): context_length, gpu_layers,
        temperature, system_prompt; a missing key means "Hearth decides"."""
        return dict((self._settings.get("model_defaults") or {}).get(model_id) or {})

    def _load_options(self, model_id: str) -> dict:
        defaults = self.defaults_for(model_id)
        return {"n_ctx": defaults.get("context_length"), "n_gpu_layers": defaults.get("gpu_layers")}

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
