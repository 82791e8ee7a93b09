"""The in-process llama.cpp engine.

One daemon "owner" thread per loaded model is the only code that touches its `Llama` object
(llama-cpp-python is not thread-safe). Async callers hand it jobs; it hands events back to the
asyncio loop with `call_soon_threadsafe`. The same `Llama` stays loaded between turns, so
llama-cpp-python re-evaluates only the part of the prompt that changed since the last turn.
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
import queue
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import psutil

from app.core.chat import ChatMessage, ChatRequest, ModelInfo, human_bytes
from app.core.context import fit_to_context
from app.core.errors import (
    Cancelled,
    GenerationFailed,
    HearthError,
    ModelLoadFailed,
    NoModelChosen,
    NotEnoughMemory,
    PromptTooLong,
    UnsupportedArchitecture,
)
from app.core.events import Done, Error, Notice, StreamEvent, TextDelta, Usage
from app.providers.gguf_info import GgufDetails, read_gguf_details

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
END_OF_TURN_MARKERS = ("<|im_end|>", "<|eot_id|>", "<end_of_turn>", "<|end|>", "</s>")


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


# ---------------------------------------------------------------- llama.cpp glue

_recent_log: deque[str] = deque(maxlen=200)  # llama.cpp's own words, to explain a failed load
_keep_alive: list[Any] = []  # ctypes callbacks must outlive every call from C
# ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation. llama.cpp logs an error for
# every batch our Stop aborts, so its errors go to the log file at INFO, never to the console;
# a load that fails logs what llama.cpp said at ERROR itself (see _load_error).
_GGML_LEVELS = {4: logging.INFO}


def _on_llama_log(level: int, text: bytes, _user_data: Any) -> None:
    # Called from C: it must never raise.
    try:
        message = text.decode("utf-8", errors="replace")
        _recent_log.append(message)
        if message.strip():
            log.log(_GGML_LEVELS.get(level, logging.DEBUG), "llama.cpp: %s", message.rstrip())
    except Exception:  # noqa: BLE001
        pass


@cache
def _llama_cpp() -> Any:
    """Import llama_cpp on first use (it loads a large shared library), logging to our log."""
    import llama_cpp

    callback = llama_cpp.llama_log_callback(_on_llama_log)
    _keep_alive.append(callback)
    llama_cpp.llama_log_set(callback, None)  # instead of llama-cpp-python's print to stderr
    return llama_cpp


@cache
def _llama_class() -> type:
    """`Llama` plus a load-progress hook, an abort hook and a count of prompt tokens evaluated."""
    llama_cpp = _llama_cpp()

    class HearthLlama(llama_cpp.Llama):
        def __init__(self, model_path: str, *, on_progress: Callable[[float], bool], **kwargs):
            self._c_progress = llama_cpp.llama_progress_callback(
                lambda fraction, _data: _call_safely(on_progress, fraction, default=True)
            )
            self.should_abort: Callable[[], bool] = lambda: False
            self._c_abort = llama_cpp.ggml_abort_callback(
                lambda _data: _call_safely(self.should_abort, default=False)
            )
            self._abort_armed = False
            self.prompt_eval_tokens: int | None = None
            super().__init__(model_path, **kwargs)

        # Llama.__init__ builds its llama_model_params and hands them straight to llama.cpp,
        # with no argument for a progress callback; the attribute assignment is the one hook.
        @property
        def model_params(self) -> Any:
            return self._model_params

        @model_params.setter
        def model_params(self, params: Any) -> None:
            params.progress_callback = self._c_progress
            self._model_params = params

        def eval(self, tokens: Sequence[int]) -> None:
            if self.prompt_eval_tokens is None:
                self.prompt_eval_tokens = len(tokens)
            # A C->Python call per graph node costs a few percent of decode speed, so the abort
            # hook is armed only for prompt batches (which can take seconds); single-token steps
            # are stopped between tokens instead.
            self._arm_abort(len(tokens) > 1)
            super().eval(tokens)

        def _arm_abort(self, armed: bool) -> None:
            if armed != self._abort_armed:
                hook = self._c_abort if armed else llama_cpp.ggml_abort_callback()
                llama_cpp.llama_set_abort_callback(self.ctx, hook, None)
                self._abort_armed = armed

    return HearthLlama


def _call_safely(fn: Callable[..., Any], *args: Any, default: bool) -> bool:
    try:
        return bool(fn(*args))
    except Exception:  # noqa: BLE001 - an exception must not cross into C
        log.exception("callback from llama.cpp failed")
        return default


def _post(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    """call_soon_threadsafe that tolerates a loop already closed (the caller went away)."""
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:
        pass


# ---------------------------------------------------------------- owner thread


class _Owner:
    """A daemon thread that alone touches one Llama; its jobs run one at a time, in order."""

    def __init__(self, name: str) -> None:
        self.llama: Any = None
        self.chat: _Chat | None = None
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
            _post(loop, settle, *result)

        self.post(job)
        return future

    def close_llama(self) -> None:
        if self.llama is not None:
            self.llama.close()  # frees weights and KV cache now, not whenever GC runs
        self.llama = self.chat = None

    def shut_down(self) -> None:
        self.post(self.close_llama)
        self._jobs.put(None)


# ---------------------------------------------------------------- one conversation turn


@dataclass(slots=True)
class _Result:
    finish: str
    output_tokens: int
    evaluated: int


class _Chat:
    """Prompt building and generation for one loaded Llama. Runs on its owner thread only."""

    def __init__(self, llama: Any, template: str) -> None:
        llama_cpp = _llama_cpp()
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = llama._model
        self.llama = llama
        self.vocab = model.vocab
        self.is_eog = llama_cpp.llama_vocab_is_eog
        eos_id, bos_id = llama.token_eos(), llama.token_bos()
        self.eos_text = model.token_get_text(eos_id) if eos_id != -1 else ""
        self.bos_text = model.token_get_text(bos_id) if bos_id != -1 else ""
        self.add_bos = bool(model.add_bos_token()) and bos_id != -1
        self.formatter = Jinja2ChatFormatter(
            template=template, eos_token=self.eos_text, bos_token=self.bos_text
        )
        # End-of-turn tokens are caught by id (llama_vocab_is_eog); these strings catch a model
        # that spells the marker out in ordinary text pieces.
        markers = {m for m in END_OF_TURN_MARKERS if m in template} | {self.eos_text}
        self.stops = tuple(m for m in markers if m)
        self._cut_at: ChatMessage | None = None  # first message kept when history was last cut

    @property
    def n_ctx(self) -> int:
        return self.llama.n_ctx()

    def render(self, messages: Sequence[ChatMessage]) -> str:
        as_dicts = [{"role": m.role, "content": m.content} for m in messages]
        try:
            return self.formatter(messages=as_dicts).prompt
        except Exception:
            # Some templates refuse a system role; fold it into the first user turn instead.
            if not any(m.role == "system" for m in messages):
                raise
            return self.formatter(messages=_fold_system_prompt(as_dicts)).prompt

    def tokens(self, messages: Sequence[ChatMessage]) -> list[int]:
        text = self.render(messages)
        add_bos = self.add_bos and not (self.bos_text and text.startswith(self.bos_text))
        return self.llama.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def fit(self, messages: Sequence[ChatMessage], reserve: int) -> tuple[list[int], int]:
        """Prompt tokens, dropping the oldest turns if needed; also how many were dropped."""
        budget = self.n_ctx - reserve
        tokens = self.tokens(messages)
        if len(tokens) <= budget:
            return tokens, 0
        # Cutting where the last turn was cut keeps the prompt's start unchanged, so the KV
        # cache still covers it; a fresh cut would make llama.cpp re-read the whole window.
        kept = self._same_cut(messages)
        if kept is not None and len(tokens := self.tokens(kept)) <= budget:
            return tokens, len(messages) - len(kept)
        # A fresh cut goes a quarter of the context deeper than needed, so the next few
        # turns fit under the same cut.
        kept, dropped = fit_to_context(
            messages,
            count_tokens=lambda ms: len(self.tokens(ms)),
            budget=max(budget - self.n_ctx // 4, 1),
        )
        tokens = self.tokens(kept)
        if len(tokens) >= self.n_ctx - 1:
            raise PromptTooLong()
        self._cut_at = next((m for m in kept if m.role != "system"), None)
        return tokens, dropped

    def _same_cut(self, messages: Sequence[ChatMessage]) -> list[ChatMessage] | None:
        rest = [m for m in messages if m.role != "system"]
        if self._cut_at is None or self._cut_at not in rest:
            return None
        system = [m for m in messages if m.role == "system"]
        return system + rest[rest.index(self._cut_at) :]

    def generate(
        self,
        prompt: list[int],
        request: ChatRequest,
        stop: threading.Event,
        emit: Callable[[StreamEvent], None],
    ) -> _Result:
        llama = self.llama
        llama.set_seed(
            request.seed if request.seed is not None else _llama_cpp().LLAMA_DEFAULT_SEED
        )
        llama.should_abort = stop.is_set
        llama.prompt_eval_tokens = None
        room = self.n_ctx - len(prompt)
        max_tokens = min(request.max_tokens or room, room)
        text = _TextStream(emit, self.stops)
        result = _Result("length", 0, 0)
        pieces = llama.generate(prompt, temp=request.temperature, top_k=40, top_p=0.95, min_p=0.05)
        try:
            for token in pieces:
                if stop.is_set():
                    result.finish = "stopped"
                    break
                if self.is_eog(self.vocab, token):
                    result.finish = "stop"
                    break
                result.output_tokens += 1
                if text.feed(llama.detokenize([token])):
                    result.finish = "stop"
                    break
                if result.output_tokens >= max_tokens:
                    break
        except RuntimeError:
            # llama_decode returns 2 when our abort hook fired; anything else is a real failure.
            if not stop.is_set():
                raise
            result.finish = "stopped"
        finally:
            pieces.close()
            llama.should_abort = lambda: False
        text.finish()
        result.evaluated = llama.prompt_eval_tokens or 0
        return result


class _TextStream:
    """Generated bytes in, text deltas out: whole UTF-8 characters only, stop strings cut off.

    Text goes out exactly as generated (an SPM model's reply may start with a space): stored
    verbatim, it re-tokenises on the next turn to the tokens already in the KV cache.
    """

    def __init__(self, emit: Callable[[StreamEvent], None], stops: Sequence[str]) -> None:
        self.emit = emit
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.matcher = _StopMatcher(stops)

    def feed(self, piece: bytes) -> bool:
        """Send what is safe to send; True when a stop string was reached."""
        text, hit = self.matcher.feed(self.decoder.decode(piece))
        self._send(text)
        return hit

    def finish(self) -> None:
        if not self.matcher.hit:
            self._send(self.matcher.flush() + self.decoder.decode(b"", final=True))

    def _send(self, text: str) -> None:
        if text:
            self.emit(TextDelta(text))


def _fold_system_prompt(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{system}\n\n{m['content']}"
            break
    return rest


class _StopMatcher:
    """Holds back text that could be the start of a stop string, so none of it leaks out."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self.pending = ""
        self.hit = False

    def feed(self, text: str) -> tuple[str, bool]:
        self.pending += text
        found = [i for i in (self.pending.find(s) for s in self.stops) if i >= 0]
        if found:
            out, self.pending, self.hit = self.pending[: min(found)], "", True
            return out, True
        keep = max((self._partial(s) for s in self.stops), default=0)
        cut = len(self.pending) - keep
        out, self.pending = self.pending[:cut], self.pending[cut:]
        return out, False

    def _partial(self, stop: str) -> int:
        for n in range(min(len(stop) - 1, len(self.pending)), 0, -1):
            if self.pending.endswith(stop[:n]):
                return n
        return 0

    def flush(self) -> str:
        out, self.pending = self.pending, ""
        return out


def _trim_notice(dropped: int) -> Notice:
    what = "1 earlier message was" if dropped == 1 else f"{dropped} earlier messages were"
    return Notice(
        kind="context_trimmed",
        text=f"{what} left out so the conversation fits the model's memory.",
    )


_END = object()


# ---------------------------------------------------------------- the engine


class LocalEngine:
    """Runs GGUF models in this process. One model at a time; the one streaming contract."""

    def __init__(self, *, n_threads: int | None = None, max_context: int = DEFAULT_MAX_CONTEXT):
        self.n_threads = n_threads or default_threads()
        self.max_context = max_context
        self.model: ModelInfo | None = None
        self.details: GgufDetails | None = None
        self.context_length = 0
        # Prompt tokens llama.cpp actually evaluated on the last turn (the rest came from cache).
        self.last_prompt_eval_tokens = 0
        self._owner: _Owner | None = None
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
            owner = _Owner(name=f"llama:{model.id}")
            loop = asyncio.get_running_loop()

            def progress(fraction: float) -> bool:
                if on_progress is not None:
                    _post(loop, on_progress, fraction)
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
        owner: _Owner,
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
        owner: _Owner,
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
        if not progress(0.0):
            raise Cancelled()
        llama_cpp = _llama_cpp()
        if n_gpu_layers is None:
            n_gpu_layers = -1 if llama_cpp.llama_supports_gpu_offload() else 0
        _recent_log.clear()
        try:
            owner.llama = _llama_class()(
                str(details.model_info.path),
                on_progress=progress,
                n_ctx=context,
                n_gpu_layers=n_gpu_layers,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                verbose=False,  # llama.cpp's chatter goes to our log file instead
            )
        except Exception as err:
            raise _load_error(details, cancel) from err
        template = owner.llama.metadata.get("tokenizer.chat_template") or CHATML_TEMPLATE
        owner.chat = _Chat(owner.llama, template)
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
            _post(loop, events.put_nowait, event)

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
        owner: _Owner,
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
            prompt, dropped = chat.fit(request.messages, reserve)
            if dropped:
                emit(_trim_notice(dropped))
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

    def _require_owner(self) -> _Owner:
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


def _load_error(details: GgufDetails, cancel: threading.Event) -> HearthError:
    """Turn llama.cpp's refusal into plain words, using what it wrote to its log."""
    if cancel.is_set():
        return Cancelled()
    said = "".join(_recent_log)
    arch = details.model_info.architecture or "unknown"
    if "unknown model architecture" in said:
        return UnsupportedArchitecture(
            f"This model's architecture (“{arch}”) is not supported by the built-in engine."
        )
    if "failed to allocate" in said or "out of memory" in said:
        return NotEnoughMemory()
    log.error("llama.cpp could not load %s:\n%s", details.model_info.path, said[-4000:])
    return ModelLoadFailed()
