"""LocalEngine on real llama.cpp with tiny generated GGUF files: no mocks, except free memory."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.errors import Cancelled, NoModelChosen, NotEnoughMemory, PromptTooLong
from app.core.events import Done, Notice, StreamEvent, TextDelta, Usage
from app.providers import llama_glue, llama_local, llama_turn
from app.providers.gguf_info import read_gguf_details, read_gguf_info
from app.providers.llama_local import LocalEngine, plan_context
from tests.gguf_factory import DEFAULT_TEMPLATE, SLOW, write_tiny_gguf

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "seven",
    "wizards",
    "hex",
    "bold",
    "jackdaws",
]


def words(n: int, seed: int = 0) -> str:
    return " ".join(WORDS[(i * 7 + seed) % len(WORDS)] for i in range(n))


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def tiny(models: Path) -> ModelInfo:
    return read_gguf_info(write_tiny_gguf(models / "tiny.gguf"))


@pytest.fixture(scope="module")
def slow(models: Path) -> ModelInfo:
    return read_gguf_info(write_tiny_gguf(models / "slow.gguf", **SLOW))


def with_engine(model: ModelInfo | None, body: Callable[[LocalEngine], Awaitable[Any]], **load):
    """Run body(engine) in a fresh event loop with `model` loaded; always close the engine."""

    async def main() -> Any:
        engine = LocalEngine()
        try:
            if model is not None:
                await engine.load(model, **load)
            return await body(engine)
        finally:
            await engine.close()

    return asyncio.run(main())


def ask(*texts: str, system: str | None = None, **options) -> ChatRequest:
    """A request whose messages alternate user/assistant, starting with the user."""
    roles = ("user", "assistant")
    messages = [ChatMessage(roles[i % 2], text) for i, text in enumerate(texts)]
    if system:
        messages.insert(0, ChatMessage("system", system))
    options.setdefault("temperature", 0.0)
    return ChatRequest(tuple(messages), **options)


async def collect(engine: LocalEngine, request: ChatRequest) -> list[StreamEvent]:
    return [event async for event in engine.stream_chat(request)]


def text_of(events: list[StreamEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


def usage_of(events: list[StreamEvent]) -> Usage:
    return next(e for e in events if isinstance(e, Usage))


async def owner_free_after(engine: LocalEngine) -> float:
    """Seconds until the owner thread runs the next job (it queues behind the current turn)."""
    started = time.perf_counter()
    await engine.count_tokens("x")
    return time.perf_counter() - started


# ---------------------------------------------------------------- streaming


def test_stream_yields_deltas_then_usage_then_done(tiny: ModelInfo) -> None:
    progress: list[float] = []
    request = ask("Hello there, how are you today?", system="Be brief.", max_tokens=12)

    async def body(engine: LocalEngine):
        await asyncio.sleep(0)  # let the last progress report arrive
        return await collect(engine, request), engine.context_length

    events, context_length = with_engine(tiny, body, on_progress=progress.append)

    kinds = [type(e) for e in events]
    assert kinds[-2:] == [Usage, Done] and set(kinds[:-2]) == {TextDelta}
    assert text_of(events).strip()
    usage = usage_of(events)
    assert usage.counted_locally and usage.output_tokens == 12
    assert usage.input_tokens == expected_prompt_tokens(tiny, request)
    assert events[-1] == Done("length")
    assert context_length == tiny.context_length == 2048
    assert progress[0] == 0.0 and progress[-1] == 1.0 and progress == sorted(progress)


def expected_prompt_tokens(model: ModelInfo, request: ChatRequest) -> int:
    """Render the template independently, and count with llama.cpp's own tokenizer."""
    import llama_cpp

    prompt = jinja2.Template(DEFAULT_TEMPLATE).render(
        messages=[{"role": m.role, "content": m.content} for m in request.messages],
        add_generation_prompt=True,
    )
    vocab = llama_cpp.Llama(model.path, vocab_only=True, verbose=False)
    try:
        return len(vocab.tokenize(prompt.encode(), add_bos=True, special=True))
    finally:
        vocab.close()


