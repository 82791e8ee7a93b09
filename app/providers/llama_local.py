"""The in-process llama.cpp engine.

One daemon "owner" thread per loaded model is the only code that touches its `Llama` object
(llama-cpp-python is not thread-safe). Async callers hand it jobs; it hands events back to the
asyncio loop with `call_soon_threadsafe`. The same `Llama` stays loaded between turns, so
llama-cpp-python re-evaluates only the part of the prompt that changed since the last turn.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

from app.core.chat import ChatMessage, ChatRequest, ModelInfo, human_bytes
from app.core.errors import (
    Cancelled,
    GenerationFailed,
    HearthError,
    ModelLoadFailed,
    NoModelChosen,
    NotEnoughMemory,
    UnsupportedArchitecture,
)
from app.core.events import Done, Error, StreamEvent, Usage
from app.providers import llama_probe
from app.providers.gguf_info import GgufDetails, read_gguf_details
from app.providers.llama_glue import llama_class, llama_cpp_module, recent_log
from app.providers.llama_owner import Owner, post_to_loop
from app.providers.llama_tool_turn import generate_with_tools
from app.providers.llama_turn import LlamaChat, trim_notice
from app.providers.llama_vision import has_images, make_handler, run_vision_turn

log = logging.getLogger(__name__)

DEFAULT_MAX_CONTEXT = 8192  # an ordinary laptop should not give all its RAM to one chat
MIN_CONTEXT = 512
MEMORY_SHARE = 0.7  # weights + KV cache + buffers stay under this share of free RAM
OVERHEAD_BYTES = 256 * 1024**2  # compute buffers, logits, allocator slack
FALLBACK_KV_BYTES_PER_TOKEN = 256 * 1024  # when the file does not say enough about its shape

# Used when a GGUF carries no chat template: ChatML is what most small chat models expect.
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


# ---------------------------------------------------------------- sizing


def available_memory() -> int:
    """Bytes of RAM free for a model right now."""
    return psutil.virtual_memory().available


def default_threads() -> int:
    """Physical cores: hyper-threads only add contention to llama.cpp's matrix work."""
    return max(1, psutil.cpu_count(logical=False) or os.cpu_count() or 1)


