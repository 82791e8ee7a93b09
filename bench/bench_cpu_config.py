"""Decode speed of each llama.cpp CPU configuration the probe can choose, on a generated Q8_0 and
Q4_0 ~0.4B llama GGUF (tests/gguf_factory.py's REALISTIC shape).

Configurations: extra buffers on (llama.cpp's default: AMX, repacked weights), extra buffers off,
and, in a GGML_BACKEND_DL build with several CPU backends, each portable backend. Every run is a
child process, so a configuration that faults on this processor is reported ("crashed
(SIGSEGV)") instead of ending the benchmark. Median of RUNS runs of N_TOKENS tokens each; the
runs of the configurations are interleaved so a busy machine slows them all alike. The reference
is the configuration Hearth's probe chooses here, measured in the same run.

Run: .venv/bin/python bench/bench_cpu_config.py [--python OTHER_VENV/bin/python] [--only A,B]
(--python measures another llama-cpp-python build, e.g. one with GGML_BACKEND_DL; about three
minutes on two cores.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.providers import llama_probe  # noqa: E402

N_TOKENS = 48
RUNS = 3
PROMPT = "a lamp burned over the cold grey water while gulls cried and ships went past"


def child(config_json: str, model: str) -> None:
    """In the child: load with the configuration, print decode tokens/s as JSON."""
    from app.providers import llama_glue

    config = llama_probe.CpuConfig(**json.loads(config_json))
    if config.cpu_backend:
        llama_glue.use_cpu_backend(config.cpu_backend)
    llama = llama_glue.llama_class()(
        model,
        on_progress=lambda _f: True,
        use_extra_bufts=config.use_extra_bufts,
        n_ctx=512,
        n_threads=os.cpu_count() or 1,
        n_threads_batch=os.cpu_count() or 1,
        verbose=False,
    )
    first = last = 0.0
    count = 0
    stream = llama.create_completion(PROMPT, max_tokens=N_TOKENS, temperature=0.0, stream=True)
    for _chunk in stream:
        last = time.perf_counter()
        first = first or last
        count += 1
    print(json.dumps({"tps": (count - 1) / (last - first) if count > 1 else 0.0}), flush=True)


def measure(python: str, config: llama_probe.CpuConfig, model: Path) -> float | str:
    cmd = [python, __file__, "--child", json.dumps(asdict(config)), str(model)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode < 0:
        return f"crashed ({llama_probe._signal_name(done.returncode)})"
    if done.returncode != 0:
        return f"failed ({done.stderr.strip().splitlines()[-1:]})"
    return json.loads(done.stdout.strip().splitlines()[-1])["tps"]


def lib_dir_of(python: str) -> Path | None:
    code = "import importlib.util as u; print(u.find_spec('llama_cpp').origin)"
    origin = subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()
    folder = Path(origin).parent / "lib"
    return folder if folder.is_dir() else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--only", help="comma-separated configuration names to measure")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from tests.gguf_factory import REALISTIC, write_tiny_gguf

    configs = llama_probe.candidates(lib_dir_of(args.python))
    # A portable backend's extra buffers are its repacked weights (no AMX): often fine, so they
    # are measured too, although the probe only falls back to these backends with them off.
    configs += [llama_probe.CpuConfig(f"{c.name}+extra", True, c.cpu_backend) for c in configs[2:]]
    if args.only:
        configs = [c for c in configs if c.name in args.only.split(",")]
    print(f"llama.cpp of {args.python}; configurations: {', '.join(c.name for c in configs)}")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("q8_0", "q4_0"):
            shape = {**REALISTIC, "weight_type": kind}
            model = write_tiny_gguf(Path(folder) / f"bench-{kind}.gguf", **shape)
            results: dict[str, list] = {c.name: [] for c in configs}
            # Unmeasured: the file was just written, and its first reading competes with the
            # disk flushing it (the first Q8_0 runs were 10-20x slower without this).
            measure(args.python, llama_probe.SAFE, model)
            for _ in range(RUNS):
                for config in configs:
                    if all(isinstance(r, float) for r in results[config.name]):
                        results[config.name].append(measure(args.python, config, model))
            for config in configs:
                got = results[config.name]
                rates = [r for r in got if isinstance(r, float)]
                shown = f"{statistics.median(rates):8.1f}" if len(rates) == len(got) else got[-1]
                rows.append((kind.upper(), config.name, config.describe(), shown))
            model.unlink()
    print(f"\ndecode tokens/s, median of {RUNS} runs of {N_TOKENS} tokens, 0.4B llama")
    print(f"{'weights':8} {'configuration':20} {'what':58} tokens/s")
    for kind, name, what, shown in rows:
        print(f"{kind:8} {name:20} {what:58} {shown}")


if __name__ == "__main__":
    main()