def test_stream_without_a_model_is_an_error() -> None:
    events = with_engine(None, lambda engine: collect(engine, ask("hi")))
    assert len(events) == 1 and isinstance(events[0].error, NoModelChosen)


def test_second_turn_reuses_the_cached_prefix(tiny: ModelInfo) -> None:
    first = ask(words(40), max_tokens=16)

    async def body(engine: LocalEngine):
        turn1 = await collect(engine, first)
        second = ask(words(40), text_of(turn1), "And then?", max_tokens=16)
        turn2 = await collect(engine, second)
        return turn1, turn2, engine.last_prompt_eval_tokens, second

    turn1, turn2, evaluated, second = with_engine(tiny, body)
    usage1, usage2 = usage_of(turn1), usage_of(turn2)
    assert usage2.cached_tokens >= usage1.input_tokens
    assert evaluated == usage2.input_tokens - usage2.cached_tokens
    assert evaluated < usage2.input_tokens
    # The cached path must write exactly what a cold engine writes for the same conversation.
    cold = with_engine(tiny, lambda engine: collect(engine, second))
    assert text_of(turn2) == text_of(cold)


def test_a_title_between_turns_keeps_the_conversations_cache(tiny: ModelInfo) -> None:
    """The automatic title runs another prompt on the same engine; afterwards the second turn
    still evaluates only its new tokens, and writes what a cold engine writes."""
    from app.core.records import Message
    from app.services.history import title_request

    first = ask(words(60), max_tokens=24)

    async def body(engine: LocalEngine):
        turn1 = await collect(engine, first)
        said = {"user": words(60), "assistant": text_of(turn1)}
        exchange = [
            Message(i, 1, None, role, text, None, None, "complete", "")
            for i, (role, text) in enumerate(said.items())
        ]
        title = await collect(engine, title_request(exchange))
        second = ask(words(60), text_of(turn1), "And then?", max_tokens=16)
        turn2 = await collect(engine, second)
        return turn1, title, turn2, engine.last_prompt_eval_tokens, second

    turn1, title, turn2, evaluated, second = with_engine(tiny, body)
    assert usage_of(title).output_tokens > 0, "the title was written"
    usage1, usage2 = usage_of(turn1), usage_of(turn2)
    assert usage2.cached_tokens >= usage1.input_tokens, "the first turn is still cached"
    assert evaluated == usage2.input_tokens - usage2.cached_tokens
    assert evaluated < usage2.input_tokens - usage1.input_tokens + usage1.output_tokens
    cold = with_engine(tiny, lambda engine: collect(engine, second))
    assert text_of(turn2) == text_of(cold)


# ---------------------------------------------------------------- stopping


def test_cancelling_the_consumer_stops_generation_and_the_next_turn_works(tiny: ModelInfo) -> None:
    long_reply = ask("Tell me everything.")  # no max_tokens: would fill the whole context

    async def body(engine: LocalEngine):
        first_delta = asyncio.Event()

        async def consume() -> None:
            async for event in engine.stream_chat(long_reply):
                if isinstance(event, TextDelta):
                    first_delta.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first_delta.wait(), 10)
        task.cancel()
        freed = await owner_free_after(engine)
        after = await collect(engine, ask("Again?", max_tokens=5))
        return freed, after

    freed, after = with_engine(tiny, body)
    assert freed < 0.5
    assert after[-1] == Done("length") and text_of(after)


def test_stop_method_ends_the_stream_with_stopped(tiny: ModelInfo) -> None:
    async def body(engine: LocalEngine):
        events = []
        async for event in engine.stream_chat(ask("Tell me everything.")):
            events.append(event)
            if isinstance(event, TextDelta):
                engine.stop()
        return events

    events = with_engine(tiny, body)
    assert events[-1] == Done("stopped")
    assert usage_of(events).output_tokens < 50


