"""Sending pictures through the chat service, to a cloud model over loopback: stored with the
user message, prepared for the provider, refused in plain words by a model that cannot see."""

from __future__ import annotations

import asyncio
import base64

import pytest

from app import secrets
from app.core.images import ModelCannotSeeImages
from app.core.where import images_sent
from app.services import open_services
from app.services.chat import ReplyFinished
from tests.images import pictures
from tests.wire_servers import WireServer, encode_sse, openai_events, openai_usage, sse_reply

PATH = "/v1/chat/completions"


@pytest.fixture
def services(data_dir):
    svc = open_services(data_dir)
    svc.settings.set("max_tokens", 24)
    return svc


@pytest.fixture
def openai_server(monkeypatch):
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        secrets.set_key("openai", "sk-test-0123456789abcdefghijklmnop")
        yield server


def run_then_close(services, coro):
    async def wrapper():
        try:
            return await coro
        finally:
            await services.close()

    return asyncio.run(wrapper())


async def reply(services, **kw) -> ReplyFinished:
    updates = [u async for u in services.chat.send(**kw)]
    assert isinstance(updates[-1], ReplyFinished)
    return updates[-1]


def sent_images(request) -> list[bytes]:
    parts = [
        p
        for m in request.json()["messages"]
        if isinstance(m["content"], list)
        for p in m["content"]
    ]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    return [base64.b64decode(url.split(",", 1)[1]) for url in urls]


def test_a_photo_is_kept_with_the_message_and_sent_without_its_location(
    services, openai_server, tmp_path
):
    events = openai_events(["A fern."], usage=openai_usage(900, 3))
    openai_server.script("POST", PATH, sse_reply([encode_sse(events)]))
    photo = pictures.write(tmp_path / "plant.jpg", pictures.phone_photo(2400, 1600))

    async def scenario():
        kept = await services.chat.images.keep([photo])
        finished = await reply(
            services,
            conversation_id=None,
            text="What plant?",
            model_id="openai:gpt-4o-mini",
            images=kept,
        )
        second = await reply(
            services,
            conversation_id=finished.message.conversation_id,
            text="Sure?",
            model_id="openai:gpt-4o-mini",
        )
        return (
            kept,
            finished,
            second,
            await services.conversations.messages(finished.message.conversation_id),
        )

    kept, finished, second, history = run_then_close(services, scenario())
    assert kept[0].had_location and kept[0].ref.name == "plant.jpg"
    assert history[0].images == (kept[0].ref,)
    assert finished.message.content == "A fern." and finished.error is None
    # Both turns carried the picture (the history is sent again), prepared for OpenAI.
    first_sent, again = (
        sent_images(openai_server.requests[0]),
        sent_images(openai_server.requests[1]),
    )
    assert len(first_sent) == len(again) == 1 and first_sent == again
    assert pictures.metadata_left(first_sent[0]) == {"exif": {}, "gps": {}, "info": {}}
    # The kept copy in the data folder has no location either.
    kept_file = next((services.data_dir / "images").rglob("*.jpg"))
    assert pictures.metadata_left(kept_file.read_bytes())["gps"] == {}


def test_a_model_that_cannot_see_says_so_and_names_ones_that_can(services, openai_server):
    async def scenario():
        with pytest.raises(ModelCannotSeeImages) as caught:
            await reply(
                services,
                conversation_id=None,
                text="What is this?",
                model_id="openai:o3-mini",
                images=[pictures.screenshot_png()],
            )
        return caught.value, await services.conversations.list()

    error, conversations = run_then_close(services, scenario())
    assert error.message == "o3-mini cannot see images, so the picture would be lost."
    assert error.action.startswith("Choose a model that can: ")
    assert "(OpenAI)" in error.action
    assert conversations == []  # nothing stored, nothing sent
    assert openai_server.requests == []


def test_a_model_on_this_computer_without_vision_is_refused(services, tiny_gguf):
    async def scenario():
        (local,), _ = await services.models.add_from_disk([tiny_gguf])
        with pytest.raises(ModelCannotSeeImages) as caught:
            await reply(
                services,
                conversation_id=None,
                text="Hi",
                model_id=local.id,
                images=[pictures.screenshot_png()],
            )
        return caught.value

    assert "Tiny Llama cannot see images" in run_then_close(services, scenario()).message


def test_edit_and_resend_sends_the_picture_again(services, openai_server):
    openai_server.script("POST", PATH, sse_reply([encode_sse(openai_events(["ok"]))]))

    async def scenario():
        first = await reply(
            services,
            conversation_id=None,
            text="What?",
            model_id="openai:gpt-4o",
            images=[pictures.screenshot_png()],
        )
        user_id = first.message.parent_id
        edited = await services.history.edit(message_id=user_id, text="What is this error?")
        updates = [
            u
            async for u in services.chat.reply_to(
                conversation_id=first.message.conversation_id,
                user_message_id=edited.id,
                model_id="openai:gpt-4o",
            )
        ]
        return edited, updates[-1]

    edited, finished = run_then_close(services, scenario())
    assert edited.images and edited.images[0].name == "pasted image"
    assert finished.error is None
    assert len(sent_images(openai_server.requests[-1])) == 1
    assert openai_server.requests[-1].json()["messages"][-1]["content"][0] == {
        "type": "text",
        "text": "What is this error?",
    }


