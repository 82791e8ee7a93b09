"""Benchmark of the local API server (app/server) on a generated ~0.4B llama GGUF and a loopback
cloud wire server.

(a) decode tokens/s for one client streaming through the server ÷ the same generation through
    the engine directly (ModelService's LocalEngine.stream_chat); goal >= 0.97. Interleaved runs,
    medians.
(b) time to first byte of a streamed local reply through the server (headers + role chunk) and
    to the first text chunk.
(c) latency the server adds per request for a cloud model: the same scripted wire-server reply
    fetched directly and through the server (non-streamed, OpenAI SDK-shaped body); goal <= 5 ms
    at p50.

Run: .venv/bin/python bench/bench_server.py   (about two minutes on two cores)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from app import secrets  # noqa: E402
from app.core.chat import ChatMessage, ChatRequest  # noqa: E402
from app.core.events import TextDelta  # noqa: E402
from tests.gguf_factory import REALISTIC, write_tiny_gguf  # noqa: E402
from tests.wire_servers import (  # noqa: E402
    WireServer,
    encode_sse,
    openai_events,
    openai_usage,
    sse_reply,
)

N_TOKENS = 64
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CLOUD_REQUESTS = 60
PROMPT = "Write a long story about a lighthouse keeper and the sea."


async def engine_rate(services, model) -> float:
    backend = await services.models.backend_for(model)
    request = ChatRequest(
        messages=(ChatMessage("user", PROMPT),), temperature=0.0, max_tokens=N_TOKENS, seed=1
    )
    first = last = None
    count = 0
    async for event in backend.stream_chat(request):
        if isinstance(event, TextDelta):
            last = time.perf_counter()
            first = first or last
            count += 1
    if os.environ.get("BENCH_DEBUG"):
        print("engine", count, last - first)
    return (count - 1) / (last - first)


async def server_rate(base: str, model_id: str) -> tuple[float, float, float]:
    body = {
        "model": model_id,
        "messages": [{"role": "user", "content": PROMPT}],
        "temperature": 0.0,
        "max_tokens": N_TOKENS,
        "seed": 1,
        "stream": True,
    }
    async with httpx.AsyncClient(timeout=120) as client:
        start = time.perf_counter()
        ttfb = first = last = None
        count = 0
        async with client.stream("POST", base + "/v1/chat/completions", json=body) as response:
            async for line in response.aiter_lines():
                ttfb = ttfb or time.perf_counter()
                if (
                    line.startswith("data: {")
                    and '"content":"' in line
                    and '"content":""' not in line
                ):
                    last = time.perf_counter()
                    first = first or last
                    count += 1
    if os.environ.get("BENCH_DEBUG"):
        print("server", count, last - first)
    return (count - 1) / (last - first), ttfb - start, first - start


async def cloud_latency(base: str, wire_base: str) -> tuple[float, float]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    direct, served = [], []
    async with httpx.AsyncClient(timeout=30) as client:
        for i in range(CLOUD_REQUESTS):
            for target, out in ((wire_base, direct), (base, served)):
                sent = body | {"stream": True} if target == wire_base else body
                if target == base:
                    sent = body | {"model": "openai:gpt-4o-mini"}
                start = time.perf_counter()
                response = await client.post(target + "/v1/chat/completions", json=sent)
                await response.aread()
                if i >= 5:  # warm-up
                    out.append(time.perf_counter() - start)
    return statistics.median(direct), statistics.median(served)


async def main(folder: Path, gguf: Path, wire: WireServer) -> None:
    from app.server import front_door
    from app.services import open_services

    services = open_services(folder)
    services.server.front_door = front_door
    services.settings.set("server_cloud_models", True)
    try:
        (model,), _ = await services.models.add_from_disk([gguf])
        base = (await services.server.start(port=0)) and services.server.local_address
        await engine_rate(services, model)  # load and warm up
        engine, served, ttfbs, ttfts = [], [], [], []
        for _ in range(RUNS):
            engine.append(await engine_rate(services, model))
            rate, ttfb, ttft = await server_rate(base, model.id)
            served.append(rate)
            ttfbs.append(ttfb)
            ttfts.append(ttft)
        direct, through = await cloud_latency(base, wire.base_url)
    finally:
        await services.close()
    e, s = statistics.median(engine), statistics.median(served)
    print(f"{'measure':<52}{'median':>14}")
    print(f"{'engine directly, tokens/s':<52}{e:>14.1f}")
    print(f"{'through the server (one streaming client), tokens/s':<52}{s:>14.1f}")
    print(f"{'ratio (goal >= 0.97)':<52}{s / e:>14.3f}")
    print(f"{'time to first byte, local stream, ms':<52}{statistics.median(ttfbs) * 1000:>14.1f}")
    ttft = statistics.median(ttfts) * 1000
    print(f"{'time to first text chunk, local stream, ms':<52}{ttft:>14.1f}")
    print(f"{'cloud reply via wire server directly, ms':<52}{direct * 1000:>14.2f}")
    print(f"{'cloud reply through the server, ms':<52}{through * 1000:>14.2f}")
    print(f"{'added per request, p50 (goal <= 5 ms)':<52}{(through - direct) * 1000:>14.2f}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HEARTH_DATA_DIR"] = str(Path(tmp) / "data")
        (Path(tmp) / "data").mkdir()
        gguf = write_tiny_gguf(Path(tmp) / "bench-0.4b.gguf", n_ctx=4096, **REALISTIC)
        import keyring
        from keyrings.alt.file import PlaintextKeyring

        kr = PlaintextKeyring()
        kr.file_path = str(Path(tmp) / "keys.cfg")
        keyring.set_keyring(kr)
        secrets.set_session_key("openai", "sk-bench-0123456789abcdefghijklmnop")
        with WireServer() as wire:
            os.environ["HEARTH_OPENAI_BASE_URL"] = wire.base_url + "/v1"
            stream = encode_sse(openai_events(["Hello", " there"], usage=openai_usage(9, 2)))
            wire.script("POST", "/v1/chat/completions", sse_reply([stream]))
            asyncio.run(main(Path(tmp) / "data", gguf, wire))
