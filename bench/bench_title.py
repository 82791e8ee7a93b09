"""Time to first token of a chat's second message, after its automatic title.

The window titles a new chat with the loaded local model right after the first reply. That is
another prompt on the same llama.cpp context; unless the engine puts the conversation's cache back
(ChatRequest.keep_cache, set by the title request), the second message re-reads the whole chat.

Each run: a fresh engine on a generated small llama GGUF (F16 weights, gguf_factory.SLOW),
a first reply of --reply tokens, the title exactly as HistoryService asks for it, then the
second message. Runs alternate between the title request as it is (keep_cache=True) and the
same request with keep_cache=False (the behaviour before the fix), so both see the same load.

Run: .venv/bin/python bench/bench_title.py [--runs 3] [--reply 200]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.core.chat import ChatMessage, ChatRequest  # noqa: E402
from app.core.events import TextDelta, Usage  # noqa: E402
from app.core.records import Message  # noqa: E402
from app.providers.gguf_info import read_gguf_info  # noqa: E402
from app.providers.llama_local import LocalEngine  # noqa: E402
from app.services.history import title_request  # noqa: E402
from tests.gguf_factory import SLOW, write_tiny_gguf  # noqa: E402

QUESTION = "Tell me how a lighthouse keeper spends a winter night on the rocks, step by step. " * 3


async def turn(engine: LocalEngine, request: ChatRequest) -> tuple[str, float, int]:
    """The reply's text, its time to first token in seconds, and the prompt tokens evaluated."""
    began = time.perf_counter()
    first = 0.0
    parts: list[str] = []
    evaluated = 0
    async for event in engine.stream_chat(request):
        if isinstance(event, TextDelta):
            first = first or time.perf_counter() - began
            parts.append(event.text)
        elif isinstance(event, Usage):
            evaluated = event.input_tokens - (event.cached_tokens or 0)
    return "".join(parts), first, evaluated


async def one_run(model, reply_tokens: int, keep_cache: bool) -> tuple[float, int]:
    engine = LocalEngine()
    try:
        await engine.load(model)
        ask = ChatMessage("user", QUESTION)
        reply, _, _ = await turn(
            engine, ChatRequest((ask,), temperature=0.0, max_tokens=reply_tokens)
        )
        exchange = [
            Message(1, 1, None, "user", QUESTION, None, None, "complete", ""),
            Message(2, 1, 1, "assistant", reply, None, None, "complete", ""),
        ]
        title = dataclasses.replace(title_request(exchange), keep_cache=keep_cache)
        await turn(engine, title)
        second = (ask, ChatMessage("assistant", reply), ChatMessage("user", "And then?"))
        _, ttft, evaluated = await turn(engine, ChatRequest(second, temperature=0.0, max_tokens=4))
        return ttft, evaluated
    finally:
        await engine.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reply", type=int, default=200, help="tokens in the first reply")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        shape = {**SLOW, "n_ctx": 4096}
        model = read_gguf_info(write_tiny_gguf(Path(folder) / "bench.gguf", **shape))
        results: dict[bool, list[tuple[float, int]]] = {True: [], False: []}
        for _ in range(args.runs):
            for keep in (True, False):
                results[keep].append(await one_run(model, args.reply, keep))
    print(f"second message after a {args.reply}-token first reply and the automatic title")
    print(f"{'':34}{'TTFT median':>12}{'best':>8}{'tokens read':>13}")
    for keep, label in ((True, "cache kept (now)"), (False, "title replaced the cache (before)")):
        ttfts = [t for t, _ in results[keep]]
        evaluated = results[keep][0][1]
        row = f"{statistics.median(ttfts):>10.3f} s{min(ttfts):>6.3f} s{evaluated:>13}"
        print(f"{label:34}{row}")
    ratio = statistics.median(t for t, _ in results[False]) / statistics.median(
        t for t, _ in results[True]
    )
    print(f"the fix makes the second message's first token {ratio:.1f}x sooner")


if __name__ == "__main__":
    asyncio.run(main())