def test_a_text_only_model_later_in_the_chat_gets_a_note_not_the_picture(services, openai_server):
    openai_server.script("POST", PATH, sse_reply([encode_sse(openai_events(["ok"]))]))

    async def scenario():
        first = await reply(
            services,
            conversation_id=None,
            text="Look",
            model_id="openai:gpt-4o",
            images=[pictures.screenshot_png()],
        )
        await reply(
            services,
            conversation_id=first.message.conversation_id,
            text="And now?",
            model_id="openai:o3-mini",
        )

    run_then_close(services, scenario())
    messages = openai_server.requests[-1].json()["messages"]
    assert messages[0]["content"] == "Look\n\n[picture: pasted image, not shown to this model]"
    assert sent_images(openai_server.requests[-1]) == []


def test_without_reported_usage_the_pictures_are_counted_by_the_rule(services, openai_server):
    openai_server.script("POST", PATH, sse_reply([encode_sse(openai_events(["A fern."]))]))

    async def scenario():
        return await reply(
            services,
            conversation_id=None,
            text="What plant?",
            model_id="openai:gpt-4o",
            images=[pictures.phone_photo(1024, 1024, orientation=1)],
        )

    finished = run_then_close(services, scenario())
    # 768x768 after OpenAI's scaling: 4 tiles + 85 = 765, plus the words. An estimate made here
    # fills the context meter; like every locally counted figure, it is never billed as cost.
    assert finished.message.input_tokens >= 765
    assert finished.message.cost_usd is None


def test_the_warning_sentence():
    assert images_sent(1, "OpenAI") == "1 image will be sent to OpenAI."
    assert images_sent(3, "Anthropic") == "3 images will be sent to Anthropic."
    assert images_sent(0, "OpenAI") == ""
    assert images_sent(2, "Ollama", local=True) == ""


def test_offline_mode_never_sends_a_picture(services):
    from app.core.provider_errors import OfflineModeBlocked
    from app.netguard import socket_guard

    secrets.set_key("openai", "sk-test-0123456789abcdefghijklmnop")  # the real address
    services.providers.set_offline(True)

    async def scenario():
        with socket_guard() as attempts:
            finished = await reply(
                services,
                conversation_id=None,
                text="What plant?",
                model_id="openai:gpt-4o",
                images=[pictures.phone_photo(600, 400)],
            )
        return finished, attempts

    finished, attempts = run_then_close(services, scenario())
    services.providers.set_offline(False)
    assert isinstance(finished.error, OfflineModeBlocked)
    assert finished.message.where == "not sent — offline mode"
    assert attempts == []


def test_a_provider_model_list_says_which_models_see(services, monkeypatch):
    from app.providers.openai_compat import OpenAICompatBackend
    from app.providers.registry import get_provider

    listing = {
        "data": [
            {"id": "openai/gpt-4o", "architecture": {"input_modalities": ["text", "image"]}},
            {"id": "deepseek/deepseek-r1", "architecture": {"input_modalities": ["text"]}},
            {"id": "pixtral-12b", "capabilities": {"vision": True}},
            {"id": "plain-model"},
        ]
    }
    backend = OpenAICompatBackend(get_provider("openrouter"), "", "http://127.0.0.1:9/v1", "k")
    models, _ = backend.parse_models(listing)
    assert [m.sees_images for m in models] == [True, False, True, None]

    async def scenario():
        await services.db.call(lambda store: store.cache_provider_models("openrouter", models))
        return [await services.models.resolve(m.id) for m in models]

    resolved = run_then_close(services, scenario())
    # The list's word is kept through the cache; where it says nothing, the model table decides.
    assert [m.sees_images for m in resolved[:3]] == [True, False, True]
    assert resolved[3].sees_images is None


def test_passages_of_files_join_a_question_without_losing_its_pictures():
    from app.core.chat import ChatMessage, ChatRequest
    from app.core.documents import Passage
    from app.core.images import ImagePart
    from app.services.doc_chat import with_passages

    picture = ImagePart("image/png", 300, 200, data=pictures.screenshot_png())
    request = ChatRequest(messages=(ChatMessage("user", "Which part is this?", images=(picture,)),))
    passage = Passage(1, 1, "manual.pdf", 3, None, 0, 20, "Part 7 is the valve.")

    (question,) = with_passages(request, [passage]).messages

    assert question.images == (picture,)
    assert "Which part is this?" in question.content and "Part 7 is the valve." in question.content


def test_a_picture_goes_without_words(services, openai_server):
    events = openai_events(["A login error."], usage=openai_usage(300, 4))
    openai_server.script("POST", PATH, sse_reply([encode_sse(events)]))

    async def scenario():
        finished = await reply(
            services,
            conversation_id=None,
            text="",
            model_id="openai:gpt-4o-mini",
            images=[pictures.screenshot_png()],
        )
        cid = finished.message.conversation_id
        return (
            finished,
            await services.conversations.messages(cid),
            await services.conversations.get(cid),
        )

    finished, history, conversation = run_then_close(services, scenario())
    assert finished.error is None and finished.message.content == "A login error."
    question = history[0]
    assert question.role == "user" and question.content == ""
    assert [ref.name for ref in question.images] == ["pasted image"]
    assert conversation.title == "Picture"
    sent = openai_server.requests[0].json()["messages"][-1]
    assert sent["role"] == "user"
    assert [part["type"] for part in sent["content"]] == ["image_url"]
