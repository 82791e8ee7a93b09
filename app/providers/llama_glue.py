"""llama.cpp glue for the in-process engine: the lazy import that routes llama.cpp's log to ours,
and a `Llama` with load-progress and abort hooks. The thread that alone touches a model is in
llama_owner; a chat turn is in llama_turn (which imports this module, never the reverse)."""

from __future__ import annotations

import ctypes
import logging
import os
from collections import deque
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

recent_log: deque[str] = deque(maxlen=200)  # llama.cpp's own words, to explain a failed load
_keep_alive: list[Any] = []  # ctypes callbacks must outlive every call from C
# ggml levels: 1 debug, 2 info, 3 warn, 4 error, 5 continuation. llama.cpp logs an error for
# every batch our Stop aborts, so its errors go to the log file at INFO, never to the console;
# a load that fails logs what llama.cpp said at ERROR itself (see llama_local._load_error).
_GGML_LEVELS = {4: logging.INFO}


def _on_llama_log(level: int, text: bytes, _user_data: Any) -> None:
    # Called from C: it must never raise.
    try:
        message = text.decode("utf-8", errors="replace")
        recent_log.append(message)
        if message.strip():
            log.log(_GGML_LEVELS.get(level, logging.DEBUG), "llama.cpp: %s", message.rstrip())
    except Exception:  # noqa: BLE001
        pass


# The CPU backend library the probe chose, in builds with one per CPU generation.
_cpu_backend_first: list[str] = []


def use_cpu_backend(path: str) -> bool:
    """Make llama.cpp run on this CPU backend library; False when it is too late (loaded)."""
    if llama_cpp_module.cache_info().currsize:
        return False
    _cpu_backend_first[:] = [path]
    return True


@cache
def llama_cpp_module() -> Any:
    """Import llama_cpp on first use (it loads a large shared library), logging to our log."""
    import llama_cpp

    callback = llama_cpp.llama_log_callback(_on_llama_log)
    _keep_alive.append(callback)
    llama_cpp.llama_log_set(callback, None)  # instead of llama-cpp-python's print to stderr
    load_backends(Path(llama_cpp.__file__).parent / "lib")
    return llama_cpp


def backend_files(lib_dir: Path) -> list[Path]:
    """The loadable backends of a GGML_BACKEND_DL build (ggml-cpu-haswell, ggml-cuda, ...)."""
    names = ("ggml-cpu-", "ggml-cuda", "ggml-metal", "ggml-vulkan", "ggml-blas", "ggml-hip")
    suffixes = (".so", ".dll", ".dylib")
    if not lib_dir.is_dir():
        return []
    found = [p for p in lib_dir.iterdir() if p.suffix in suffixes and _stem(p).startswith(names)]
    return sorted(found)


def _stem(path: Path) -> str:
    return path.name.split(".")[0].removeprefix("lib")


def load_backends(lib_dir: Path) -> None:
    """Register a GGML_BACKEND_DL build's backends from llama_cpp/lib.

    llama.cpp looks for them beside the executable and in the current folder, which here are
    Python's or the frozen app's, never llama_cpp/lib. With no backend files the backends are
    linked in and there is nothing to do. The probe's chosen CPU backend goes first: the first
    CPU device registered is the one llama.cpp uses.
    """
    files = backend_files(lib_dir)
    if not any(_stem(p).startswith("ggml-cpu-") for p in files):
        return  # not a GGML_BACKEND_DL build with CPU variants: its backends are linked in
    from llama_cpp import _ggml

    libggml = _ggml.libggml
    libggml.ggml_backend_load.argtypes = [ctypes.c_char_p]
    libggml.ggml_backend_load.restype = ctypes.c_void_p
    libggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
    libggml.ggml_backend_load_all_from_path.restype = None
    if not _cpu_backend_first:
        libggml.ggml_backend_load_all_from_path(os.fsencode(lib_dir))
        return
    chosen = [_cpu_backend_first[0]]
    others = [str(p) for p in files if not _stem(p).startswith("ggml-cpu-")]
    for path in chosen + others:
        if not libggml.ggml_backend_load(os.fsencode(path)):
            log.warning("llama.cpp could not load the backend %s", path)