def test_stop_during_prompt_evaluation_is_prompt_and_leaves_the_model_usable(
    slow: ModelInfo,
) -> None:
    long_prompt = ask(words(330), max_tokens=6)

    async def body(engine: LocalEngine):
        started = time.perf_counter()
        reference = await collect(engine, long_prompt)
        full_eval = time.perf_counter() - started
        if full_eval < 0.3:
            pytest.skip(f"prompt evaluation took only {full_eval:.2f} s here; nothing to interrupt")
        await collect(engine, ask("Something else entirely.", max_tokens=2))  # evict the prompt

        # 1. Stop 50 ms in: inside the first 512-token batch.
        task = asyncio.create_task(collect(engine, long_prompt))
        await asyncio.sleep(0.05)
        task.cancel()
        freed_early = await owner_free_after(engine)

        # 2. Stop after the first batch is in the KV cache (n_tokens is read-only peeking).
        task = asyncio.create_task(collect(engine, long_prompt))
        while engine._owner.llama.n_tokens < 512 and not task.done():
            await asyncio.sleep(0.005)
        task.cancel()
        freed_late = await owner_free_after(engine)

        again = await collect(engine, long_prompt)
        return (
            reference,
            full_eval,
            (freed_early, freed_late),
            again,
            engine.last_prompt_eval_tokens,
        )

    reference, full_eval, freed, again, evaluated = with_engine(slow, body)
    assert usage_of(reference).input_tokens > 1000
    assert max(freed) < full_eval / 4, f"stopping took {freed} s of a {full_eval:.2f} s evaluation"
    # The batch finished before the stop is reused, and the answer is exactly the uninterrupted one.
    assert 0 < evaluated <= usage_of(again).input_tokens - 512
    assert text_of(again) == text_of(reference)


# ---------------------------------------------------------------- context window


def test_long_history_is_trimmed_with_a_notice_and_the_system_prompt_kept(
    tiny: ModelInfo,
) -> None:
    turns = [words(30, seed=i) for i in range(14)] + ["What now?"]
    request = ask(*turns, system="You are a ship's cat.", max_tokens=8)

    async def body(engine: LocalEngine):
        events = await collect(engine, request)
        dropped = int(events[0].text.split()[0]) if isinstance(events[0], Notice) else 0
        kept = [request.messages[0], *request.messages[1 + dropped :]]
        return events, engine.context_length, await engine.count_prompt_tokens(kept)

    events, context_length, kept_tokens = with_engine(tiny, body, n_ctx=512)
    assert context_length == 512
    notice = events[0]
    assert isinstance(notice, Notice) and notice.kind == "context_trimmed"
    assert "earlier messages were left out" in notice.text
    assert usage_of(events).input_tokens == kept_tokens <= 512 - 8
    assert text_of(events) and events[-1] == Done("length")


def test_after_a_cut_the_next_turn_still_reuses_the_cache(tiny: ModelInfo) -> None:
    turns = [words(30, seed=i) for i in range(14)] + ["What now?"]

    async def body(engine: LocalEngine):
        first = await collect(engine, ask(*turns, max_tokens=8))
        second = await collect(engine, ask(*turns, text_of(first), "Go on.", max_tokens=8))
        return first, second, engine.last_prompt_eval_tokens

    first, second, evaluated = with_engine(tiny, body, n_ctx=512)
    assert isinstance(first[0], Notice) and isinstance(second[0], Notice)
    assert usage_of(second).cached_tokens >= usage_of(first).input_tokens
    assert evaluated < 50


def test_a_single_message_longer_than_the_context_is_an_error(tiny: ModelInfo) -> None:
    events = with_engine(tiny, lambda e: collect(e, ask(words(400), max_tokens=4)), n_ctx=256)
    assert len(events) == 1 and isinstance(events[0].error, PromptTooLong)


# ---------------------------------------------------------------- loading


