"""Where a reply's events come from: the chosen model's backend, a cloud model handing over to the
local fallback model, and the one in-process engine that local replies take turns on."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app.core.chat import ChatRequest, ModelInfo
from app.core.errors import Cancelled, HearthError
from app.core.events import Error, TextDelta
from app.services.chat_updates import FallbackUsed, ModelLoading
from app.services.models import ModelService
from app.store.settings import Settings

log = logging.getLogger(__name__)

END = object()  # the last item a reply puts on its queue


class ReplySource:
    def __init__(self, models: ModelService, settings: Settings) -> None:
        self._models = models
        self._settings = settings
        # One in-process engine: local replies (and model loads) take turns.
        self._local_turn = asyncio.Lock()

    async def run(self, model: ModelInfo, request: ChatRequest, queue: asyncio.Queue) -> None:
        """Put the reply's events on the queue, then END; failures become Error events."""
        try:
            await self._stream_from(model, request, queue)
        except asyncio.CancelledError:
            pass
        except Cancelled:
            pass
        except HearthError as err:
            queue.put_nowait(Error(err))
        except Exception:
            log.exception("Reply failed")
            queue.put_nowait(
                Error(HearthError("The reply failed unexpectedly.", action="Try again."))
            )
        finally:
            queue.put_nowait(END)

    async def _stream_from(
        self, model: ModelInfo, request: ChatRequest, queue: asyncio.Queue
    ) -> None:
        """Put the backend's events on the queue; a failing cloud model may hand over to the
        local fallback model (Settings), which then answers the same request."""
        if model.provider == "local":
            async with self._local_turn:
                await self._stream_local(model, request, queue)
            return
        backend = await self._models.backend_for(model)
        wrote_text = False
        fallback_error = None
        # aclosing: leaving the loop early (fallback) closes the HTTP stream now, not at GC time.
        async with contextlib.aclosing(backend.stream_chat(request)) as events:
            async for event in events:
                if isinstance(event, Error) and not wrote_text and await self._fallback_ready():
                    fallback_error = event.error
                    break
                wrote_text = wrote_text or isinstance(event, TextDelta)
                queue.put_nowait(event)
        if fallback_error is not None:
            fallback = await self._models.resolve(self._settings.get("fallback_model"))
            queue.put_nowait(FallbackUsed(fallback, fallback_error))
            async with self._local_turn:
                await self._stream_local(fallback, request, queue)

    async def _fallback_ready(self) -> bool:
        name = self._settings.get("fallback_model")
        if not name:
            return False
        try:
            return (await self._models.resolve(name)).provider == "local"
        except HearthError:
            return False

    async def _stream_local(
        self, model: ModelInfo, request: ChatRequest, queue: asyncio.Queue
    ) -> None:
        loop = asyncio.get_running_loop()

        def progress(fraction: float) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, ModelLoading(model, fraction))

        if self._models.loaded is None or self._models.loaded.id != model.id:
            queue.put_nowait(ModelLoading(model, None))
            backend = await self._models.backend_for(model, on_progress=progress)
            queue.put_nowait(ModelLoading(model, 1.0))
        else:
            backend = await self._models.backend_for(model)
        async with contextlib.aclosing(backend.stream_chat(request)) as events:
            async for event in events:
                queue.put_nowait(event)
