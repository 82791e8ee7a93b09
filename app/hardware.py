"""What this computer can run: memory, cores, GPU, and whether a model file will run well here.

Detection: RAM through psutil; NVIDIA GPUs through NVML, loaded with ctypes from the driver's own
library (libnvidia-ml / nvml.dll) so no extra package is needed and a machine without the driver
simply has no GPU; Apple silicon through sysctl (its GPU shares the RAM: "unified memory").

The estimate is deliberately simple and stated as such to the user:
- memory needed = weights (the file size) + KV cache (bytes per token × context) + llama.cpp's
  working buffers (the engine's own OVERHEAD_BYTES);
- speed: generating a token reads every weight once, so tokens/second ≈ usable memory bandwidth ÷
  bytes of weights. Assumed bandwidths: NVIDIA from NVML's memory clock and bus width (else 300
  GB/s), Apple by chip (M1 68 GB/s … Max 400 GB/s), CPU RAM 6 GB/s per physical core, at most 30
  GB/s (dual-channel DDR4/DDR5 as llama.cpp actually reaches it). 70 % of that is reached. Split
  between GPU and CPU, the two times add up. Prompt reading and long contexts are slower.
- "runs well": fits in memory and ≥ RUNS_WELL_TPS tokens/second (faster than reading speed);
  "will be slow": fits, but slower (CPU only, or only partly on the GPU), or only with a shorter
  context; "won't fit": not even with a minimal context.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import platform
import re
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import psutil

from app.core.chat import human_bytes
from app.providers.llama_local import (
    DEFAULT_MAX_CONTEXT,
    MIN_CONTEXT,
    OVERHEAD_BYTES,
    available_memory,
    default_threads,
)

log = logging.getLogger(__name__)

Verdict = Literal["runs well", "will be slow", "won't fit"]
RUNS_WELL_TPS = 8.0
EFFICIENCY = 0.7
CPU_BANDWIDTH_PER_CORE = 6e9
CPU_BANDWIDTH_MAX = 30e9
NVIDIA_DEFAULT_BANDWIDTH = 300e9
RAM_SHARE = 0.85  # the OS and the window keep the rest
VRAM_SHARE = 0.9  # the driver and the desktop keep the rest
APPLE_GPU_SHARE = 0.7  # macOS lets Metal use about this much of the unified memory
# Apple chips' memory bandwidth in bytes/second, by the name sysctl reports.
APPLE_BANDWIDTH = {
    "M1": 68e9, "M1 Pro": 200e9, "M1 Max": 400e9, "M1 Ultra": 800e9,
    "M2": 100e9, "M2 Pro": 200e9, "M2 Max": 400e9, "M2 Ultra": 800e9,
    "M3": 100e9, "M3 Pro": 150e9, "M3 Max": 400e9, "M3 Ultra": 800e9,
    "M4": 120e9, "M4 Pro": 273e9, "M4 Max": 546e9,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Gpu:
    kind: Literal["nvidia", "apple"]
    name: str
    memory_total: int
    memory_free: int
    bandwidth: float  # bytes/second, theoretical

    @property
    def unified(self) -> bool:
        return self.kind == "apple"


@dataclass(frozen=True, slots=True)
class Hardware:
    ram_total: int
    ram_available: int
    cpu_cores: int
    cpu_threads: int
    gpu: Gpu | None = None
    # Whether the installed llama.cpp can use the GPU (None: not checked, assumed yes).
    engine_gpu: bool | None = None

    @property
    def usable_gpu(self) -> Gpu | None:
        return self.gpu if self.gpu is not None and self.engine_gpu is not False else None

    @property
    def cpu_bandwidth(self) -> float:
        return min(CPU_BANDWIDTH_MAX, CPU_BANDWIDTH_PER_CORE * max(1, self.cpu_cores))

    def summary(self) -> str:
        """ "16.0 GB memory (9.1 GB free), 8 cores, NVIDIA GeForce RTX 3060 (12.0 GB)"."""
        parts = [
            f"{human_bytes(self.ram_total)} memory ({human_bytes(self.ram_available)} free)",
            f"{self.cpu_cores} cores",
        ]
        if self.gpu is not None and self.gpu.unified:
            parts.append(f"{self.gpu.name} (shares the memory)")
        elif self.gpu is not None:
            parts.append(f"{self.gpu.name} ({human_bytes(self.gpu.memory_total)})")
        else:
            parts.append("no graphics card Hearth can use")
        return ", ".join(parts)


class ModelFile(Protocol):
    """What fit() needs to know about a file: catalog entries and Hub files both have it."""

    @property
    def size_bytes(self) -> int | None: ...

    parameters: int | None
    context_length: int | None
    kv_bytes_per_token: int | None
    quant: str | None


@dataclass(frozen=True, slots=True)
class Fit:
    verdict: Verdict
    needed_bytes: int
    available_bytes: int  # memory usable for the model right now (free RAM + free GPU memory)
    est_tokens_per_s: float | None
    explanation: str
    context: int
    gpu_share: float = 0.0  # the part of the model the GPU would hold

    @property
    def runs_well(self) -> bool:
        return self.verdict == "runs well"


# -- detection ------------------------------------------------------------------------------------


def detect(*, probe_engine: bool = False) -> Hardware:
    """This computer now. probe_engine imports llama.cpp (slow) to ask if it can use a GPU."""
    memory = psutil.virtual_memory()
    gpu = detect_nvidia() or detect_apple(memory.total)
    return Hardware(
        ram_total=memory.total,
        ram_available=available_memory(),
        cpu_cores=default_threads(),
        cpu_threads=psutil.cpu_count(logical=True) or default_threads(),
        gpu=gpu,
        engine_gpu=engine_supports_gpu() if probe_engine and gpu else None,
    )


def engine_supports_gpu() -> bool | None:
    try:
        # Through the glue: a GGML_BACKEND_DL build's GPU backend is registered from there.
        from app.providers.llama_glue import llama_cpp_module

        return bool(llama_cpp_module().llama_supports_gpu_offload())
    except Exception:  # no engine, or one too old to say
        log.info("Could not ask llama.cpp about GPU support", exc_info=True)
        return None


class _NvmlMemory(ctypes.Structure):
    _fields_ = [("total", ctypes.c_ulonglong), ("free", ctypes.c_ulonglong),
                ("used", ctypes.c_ulonglong)]  # fmt: skip


NVML_CLOCK_MEM = 2


@functools.cache
def _nvml() -> Any | None:
    names = ["nvml.dll"] if sys.platform == "win32" else ["libnvidia-ml.so.1", "libnvidia-ml.so"]
    found = ctypes.util.find_library("nvidia-ml")
    for name in [*names, *([found] if found else [])]:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        if lib.nvmlInit_v2() == 0:
            return lib
    return None


def detect_nvidia() -> Gpu | None:
    """The NVIDIA GPU with the most memory, through the driver's NVML library, or None."""
    try:
        lib = _nvml()
        if lib is None:
            return None
        count = ctypes.c_uint(0)
        if lib.nvmlDeviceGetCount_v2(ctypes.byref(count)) != 0:
            return None
        gpus = [g for g in (_nvidia_device(lib, i) for i in range(count.value)) if g]
        return max(gpus, key=lambda g: g.memory_total, default=None)
    except (OSError, AttributeError, ValueError):
        log.info("NVML query failed", exc_info=True)
        return None