def test_switching_models_closes_the_old_one(tiny: ModelInfo, models: Path) -> None:
    other = read_gguf_info(write_tiny_gguf(models / "other.gguf", seed=1, name="Other"))

    async def body(engine: LocalEngine):
        old_llama, old_thread = engine._owner.llama, engine._owner.thread
        await engine.load(other)
        events = await collect(engine, ask("Hi", max_tokens=3))
        return old_llama, old_thread, engine.model, events

    old_llama, old_thread, model, events = with_engine(tiny, body)
    assert old_llama._model.model is None and old_llama._ctx.ctx is None  # freed, not left to GC
    assert not old_thread.is_alive()
    assert model.id == "other"
    assert events[-1] == Done("length")


def test_cancel_load_raises_cancelled_and_a_later_load_works(tiny: ModelInfo) -> None:
    async def body(engine: LocalEngine):
        task = asyncio.create_task(engine.load(tiny))
        await asyncio.sleep(0)
        engine.cancel_load()
        with pytest.raises(Cancelled):
            await task
        assert not engine.loaded
        await engine.load(tiny)
        return engine.loaded

    assert with_engine(None, body)


def test_cancelling_the_load_task_leaves_nothing_loaded(tiny: ModelInfo) -> None:
    async def body(engine: LocalEngine):
        # Cancelled once llama.cpp says it is reading the file: a fixed 1 ms sleep could wake
        # after the tiny model had loaded on a busy machine, leaving nothing to cancel.
        reading = asyncio.Event()
        task = asyncio.create_task(engine.load(tiny, on_progress=lambda _f: reading.set()))
        await reading.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return engine.loaded

    assert with_engine(None, body) is False


def test_llama_cpp_stops_loading_when_progress_says_no(tiny: ModelInfo) -> None:
    calls: list[float] = []

    def refuse(fraction: float) -> bool:
        calls.append(fraction)
        return False

    with pytest.raises(ValueError):
        llama_glue.llama_class()(tiny.path, on_progress=refuse, verbose=False)
    assert len(calls) == 1  # llama.cpp gave up at the first "no"


def test_not_enough_memory_before_loading(tiny: ModelInfo, monkeypatch) -> None:
    monkeypatch.setattr(llama_local, "available_memory", lambda: 50 * 1024**2)
    with pytest.raises(NotEnoughMemory) as caught:
        with_engine(tiny, lambda engine: asyncio.sleep(0))
    assert "needs about" in str(caught.value) and "free" in str(caught.value)


def test_context_is_capped_by_free_memory(tiny: ModelInfo, monkeypatch) -> None:
    details = read_gguf_details(tiny.path)
    per_token = details.kv_bytes_per_token()
    fixed = details.tensor_bytes + llama_local.OVERHEAD_BYTES
    room_for_1100 = int((fixed + 1100 * per_token) / llama_local.MEMORY_SHARE)
    assert plan_context(details, available=room_for_1100) == 1024  # rounded down to 256s
    assert plan_context(details, available=10 * 1024**3) == 2048  # the model's own limit
    assert plan_context(details, available=10 * 1024**3, requested=1000) == 768

    monkeypatch.setattr(llama_local, "available_memory", lambda: room_for_1100)
    assert with_engine(tiny, lambda engine: asyncio.sleep(0, engine.context_length)) == 1024


def test_stop_strings_are_held_back_and_cut() -> None:
    matcher = llama_turn.StopMatcher(["<|im_end|>"])
    assert matcher.feed("Hello <|im") == ("Hello ", False)
    assert matcher.feed("_e") == ("", False)
    assert matcher.feed("nd|> ignored") == ("", True)
    other = llama_turn.StopMatcher(["<|im_end|>"])
    assert other.feed("a <") == ("a ", False)
    assert other.feed("b") == ("<b", False)


def test_characters_split_across_tokens_come_out_whole() -> None:
    sent: list[StreamEvent] = []
    text = llama_turn.TextStream(sent.append, ["</s>"])
    assert not text.feed(b" caf")
    assert not text.feed(b"\xc3")  # first byte of "é": held back
    assert not text.feed(b"\xa9 ok")
    text.finish()
    assert [e.text for e in sent] == [" caf", "é ok"]
