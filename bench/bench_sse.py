"""How long an SSE event takes from the server's socket write to a TextDelta in Hearth.

A loopback server (tests/wire_servers.py), running in its own process like a real server,
stamps each OpenAI-format event with the moment it writes it (time.monotonic_ns, a system-wide
clock), and the real provider code (httpx + httpx-sse + OpenAICompatBackend) measures when the
matching TextDelta comes out of `stream_chat`. This is the network-to-event leg of "token on
screen"; the UI adds its own leg.

    .venv/bin/python bench/bench_sse.py [--events 2000]

Goal: p99 <= 20 ms. Exits 1 when a scenario misses it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.chat import ChatMessage, ChatRequest  # noqa: E402
from app.core.events import TextDelta  # noqa: E402
from app.providers.openai_compat import OpenAICompatBackend  # noqa: E402
from app.providers.registry import get_provider  # noqa: E402
from tests.wire_servers import WireServer, sse_reply  # noqa: E402

GOAL_P99_MS = 20.0

# name, then how the server writes: pause between writes, writes per event, events per write.
SCENARIOS = [
    ("paced 2 ms (~500 tok/s)", dict(pause=0.002)),
    ("paced, split in 3 writes, CRLF", dict(pause=0.002, split=3, newline="\r\n")),
    ("25 events per write every 25 ms", dict(pause=0.025, batch=25)),
    ("back to back (throughput)", dict(pause=0.0)),
]


def _event(stamp_ns: int, newline: str) -> bytes:
    chunk = {"choices": [{"index": 0, "delta": {"content": f"{stamp_ns} "}}]}
    return f"data: {json.dumps(chunk)}{newline}{newline}".encode()


def stamped_stream(
    count: int, *, pause: float, split: int = 1, batch: int = 1, newline: str = "\n"
) -> Callable[[], AsyncIterator[bytes]]:
    """Events stamped at write time. `split` > 1 cuts each event into that many TCP writes;
    `batch` > 1 puts that many events in one write (a proxy or congested link coalescing)."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(0, count, batch):
            data = b"".join(_event(time.monotonic_ns(), newline) for _ in range(batch))
            step = -(-len(data) // split)
            for i in range(0, len(data), step):
                yield data[i : i + step]
            if pause:
                await asyncio.sleep(pause)
        yield f"data: [DONE]{newline}{newline}".encode()

    return chunks


def serve(conn, count: int) -> None:
    """The server process: one scripted stream per scenario, under /s<index>/v1."""
    with WireServer() as server:
        for i, (_, how) in enumerate(SCENARIOS):
            path = f"/s{i}/v1/chat/completions"
            server.script("POST", path, sse_reply(stamped_stream(count, **how)))
        conn.send(server.port)
        conn.recv()  # until the bench is done


async def measure(base_url: str) -> tuple[list[float], float]:
    backend = OpenAICompatBackend(get_provider("custom"), "bench", base_url, None)
    request = ChatRequest(messages=(ChatMessage("user", "go"),))
    latencies = []
    started = time.perf_counter()
    async for event in backend.stream_chat(request):
        if isinstance(event, TextDelta):
            latencies.append((time.monotonic_ns() - int(event.text)) / 1e6)
    return latencies, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    n = parser.parse_args().events
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(theirs, n))
    server.start()
    try:
        port = ours.recv()
        results = [
            (name, *asyncio.run(measure(f"http://127.0.0.1:{port}/s{i}/v1")))
            for i, (name, _) in enumerate(SCENARIOS)
        ]
    finally:
        ours.send("stop")
        server.join(10)
    return report(n, results)


def report(n: int, results: list[tuple[str, list[float], float]]) -> int:
    print(f"\nSSE write -> TextDelta latency over loopback, {n} events each (ms)\n")
    print(f"{'scenario':34} {'events':>6} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7} {'mean':>7}")
    for name, lat, _ in results:
        p50, p90, p99 = (percentile(lat, p) for p in (50, 90, 99))
        print(
            f"{name:34} {len(lat):>6} {p50:>7.3f} {p90:>7.3f} {p99:>7.3f} "
            f"{max(lat):>7.3f} {statistics.fmean(lat):>7.3f}"
        )
    *paced, (_, flood, seconds) = results
    print(
        f"\nthroughput back to back: {len(flood) / seconds:,.0f} events/s (that row's latency "
        "is time spent queued behind earlier events, not per-event cost)"
    )
    worst = max(percentile(lat, 99) for _, lat, _ in paced)
    verdict = "meets" if worst <= GOAL_P99_MS else "MISSES"
    print(f"worst paced p99 {worst:.3f} ms {verdict} the {GOAL_P99_MS:.0f} ms goal")
    return 0 if worst <= GOAL_P99_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
