"""The owner thread: the one thread that touches a loaded model (llama-cpp-python is not
thread-safe); the event loop hands it jobs and gets their results back in futures."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.providers.llama_turn import LlamaChat


def post_to_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    """call_soon_threadsafe that tolerates a loop already closed (the caller went away)."""
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:
        pass


class Owner:
    """A daemon thread that alone touches one Llama; its jobs run one at a time, in order."""

    def __init__(self, name: str) -> None:
        self.llama: Any = None
        self.chat: LlamaChat | None = None
        self.vision: Any = None  # llama-cpp-python's multimodal chat handler, with a projector
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def post(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def call(self, fn: Callable[[], Any]) -> asyncio.Future:
        """Run fn on the thread; its result or exception arrives in a future of this loop."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()

        def settle(ok: bool, value: Any) -> None:
            if future.done():  # the awaiting coroutine was cancelled
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        def job() -> None:
            try:
                result = (True, fn())
            except BaseException as err:  # noqa: BLE001 - delivered to the awaiting coroutine
                result = (False, err)
            post_to_loop(loop, settle, *result)

        self.post(job)
        return future

    def close_llama(self) -> None:
        if self.llama is not None:
            self.llama.close()  # frees weights and KV cache now, not whenever GC runs
        self.llama = self.chat = self.vision = None

    def shut_down(self) -> None:
        self.post(self.close_llama)
        self._jobs.put(None)
