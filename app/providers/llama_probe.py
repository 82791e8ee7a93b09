"""Which way of running llama.cpp survives on this computer, found once in a child process.

llama.cpp picks its fastest CPU path by itself: on a processor that advertises AMX it moves
quantized weights into its AMX "extra buffer", elsewhere it repacks them for wider vector kernels.
A virtual machine can advertise AMX that then faults, and the process dies of a signal (SIGILL or
SIGSEGV) at the first reply: the window vanishes with the reply in flight. So before the first
load, a child process (this same program, `--llama-probe`) generates a few tokens from a tiny
model holding every common quantization type, for each configuration in turn: extra buffers on,
then off, then — in builds that carry several CPU backend libraries — more portable ones. The first
that survives is remembered per llama.cpp build and CPU in `llama-cpu.json` in the data folder,
and every load uses it. If none survives, loading fails in plain words and nothing else changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from app.core.errors import Cancelled, ModelLoadFailed
from app.providers.llama_glue import backend_files, use_cpu_backend

log = logging.getLogger(__name__)

PROBE_ARG = "--llama-probe"  # hidden: handled first thing by app.__main__
CACHE_NAME = "llama-cpu.json"
# Tests only: configurations (comma-separated names, or "all") whose child kills itself with
# SIGILL, standing in for a processor that faults, since a test cannot choose its CPU.
CRASH_ENV = "HEARTH_PROBE_CRASH"
CHILD_TIMEOUT = 180.0  # seconds; a frozen app's first start can be slow on a busy machine
_OK_LINE = "hearth-probe: ok"
# More portable first: llama.cpp's GGML_CPU_ALL_VARIANTS names, AVX2 before AVX before SSE4.2.
_PORTABLE_VARIANTS = ("haswell", "sandybridge", "sse42", "x64")
# Windows reports a crash as an NTSTATUS exit code (0xC000001D illegal instruction, ...).
_WINDOWS_CRASH = 0xC0000000


class NoWorkingConfiguration(ModelLoadFailed):
    message = (
        "Hearth's built-in engine does not work with this computer's processor, so models "
        "can't run on this computer."
    )
    action = "Your chats are safe. You can still use a cloud model (Settings → Providers)."


@dataclass(frozen=True, slots=True)
class CpuConfig:
    name: str
    use_extra_bufts: bool = True  # llama.cpp's AMX / repacked weight buffers
    cpu_backend: str | None = None  # a libggml-cpu-<variant> file to run on, in DL builds

    def describe(self) -> str:
        parts = ["extra buffers on" if self.use_extra_bufts else "extra buffers off"]
        if self.cpu_backend:
            parts.append(f"CPU backend {Path(self.cpu_backend).name}")
        return ", ".join(parts)


SAFE = CpuConfig("no_extra_bufts", use_extra_bufts=False)


# ---- what the answer depends on --------------------------------------------------------------


def llama_lib_dir() -> Path | None:
    """llama_cpp/lib, found without importing llama_cpp (which loads the library)."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).parent / "lib"
    return folder if folder.is_dir() else None


def _libraries(folder: Path | None) -> list[Path]:
    if folder is None:
        return []
    return sorted(p for p in folder.iterdir() if "ggml" in p.name or "llama" in p.name)


def cpu_backends(folder: Path | None) -> dict[str, Path]:
    """The per-CPU-generation backend libraries of a GGML_BACKEND_DL build, portable first."""
    found = {}
    for path in backend_files(folder) if folder else ():
        stem = path.name.split(".")[0].removeprefix("lib")  # ggml-cpu-haswell
        found.setdefault(stem.removeprefix("ggml-cpu-"), path)
    return {v: found[v] for v in _PORTABLE_VARIANTS if v in found}


def candidates(folder: Path | None) -> list[CpuConfig]:
    configs = [CpuConfig("extra_bufts"), SAFE]
    for variant, backend in cpu_backends(folder).items():
        configs.append(CpuConfig(f"cpu_{variant}", False, str(backend)))
    return configs