def plan_context(
    details: GgufDetails,
    *,
    available: int,
    requested: int | None = None,
    default_max: int = DEFAULT_MAX_CONTEXT,
) -> int:
    """The context length to load with: what the model was trained for, capped by memory.

    Raises NotEnoughMemory when even a minimal context does not fit in the free RAM.
    """
    weights = details.tensor_bytes or details.model_info.size_bytes or 0
    per_token = details.kv_bytes_per_token() or FALLBACK_KV_BYTES_PER_TOKEN
    trained = details.model_info.context_length or default_max
    smallest = min(MIN_CONTEXT, trained)
    needed = weights + OVERHEAD_BYTES + smallest * per_token
    if needed > available:
        raise NotEnoughMemory(
            f"This model needs about {human_bytes(needed)} of memory, "
            f"but only {human_bytes(available)} is free."
        )
    fits = int((available * MEMORY_SHARE - weights - OVERHEAD_BYTES) // per_token)
    n_ctx = min(requested or default_max, trained, max(fits, smallest))
    # llama.cpp pads the context to a multiple of 256 anyway; round down so it stays in budget.
    return n_ctx - n_ctx % 256 if n_ctx > 256 else n_ctx


_END = object()  # the last event of a turn, from the owner thread


# ---------------------------------------------------------------- the engine


class LocalEngine:
    """Runs GGUF models in this process. One model at a time; the one streaming contract."""

    def __init__(
        self,
        *,
        n_threads: int | None = None,
        max_context: int = DEFAULT_MAX_CONTEXT,
        config_dir: Path | None = None,
    ):
        self.n_threads = n_threads or default_threads()
        self.max_context = max_context
        # Where the probe remembers how llama.cpp runs on this computer (the data folder).
        self.config_dir = config_dir
        self.cpu_config: llama_probe.CpuConfig | None = None
        self.model: ModelInfo | None = None
        self.details: GgufDetails | None = None
        self.context_length = 0
        # Prompt tokens llama.cpp actually evaluated on the last turn (the rest came from cache).
        self.last_prompt_eval_tokens = 0
        self._owner: Owner | None = None
        self._lock = asyncio.Lock()
        self._load_cancel = threading.Event()
        self._turn_stop = threading.Event()

    @property
    def loaded(self) -> bool:
        return self._owner is not None

    # ---- loading

    async def load(
        self,
        model: ModelInfo,
        *,
        n_ctx: int | None = None,
        n_gpu_layers: int | None = None,
        on_progress: Callable[[float], None] | None = None,
    ) -> None:
        """Load `model`, closing the one loaded before. Raises a HearthError in plain words."""
        cancel = threading.Event()
        self._load_cancel.set()  # a newer choice wins over a load still running
        self._load_cancel = cancel
        async with self._lock:
            await self._close_current()
            if cancel.is_set():
                raise Cancelled()
            owner = Owner(name=f"llama:{model.id}")
            loop = asyncio.get_running_loop()

            def progress(fraction: float) -> bool:
                if on_progress is not None:
                    post_to_loop(loop, on_progress, fraction)
                return not cancel.is_set()

            try:
                details = await owner.call(
                    lambda: self._load_on_owner(owner, model, n_ctx, n_gpu_layers, progress, cancel)
                )
                if cancel.is_set():  # cancelled just after llama.cpp had finished
                    raise Cancelled()
            except BaseException:
                cancel.set()  # also stops llama.cpp if this task itself was cancelled
                owner.shut_down()
                raise
            self._owner, self.model, self.details = owner, model, details
            self.context_length = owner.chat.n_ctx

    def cancel_load(self) -> None:
        """Make the load in progress (if any) raise Cancelled; llama.cpp stops reading the file."""
        self._load_cancel.set()

    def _load_on_owner(
        self,
        owner: Owner,
        model: ModelInfo,
        n_ctx: int | None,
        n_gpu_layers: int | None,
        progress: Callable[[float], bool],
        cancel: threading.Event,
    ) -> GgufDetails:
        try:
            return self._load_llama(owner, model, n_ctx, n_gpu_layers, progress, cancel)
        except HearthError:
            raise
        except Exception as err:
            log.exception("loading %s failed", model.path)
            raise ModelLoadFailed() from err

    def _load_llama(
        self,
        owner: Owner,
        model: ModelInfo,
        n_ctx: int | None,
        n_gpu_layers: int | None,
        progress: Callable[[float], bool],
        cancel: threading.Event,
    ) -> GgufDetails:
        if not model.path:
            raise ModelLoadFailed("This model has no file on this computer.")
        details = read_gguf_details(model.path)  # plain-words errors for broken files
        context = plan_context(
            details, available=available_memory(), requested=n_ctx, default_max=self.max_context
        )
        # Before llama.cpp touches a weight: the first time on this computer this runs the
        # probe's child processes (a few seconds, while the window shows "Loading…").
        config = llama_probe.applied_config(self.config_dir, cancel)
        if not progress(0.0):
            raise Cancelled()
        llama_cpp = llama_cpp_module()
        if n_gpu_layers is None:
            n_gpu_layers = -1 if llama_cpp.llama_supports_gpu_offload() else 0
        recent_log.clear()
        try:
            owner.llama = llama_class()(
                str(details.model_info.path),
                on_progress=progress,
                use_extra_bufts=config.use_extra_bufts,
                n_ctx=context,
                n_gpu_layers=n_gpu_layers,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                verbose=False,  # llama.cpp's chatter goes to our log file instead
            )
        except Exception as err:
            raise _load_error(details, cancel) from err
        template = owner.llama.metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE
        owner.chat = LlamaChat(owner.llama, template)
        if model.projector:
            owner.vision = _load_projector(owner.llama, model.projector, cancel)
        self.cpu_config = config
        progress(1.0)
        return details

    # ---- chatting

    async def stream_chat(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Notice?, TextDelta*, Usage, Done — or Error. Stop by cancelling or aclose()."""
        owner = self._owner
        if owner is None:
            yield Error(NoModelChosen())
            return
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()
        self._turn_stop = stop

        def emit(event: Any) -> None:
            post_to_loop(loop, events.put_nowait, event)

        owner.post(lambda: self._run_turn(owner, request, stop, emit))
        try:
            while (event := await events.get()) is not _END:
                yield event
        finally:
            stop.set()  # the consumer left (or finished): the owner thread stops at once

    def stop(self) -> None:
        """Stop the reply being written; the stream then ends with Done("stopped")."""
        self._turn_stop.set()

    def _run_turn(
        self,
        owner: Owner,
        request: ChatRequest,
        stop: threading.Event,
        emit: Callable[[Any], None],
    ) -> None:
        try:
            chat = owner.chat
            if chat is None or stop.is_set():
                emit(Done("stopped"))
                return
            n_ctx = chat.n_ctx
            reserve = min(request.max_tokens or max(256, n_ctx // 4), n_ctx // 2)
            if owner.vision is not None and has_images(request.messages):
                self._run_vision_turn(owner, request, stop, emit)
                return
            tools = request.tools if chat.tool_format else ()
            with chat.cache_kept(request.keep_cache):
                raw = (request.extra or {}).get("raw_prompt")
                if raw is not None:  # the local server's /v1/completions: no chat template
                    prompt, dropped = chat.raw_tokens(raw), 0
                else:
                    prompt, dropped = chat.fit(request.messages, reserve, tools)
                if dropped:
                    emit(trim_notice(dropped))
                if tools:
                    result = generate_with_tools(chat, prompt, request, stop, emit)
                else:
                    result = chat.generate(prompt, request, stop, emit)
            self.last_prompt_eval_tokens = result.evaluated
            emit(
                Usage(
                    input_tokens=len(prompt),
                    output_tokens=result.output_tokens,
                    cached_tokens=len(prompt) - result.evaluated,
                    counted_locally=True,
                )
            )
            emit(Done(result.finish))
        except HearthError as err:
            emit(Error(err))
        except Exception:
            log.exception("local generation failed")
            emit(Error(GenerationFailed()))
        finally:
            emit(_END)

    def _run_vision_turn(
        self,
        owner: Owner,
        request: ChatRequest,
        stop: threading.Event,
        emit: Callable[[Any], None],
    ) -> None:
        result = run_vision_turn(owner.llama, owner.vision, request, stop, emit, owner.chat.stops)
        self.last_prompt_eval_tokens = result.evaluated
        emit(
            Usage(
                input_tokens=result.evaluated,
                output_tokens=result.output_tokens,
                counted_locally=True,
            )
        )
        emit(Done(result.finish))

    # ---- helpers

    async def count_tokens(self, text: str) -> int:
        """Tokens `text` takes with the loaded model's tokenizer."""
        owner = self._require_owner()
        data = text.encode("utf-8")
        return await owner.call(
            lambda: len(owner.llama.tokenize(data, add_bos=False, special=False))
        )

    async def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens the conversation takes once formatted with the model's chat template."""
        owner = self._require_owner()
        return await owner.call(lambda: len(owner.chat.tokens(messages)))

    def _require_owner(self) -> Owner:
        if self._owner is None:
            raise NoModelChosen()
        return self._owner

    async def close(self) -> None:
        """Free the model now and end its thread (a load still running is cancelled)."""
        self.cancel_load()
        async with self._lock:
            await self._close_current()

    async def _close_current(self) -> None:
        owner, self._owner = self._owner, None
        self.model = self.details = None
        self.context_length = 0
        if owner is None:
            return
        self._turn_stop.set()  # a reply still being written must not hold up the switch
        owner.shut_down()
        await asyncio.to_thread(owner.thread.join)


def _load_projector(llama: Any, projector: str, cancel: threading.Event) -> Any:
    """The vision handler with its projector loaded now, so a bad projector is said at load
    time rather than on the first picture."""
    if not Path(projector).is_file():
        raise ModelLoadFailed(
            f"The image projector file is no longer at {projector}, so this model cannot see "
            "pictures.",
        )
    try:
        handler = make_handler(llama.metadata, projector)
        init = getattr(handler, "_init_mtmd_context", None)
        if init is not None:
            init(llama)
    except Exception as err:
        if cancel.is_set():
            raise Cancelled() from err
        log.error("llama.cpp could not load the projector %s:\n%s", projector, "".join(recent_log))
        raise ModelLoadFailed(
            f"The image projector “{Path(projector).name}” could not be loaded with this model."
        ) from err
    return handler


def _load_error(details: GgufDetails, cancel: threading.Event) -> HearthError:
    """Turn llama.cpp's refusal into plain words, using what it wrote to its log."""
    if cancel.is_set():
        return Cancelled()
    said = "".join(recent_log)
    arch = details.model_info.architecture or "unknown"
    if "unknown model architecture" in said:
        return UnsupportedArchitecture(
            f"This model's architecture (“{arch}”) is not supported by the built-in engine."
        )
    if "failed to allocate" in said or "out of memory" in said:
        return NotEnoughMemory()
    log.error("llama.cpp could not load %s:\n%s", details.model_info.path, said[-4000:])
    return ModelLoadFailed()
