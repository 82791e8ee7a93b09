"""How long preparing a 12 MP phone photo takes, and whether the event loop stays responsive.

A 4000x3000 JPEG made here (sideways with EXIF orientation 6, a GPS location, an ICC profile,
photo-like content) is prepared --runs times on a worker thread, as ChatService does
(asyncio.to_thread): decode + turn upright + scale + strip + encode, for each limit that matters.
For reference, in the same run: Pillow decoding the same file at full size, nothing else.

While each preparation runs, a 1 ms ticker on the event loop measures how late it wakes up: the
worst lateness is the longest the window would freeze (goal: p99 under 16 ms, one frame).

    .venv/bin/python bench/bench_images.py [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from app.core.images import ANTHROPIC_LIMIT, KEEP_LIMIT, OPENAI_LIMIT  # noqa: E402
from app.images.prepare import prepare_image  # noqa: E402
from tests.images.pictures import phone_photo  # noqa: E402

FRAME_MS = 16.0


def decode_only(raw: bytes) -> None:
    with Image.open(io.BytesIO(raw)) as image:
        image.load()


async def timed_with_ticker(work) -> tuple[float, float]:
    """(ms the work took on a worker thread, worst event-loop lateness in ms meanwhile)."""
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, (time.perf_counter() - before) * 1000 - 1.0)

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    await asyncio.to_thread(work)
    elapsed = (time.perf_counter() - started) * 1000
    done = True
    await tick
    return elapsed, worst


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def main(runs: int) -> int:
    raw = phone_photo(4000, 3000)
    cases = {
        "nothing (the loop's own lateness)": lambda: None,
        "Pillow decode alone (reference)": lambda: decode_only(raw),
        "prepare: keep copy (4096 px)": lambda: prepare_image(raw, KEEP_LIMIT),
        "prepare: Anthropic (1568 px)": lambda: prepare_image(raw, ANTHROPIC_LIMIT),
        "prepare: OpenAI (2048/768 px)": lambda: prepare_image(raw, OPENAI_LIMIT),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    stalls: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):  # interleaved, so every case sees the same machine load
        for name, work in cases.items():
            elapsed, worst = await timed_with_ticker(work)
            times[name].append(elapsed)
            stalls[name].append(worst)
    print(f"12 MP photo ({len(raw) / 1e6:.1f} MB JPEG), {runs} runs each, on a worker thread\n")
    print(f"{'case':34} {'median ms':>10} {'p95 ms':>8} {'loop stall median / p95 ms':>28}")
    for name in cases:
        print(
            f"{name:34} {statistics.median(times[name]):10.0f} {p95(times[name]):8.0f} "
            f"{statistics.median(stalls[name]):19.1f} / {p95(stalls[name]):6.1f}"
        )
    worst = max(p95(v) for v in stalls.values())
    verdict = "within" if worst <= FRAME_MS else "OVER"
    print(f"\nworst event-loop stall p95: {worst:.1f} ms ({verdict} one {FRAME_MS:.0f} ms frame)")
    print(f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