def _cpu_description() -> str:
    """The processor's model and feature flags (Linux: /proc/cpuinfo; macOS: sysctl)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    if sys.platform == "darwin":
        keys = ("machdep.cpu.brand_string", "machdep.cpu.features", "hw.optional.arm64")
        text = "\n".join(_sysctl(key) for key in keys)
        return "\n".join([platform.machine(), text])
    wanted = ("model name", "flags", "Features", "vendor_id", "cpu family", "model\t")
    first = text.split("\n\n", 1)[0].splitlines()  # the first processor is enough
    first = [line.strip() for line in first if line.startswith(wanted)]
    return "\n".join([platform.machine(), platform.processor(), *first])


def _sysctl(key: str) -> str:
    try:
        done = subprocess.run(["sysctl", "-n", key], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"{key}: {done.stdout.strip()}"


@cache
def identity() -> dict:
    """llama.cpp build (version, each library's size and time) + CPU (model, feature flags)."""
    folder = llama_lib_dir()
    libs = []
    for path in _libraries(folder):
        stat = path.stat()
        libs.append([path.name, stat.st_size, stat.st_mtime_ns])
    try:
        from importlib.metadata import version

        llama_version = version("llama-cpp-python")
    except Exception:  # noqa: BLE001 - a frozen bundle may lack the metadata
        llama_version = "unknown"
    build = hashlib.sha256(json.dumps(libs).encode()).hexdigest()[:16]
    cpu = hashlib.sha256(_cpu_description().encode()).hexdigest()[:16]
    return {"llama_cpp": llama_version, "build": build, "cpu": cpu}


def identity_key() -> str:
    return hashlib.sha256(json.dumps(identity(), sort_keys=True).encode()).hexdigest()[:20]


# ---- the remembered answer -------------------------------------------------------------------

_memory: dict[str, dict] = {}  # this process's answers: probed once per process at most
_lock = threading.Lock()


def _read(folder: Path | None) -> dict:
    if folder is None:
        return dict(_memory)
    try:
        data = json.loads((folder / CACHE_NAME).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(folder: Path | None, key: str, entry: dict) -> None:
    if folder is None:
        return
    data = _read(folder)
    data[key] = entry
    path = folder / CACHE_NAME
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        log.warning("could not remember the llama.cpp configuration in %s", path, exc_info=True)


def remembered(folder: Path | None) -> dict | None:
    entry = _read(folder).get(identity_key()) or _memory.get(identity_key())
    return entry if isinstance(entry, dict) and "config" in entry else None


def _config_from(entry: dict) -> CpuConfig | None:
    chosen = entry.get("config")
    if not isinstance(chosen, dict):
        return None
    try:
        return CpuConfig(**chosen)
    except TypeError:
        return None


# ---- finding the answer ----------------------------------------------------------------------


def working_config(folder: Path | None, cancel: threading.Event | None = None) -> CpuConfig:
    """The configuration to load models with: remembered, else probed now (seconds, once).

    Raises NoWorkingConfiguration when every configuration crashed, Cancelled when cancelled.
    """
    with _lock:
        entry = remembered(folder)
        if entry is None:
            entry = probe(folder, cancel)
    config = _config_from(entry)
    if config is None:
        raise NoWorkingConfiguration()
    return config


def applied_config(folder: Path | None, cancel: threading.Event | None = None) -> CpuConfig:
    """working_config(), its CPU backend chosen before llama.cpp is imported: what every load
    (a chat model, an embedding model) calls before llama.cpp touches a weight."""
    config = working_config(folder, cancel)
    if config.cpu_backend and not use_cpu_backend(config.cpu_backend):
        log.warning("llama.cpp is already loaded; %s applies after a restart", config)
    return config


def probe(folder: Path | None, cancel: threading.Event | None = None) -> dict:
    """Try each configuration in a child process; remember and return the outcome."""
    cancel = cancel or threading.Event()
    tried: dict[str, str] = {}
    chosen: CpuConfig | None = None
    inconclusive = False
    with tempfile.TemporaryDirectory(prefix="hearth-probe-") as tmp:
        from app.providers.llama_probe_model import write_probe_model

        model = write_probe_model(Path(tmp) / "probe.gguf")
        for config in candidates(llama_lib_dir()):
            outcome, crashed = run_child(config, model, cancel)
            tried[config.name] = outcome
            log.info("llama.cpp probe, %s: %s", config.describe(), outcome)
            if outcome == "ok":
                chosen = config
                break
            inconclusive = inconclusive or not crashed
    entry = {
        "config": asdict(chosen) if chosen else None,
        "tried": tried,
        **identity(),
        "checked": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if chosen is None and inconclusive:
        # The probe itself could not run (no child process, a timeout): that says nothing about
        # the CPU, so nothing is remembered and this load takes the safer configuration.
        log.warning("llama.cpp probe inconclusive (%s); using %s", tried, SAFE.describe())
        entry["config"] = asdict(SAFE)
        _memory[identity_key()] = entry  # asked again in the next session, not at every load
        return entry
    _memory[identity_key()] = entry  # this process needs no second probe, whatever the folder
    _write(folder, identity_key(), entry)
    return entry


def child_command(config: CpuConfig, model: Path) -> tuple[list[str], dict[str, str]]:
    """This program in probe mode: the frozen executable itself, or `python -m app`."""
    env = dict(os.environ)
    args = [PROBE_ARG, json.dumps(asdict(config)), str(model)]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args], env
    import app

    root = str(Path(app.__file__).resolve().parent.parent)  # the same code as this process
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return [sys.executable, "-m", "app", *args], env


def run_child(config: CpuConfig, model: Path, cancel: threading.Event) -> tuple[str, bool]:
    """("ok", False), or what went wrong and whether it was a crash (a signal)."""
    cmd, env = child_command(config, model)
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    try:
        child = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            creationflags=flags,
        )
    except OSError as err:
        return f"could not start ({err})", False
    deadline = time.monotonic() + CHILD_TIMEOUT
    while True:
        try:
            out, err = child.communicate(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            if cancel.is_set() or time.monotonic() > deadline:
                child.kill()
                child.communicate()
                if cancel.is_set():
                    raise Cancelled() from None
                return "timed out", False
    code = child.returncode
    said = err.decode("utf-8", "replace")[-2000:]
    if code == 0 and _OK_LINE in out.decode("utf-8", "replace"):
        return "ok", False
    if code < 0 or code >= _WINDOWS_CRASH:
        log.info("llama.cpp probe child (%s) crashed; it said:\n%s", config.name, said)
        return f"crashed ({_signal_name(code)})", True
    log.warning("llama.cpp probe child (%s) failed with %s:\n%s", config.name, code, said)
    return f"failed (exit status {code})", False


def _signal_name(code: int) -> str:
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code:#x}"


# ---- the child -------------------------------------------------------------------------------


def child_main(argv: list[str]) -> int:
    """`hearth --llama-probe CONFIG MODEL`: load MODEL that way and generate a few tokens."""
    config = CpuConfig(**json.loads(argv[0]))
    from app.providers import llama_glue

    if config.cpu_backend:
        llama_glue.use_cpu_backend(config.cpu_backend)
    llama = llama_glue.llama_class()(
        argv[1],
        on_progress=lambda _fraction: True,
        use_extra_bufts=config.use_extra_bufts,
        n_ctx=128,
        n_threads=2,
        n_threads_batch=2,
        verbose=False,
    )
    crash = {n.strip() for n in os.environ.get(CRASH_ENV, "").split(",")}
    if config.name in crash or "all" in crash:
        signal.raise_signal(signal.SIGILL)  # the stand-in for a faulting CPU (tests only)
    # A prompt batch and single-token steps: the two kinds of quantized matrix kernels.
    llama.create_completion("ab ac ad ae af ag", max_tokens=4, temperature=0.0)
    llama.close()
    print(_OK_LINE, flush=True)
    return 0