def _nvidia_device(lib: Any, index: int) -> Gpu | None:
    handle = ctypes.c_void_p()
    if lib.nvmlDeviceGetHandleByIndex_v2(index, ctypes.byref(handle)) != 0:
        return None
    memory = _NvmlMemory()
    if lib.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) != 0:
        return None
    name = ctypes.create_string_buffer(96)
    lib.nvmlDeviceGetName(handle, name, 96)
    bus, clock = ctypes.c_uint(0), ctypes.c_uint(0)
    bandwidth = NVIDIA_DEFAULT_BANDWIDTH
    if (
        lib.nvmlDeviceGetMemoryBusWidth(handle, ctypes.byref(bus)) == 0
        and lib.nvmlDeviceGetMaxClockInfo(handle, NVML_CLOCK_MEM, ctypes.byref(clock)) == 0
        and bus.value
        and clock.value
    ):
        bandwidth = 2 * clock.value * 1e6 * bus.value / 8  # double data rate
    return Gpu(
        kind="nvidia",
        name=name.value.decode(errors="replace") or "NVIDIA GPU",
        memory_total=int(memory.total),
        memory_free=int(memory.free),
        bandwidth=bandwidth,
    )


def detect_apple(ram_total: int, *, system: str | None = None, machine: str | None = None):
    """Apple silicon's GPU, which uses the same memory as the CPU; None elsewhere."""
    if (system or platform.system()) != "Darwin" or (machine or platform.machine()) != "arm64":
        return None
    chip = _sysctl("machdep.cpu.brand_string") or "Apple silicon"
    usable = int(ram_total * APPLE_GPU_SHARE)
    return Gpu("apple", chip, usable, usable, apple_bandwidth(chip))


def apple_bandwidth(chip: str) -> float:
    m = re.search(r"\b(M\d)(?:\s+(Pro|Max|Ultra))?\b", chip)
    key = " ".join(p for p in (m.groups() if m else ()) if p)
    return APPLE_BANDWIDTH.get(key, 100e9)


