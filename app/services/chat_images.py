"""The pictures of a chat message: checked against the model, made safe and kept when sent,
prepared for each provider when a request is built. Decoding runs on worker threads, never on
the event loop's thread (a 12 MP photo takes a few hundred milliseconds).

A model that cannot see images is refused a new picture with a plain error naming models that
can (on this computer first). Pictures already in the history are shown to a model that cannot
see them as a short note instead ("[picture: photo.jpg, not shown to this model]"), so switching
to a text-only model mid-chat keeps working and nothing disappears silently.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from app.core.chat import ChatRequest, ModelInfo
from app.core.images import (
    KEEP_LIMIT,
    ImagePart,
    ImageRef,
    ModelCannotSeeImages,
    limit_for,
)
from app.core.records import Message
from app.providers import registry
from app.services.models import ModelService
from app.services.worker import DbWorker
from app.store import images as store_images

PASTED = "pasted image"
_PREPARED_CACHE = 32  # prepared copies kept in memory: each turn re-sends the history's images

ImageSource = bytes | str | Path


@dataclass(frozen=True, slots=True)
class KeptImage:
    """A picture made safe and written to the data folder, ready to attach to a message."""

    ref: ImageRef
    had_location: bool  # a GPS location was removed from it


def can_see_images(model: ModelInfo) -> bool:
    """False when the model table or the provider says no, and for models in this process
    without an image projector (a paired one says sees_images). Unknown (None) cloud and server
    models are sent the picture: their own answer decides, and says so if they cannot."""
    if model.provider == registry.LOCAL:
        return bool(model.sees_images)
    return model.sees_images is not False


class ChatImages:
    def __init__(self, db: DbWorker, models: ModelService) -> None:
        self._db = db
        self._models = models
        self._data_dir: Path | None = None
        self._prepared: OrderedDict[tuple[str, str], ImagePart] = OrderedDict()

    async def check(self, model: ModelInfo, count: int) -> None:
        if count and not can_see_images(model):
            raise ModelCannotSeeImages(model.display_name, await self.models_that_see())

    async def models_that_see(self) -> list[str]:
        """Names of the models that can see images: on this computer first, then the online
        ones ready to use, then those that still need a key."""
        ready: list[str] = []
        later: list[str] = []
        for group in await self._models.all_models():  # this computer's group comes first
            for m in group.models:
                if can_see_images(m) and m.sees_images:
                    where = "" if m.is_local else f" ({m.provider_name or m.provider})"
                    (later if group.needs_key else ready).append(f"{m.display_name}{where}")
        return ready + later

    async def keep(self, sources: Sequence[ImageSource | KeptImage]) -> list[KeptImage]:
        """Each picture upright, without metadata, at most KEEP_LIMIT, written by content hash."""
        data_dir = await self.data_dir()
        kept = []
        for source in sources:
            if isinstance(source, KeptImage):
                kept.append(source)
                continue
            name = PASTED if isinstance(source, bytes | bytearray) else Path(source).name
            kept.append(await asyncio.to_thread(_keep_one, data_dir, source, name))
        return kept

    async def attach(self, message_id: int, kept: Sequence[KeptImage]) -> None:
        refs = [k.ref for k in kept]
        await self._db.call(lambda store: store_images.add_message_images(store, message_id, refs))

    async def data_dir(self) -> Path:
        if self._data_dir is None:
            self._data_dir = await self._db.call(store_images.data_dir_of)
        return self._data_dir

    async def add_to(
        self, request: ChatRequest, history: Sequence[Message], model: ModelInfo
    ) -> ChatRequest:
        """The request with the history's pictures, prepared for this model's provider, on
        their messages (`request` was built from `history`: one message each, after the
        system prompt, skipping empty ones); a note instead for a model that cannot see."""
        if not any(m.images for m in history):
            return request
        parts = await self.parts_for(history, model)
        sources = iter(m for m in history if (m.content or m.images) and m.role != "system")
        messages = []
        for chat_message in request.messages:
            if chat_message.role == "system":
                messages.append(chat_message)
                continue
            source = next(sources)
            if source.images and source.id in parts:
                chat_message = replace(chat_message, images=parts[source.id])
            elif source.images:
                note = not_shown_note(source)
                chat_message = replace(chat_message, content=f"{chat_message.content}\n\n{note}")
            messages.append(chat_message)
        return replace(request, messages=tuple(messages))

    async def parts_for(
        self, history: Sequence[Message], model: ModelInfo
    ) -> dict[int, tuple[ImagePart, ...]]:
        """The history's pictures prepared for this model's provider, by message id."""
        with_images = [m for m in history if m.images]
        if not with_images or not can_see_images(model):
            return {}
        data_dir = await self.data_dir()
        wire = registry.wire_of(model.id)
        parts: dict[int, tuple[ImagePart, ...]] = {}
        for message in with_images:
            parts[message.id] = tuple(
                [await self._part(data_dir, ref, wire) for ref in message.images]
            )
        return parts

    async def _part(self, data_dir: Path, ref: ImageRef, wire: str) -> ImagePart:
        key = (ref.sha256, wire)
        if key in self._prepared:
            self._prepared.move_to_end(key)
            return self._prepared[key]
        from app.images import store as image_files  # Pillow: imported with the first picture
        from app.images.prepare import prepare_image

        path = image_files.path_of(data_dir, ref)
        ready = await asyncio.to_thread(prepare_image, path, limit_for(wire))
        part = ImagePart(ready.mime, ready.width, ready.height, data=ready.data)
        self._prepared[key] = part
        while len(self._prepared) > _PREPARED_CACHE:
            self._prepared.popitem(last=False)
        return part


def not_shown_note(message: Message) -> str:
    names = ", ".join(ref.name for ref in message.images)
    noun = "picture" if len(message.images) == 1 else "pictures"
    return f"[{noun}: {names}, not shown to this model]"


def _keep_one(data_dir: Path, source: ImageSource, name: str) -> KeptImage:
    from app.images import store as image_files  # Pillow: imported with the first picture
    from app.images.prepare import prepare_image

    ready = prepare_image(source, KEEP_LIMIT)
    return KeptImage(image_files.keep(data_dir, ready, name), ready.had_location)