@cache
def llama_class() -> type:
    """`Llama` plus a load-progress hook, an abort hook and a count of prompt tokens evaluated."""
    llama_cpp = llama_cpp_module()

    class HearthLlama(llama_cpp.Llama):
        def __init__(
            self,
            model_path: str,
            *,
            on_progress: Callable[[float], bool],
            use_extra_bufts: bool = True,
            **kwargs,
        ):
            self._use_extra_bufts = use_extra_bufts
            self._c_progress = llama_cpp.llama_progress_callback(
                lambda fraction, _data: _call_safely(on_progress, fraction, default=True)
            )
            self.should_abort: Callable[[], bool] = lambda: False
            self._c_abort = llama_cpp.ggml_abort_callback(
                lambda _data: _call_safely(self.should_abort, default=False)
            )
            self._abort_armed = False
            self.prompt_eval_tokens: int | None = None
            # A tool turn's grammar (llama_tool_grammar.ToolGrammar) for the next generate().
            self.tool_grammar: Any = None
            super().__init__(model_path, **kwargs)

        def _init_sampler(self, **kwargs: Any) -> Any:
            # Llama.generate builds its sampler chain here; its own grammar argument cannot be
            # lazy (free words until a call begins), so a tool turn builds the chain itself.
            if self.tool_grammar is None:
                return super()._init_sampler(**kwargs)
            kwargs.pop("grammar", None)  # Llama's own (non-lazy) grammar argument, unused here
            return grammar_sampler(self, self.tool_grammar, **kwargs)

        # Llama.__init__ builds its llama_model_params and hands them straight to llama.cpp,
        # with no argument for a progress callback or for llama.cpp's extra buffer types (AMX,
        # repacked weights; see llama_probe); the attribute assignment is the one hook.
        @property
        def model_params(self) -> Any:
            return self._model_params

        @model_params.setter
        def model_params(self, params: Any) -> None:
            params.progress_callback = self._c_progress
            if hasattr(params, "use_extra_bufts"):  # older llama-cpp-python has no such field
                params.use_extra_bufts = self._use_extra_bufts
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


def grammar_sampler(
    llama: Any,
    grammar: Any,
    *,
    temp: float,
    top_k: int,
    top_p: float,
    min_p: float,
    typical_p: float = 1.0,
    **_unused: Any,
) -> Any:
    """The sampler chain of Llama._init_sampler with `grammar` first (lazy when it has triggers),
    so every candidate token is checked against it before the usual cut-offs and the draw."""
    llama_cpp = llama_cpp_module()
    from llama_cpp import _internals

    sampler = _internals.LlamaSampler()
    vocab, text = llama._model.vocab, grammar.gbnf.encode("utf-8")
    if grammar.triggers:
        patterns = (ctypes.c_char_p * len(grammar.triggers))(
            *(t.encode("utf-8") for t in grammar.triggers)
        )
        no_tokens = (llama_cpp.llama_token * 0)()
        stage = llama_cpp.llama_sampler_init_grammar_lazy_patterns(
            vocab, text, b"root", patterns, len(grammar.triggers), no_tokens, 0
        )
    else:
        stage = llama_cpp.llama_sampler_init_grammar(vocab, text, b"root")
    if not stage:  # llama.cpp could not parse it (its log says why)
        raise ValueError("llama.cpp refused the tool-call grammar")
    llama_cpp.llama_sampler_chain_add(sampler.sampler, stage)
    if temp <= 0:
        sampler.add_greedy()
        return sampler
    sampler.add_top_k(top_k)
    sampler.add_typical(typical_p, 1)
    sampler.add_top_p(top_p, 1)
    sampler.add_min_p(min_p, 1)
    sampler.add_temp(temp)
    sampler.add_dist(llama._seed)
    return sampler


def _call_safely(fn: Callable[..., Any], *args: Any, default: bool) -> bool:
    try:
        return bool(fn(*args))
    except Exception:  # noqa: BLE001 - an exception must not cross into C
        log.exception("callback from llama.cpp failed")
        return default
