"""The whole local vision path on real llama.cpp: a tiny llama model paired with a tiny
projector that llama.cpp's mtmd loads, a PNG encoded on the owner thread, a reply streamed."""

from __future__ import annotations

import asyncio
import io
import shutil
import threading

import pytest
from PIL import Image

from app.core.chat import ChatMessage, ChatRequest, ModelInfo
from app.core.errors import PromptTooLong
from app.core.events import Done, Error, Notice, TextDelta, Usage
from app.core.images import ImagePart
from app.providers.llama_local import LocalEngine
from app.providers.llama_vision import LOOKING
from tests.vision.projector_factory import write_tiny_projector


@pytest.fixture(scope="module")
def vision_model(tmp_path_factory, tiny_gguf):
    folder = tmp_path_factory.mktemp("vision")
    model = folder / "tiny-chat.gguf"
    shutil.copy(tiny_gguf, model)
    projector = write_tiny_projector(folder / "mmproj-tiny-chat-f16.gguf")
    return ModelInfo(
        "tiny-chat", "local", "Tiny", path=str(model), projector=str(projector), sees_images=True
    )


def _png(color=(200, 30, 30), size=(48, 36)) -> ImagePart:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return ImagePart("image/png", size[0], size[1], data=buf.getvalue())


def _request(**kw) -> ChatRequest:
    question = ChatMessage("user", "What is in this picture?", images=(_png(),))
    return ChatRequest(messages=(question,), temperature=0.0, seed=1, **kw)


async def _turn(engine: LocalEngine, request: ChatRequest) -> list:
    return [event async for event in engine.stream_chat(request)]


def test_a_picture_is_looked_at_and_answered(tmp_path, vision_model):
    engine = LocalEngine(n_threads=1, config_dir=tmp_path)

    async def body():
        await engine.load(vision_model)
        events = await _turn(engine, _request(max_tokens=6))
        reply = "".join(e.text for e in events if isinstance(e, TextDelta))
        follow_up = ChatRequest(
            messages=(
                *_request().messages,
                ChatMessage("assistant", reply),
                ChatMessage("user", "And its colour?"),
            ),
            max_tokens=4,
        )
        second = await _turn(engine, follow_up)
        assert second[0] == LOOKING and isinstance(second[-1], Done), second
        text_only = await _turn(
            engine, ChatRequest(messages=(ChatMessage("user", "Hello"),), max_tokens=4)
        )
        await engine.close()
        return events, text_only

    events, text_only = asyncio.run(body())
    assert not [e for e in events if isinstance(e, Error)], events
    assert events[0] == LOOKING and LOOKING.text == "Looking at the image…"
    assert any(isinstance(e, TextDelta) and e.text for e in events)
    (usage,) = [e for e in events if isinstance(e, Usage)]
    # The picture's tokens are in the prompt: more than the words alone take.
    assert usage.input_tokens > 10 and 0 < usage.output_tokens <= 6
    assert isinstance(events[-1], Done) and events[-1].finish_reason in ("length", "stop")
    # A turn without pictures on the same model takes the ordinary path.
    assert not [e for e in text_only if isinstance(e, Notice)]
    assert isinstance(text_only[-1], Done)


def test_a_picture_larger_than_the_context_is_said_in_plain_words(tmp_path, vision_model):
    engine = LocalEngine(n_threads=1, config_dir=tmp_path)
    many = tuple(_png((i * 40, 0, 0)) for i in range(40))  # 16 tokens each, beyond 512

    async def body():
        await engine.load(vision_model, n_ctx=512)
        request = ChatRequest(messages=(ChatMessage("user", "All of these?", images=many),))
        events = await _turn(engine, request)
        await engine.close()
        return events

    events = asyncio.run(body())
    (error,) = [e for e in events if isinstance(e, Error)]
    assert isinstance(error.error, PromptTooLong)


def test_stop_while_looking_ends_the_turn(tmp_path, vision_model):
    engine = LocalEngine(n_threads=1, config_dir=tmp_path)

    async def body():
        await engine.load(vision_model)
        events = []
        async for event in engine.stream_chat(_request(max_tokens=200)):
            events.append(event)
            if event == LOOKING:
                engine.stop()
        await engine.close()
        return events

    events = asyncio.run(body())
    assert events[0] == LOOKING
    assert isinstance(events[-1], Done) and events[-1].finish_reason == "stopped"
    assert threading.active_count() >= 1


def test_a_paired_model_added_from_disk_answers_a_picture_in_a_chat(tmp_path, tiny_gguf, data_dir):
    """Through the services, as the window does it: add the model file (its projector beside it
    is found), send a question with a picture, get a reply stored with the picture."""
    from app.services import open_services
    from app.services.chat import ReplyFinished
    from tests.images import pictures

    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(tiny_gguf, folder / "tiny-chat.gguf")
    write_tiny_projector(folder / "mmproj-tiny-chat-f16.gguf")
    services = open_services(data_dir)
    services.settings.set("max_tokens", 6)

    async def scenario():
        try:
            (local,), failed = await services.models.add_from_disk([folder / "tiny-chat.gguf"])
            assert not failed and local.sees_images
            updates = [
                u
                async for u in services.chat.send(
                    conversation_id=None,
                    text="What is this?",
                    model_id=local.id,
                    images=[pictures.screenshot_png()],
                )
            ]
            stored = await services.conversations.messages(updates[-1].message.conversation_id)
            return updates, stored
        finally:
            await services.close()

    updates, stored = asyncio.run(scenario())
    assert isinstance(updates[-1], ReplyFinished), updates[-1]
    question = [m for m in stored if m.role == "user"][0]
    assert len(question.images) == 1
    assert [m for m in stored if m.role == "assistant"][0].content