def _sysctl(name: str) -> str | None:
    try:
        out = subprocess.run(["sysctl", "-n", name], capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


# -- the estimate ---------------------------------------------------------------------------------


def kv_bytes_per_token(file: ModelFile) -> int:
    """From the file's shape when known; else about 16 KB per billion parameters (f16 cache,
    grouped-query attention as most current models use; older designs need more)."""
    if getattr(file, "kv_bytes_per_token", None):
        return int(file.kv_bytes_per_token)
    params = getattr(file, "parameters", None) or 0
    return int(min(512 * 1024, max(8 * 1024, params * 16e-6)))


def plan_memory(file: ModelFile, context: int) -> tuple[int, int]:
    """(bytes with the chosen context, bytes with the smallest usable context)."""
    weights = file.size_bytes or 0
    per_token = kv_bytes_per_token(file)
    smallest = min(MIN_CONTEXT, context)
    return weights + OVERHEAD_BYTES + context * per_token, weights + OVERHEAD_BYTES + (
        smallest * per_token
    )


def fit(file: ModelFile, hardware: Hardware, *, context: int | None = None) -> Fit:
    """Will this file run here, how fast, and why — for a catalog entry or a search result."""
    trained = getattr(file, "context_length", None) or DEFAULT_MAX_CONTEXT
    context = min(context or DEFAULT_MAX_CONTEXT, trained)
    needed, minimal = plan_memory(file, context)
    weights = file.size_bytes or 0
    gpu = hardware.usable_gpu
    ram_capacity = int(hardware.ram_total * RAM_SHARE)
    if gpu is not None and gpu.unified:
        capacity, gpu_room = ram_capacity, min(gpu.memory_total, ram_capacity)
    else:
        gpu_room = int(gpu.memory_total * VRAM_SHARE) if gpu else 0
        capacity = ram_capacity + gpu_room
    available = hardware.ram_available + (gpu.memory_free if gpu and not gpu.unified else 0)
    if minimal > capacity:
        return Fit(
            "won't fit",
            needed,
            available,
            None,
            f"Needs about {human_bytes(minimal)} of memory; this computer has "
            f"{human_bytes(hardware.ram_total)}" + (f" plus {gpu.name}" if gpu else "") + ".",
            context,
        )
    share = min(1.0, gpu_room / needed) if gpu and needed else 0.0
    tps = _tokens_per_second(weights, share, gpu, hardware)
    fast = tps >= RUNS_WELL_TPS and needed <= capacity
    verdict: Verdict = "runs well" if fast else "will be slow"
    return Fit(
        verdict,
        needed,
        available,
        round(tps, 1),
        _explain(verdict, needed, capacity, available, tps, share, gpu, context),
        context,
        share,
    )


def _tokens_per_second(weights: int, share: float, gpu: Gpu | None, hw: Hardware) -> float:
    if weights <= 0:
        return 0.0
    seconds = weights * (1 - share) / (hw.cpu_bandwidth * EFFICIENCY)
    if gpu is not None and share:
        seconds += weights * share / (gpu.bandwidth * EFFICIENCY)
    return 1.0 / seconds


def _explain(
    verdict: Verdict,
    needed: int,
    capacity: int,
    available: int,
    tps: float,
    share: float,
    gpu: Gpu | None,
    context: int,
) -> str:
    where = (
        f"on {gpu.name}"
        if gpu and share >= 1
        else f"partly on {gpu.name} ({share:.0%}), the rest on the processor"
        if gpu and share > 0
        else "on the processor only (no graphics card used)"
    )
    words = [f"Needs about {human_bytes(needed)} of memory with room for {context:,} tokens,"]
    words.append(f"runs {where} at roughly {tps:.0f} tokens (word pieces) a second.")
    if needed > capacity:
        words.append("It fits only with a shorter conversation memory (context).")
    elif verdict == "will be slow":
        words.append("Replies will appear slowly, slower than you read.")
    if needed > available:
        words.append(f"Right now only {human_bytes(available)} is free: close other programs.")
    return " ".join(words)


def recommend_quant(
    files: Iterable[ModelFile], hardware: Hardware, *, context: int | None = None
) -> ModelFile | None:
    """The best-quality file that runs well here, else the fastest that runs at all, else None.

    Quality follows size for the same model; 16/32-bit files are left out: next to Q8_0 they
    double the size and the memory for no difference a person would notice in chat.
    """
    files = list(files)
    candidates = [f for f in files if (f.quant or "").upper() not in ("F16", "BF16", "F32")]
    judged = [(fit(f, hardware, context=context).verdict, f) for f in candidates or files]
    well = [f for verdict, f in judged if verdict == "runs well"]
    if well:
        return max(well, key=lambda f: f.size_bytes or 0)
    slow = [f for verdict, f in judged if verdict == "will be slow"]
    return min(slow, key=lambda f: f.size_bytes or 0) if slow else None
