"""Each provider's request body with pictures, exactly as its docs describe it, over loopback.
What was sent is decoded again: upright, within the limit, and no location or EXIF left."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from app.core.chat import ChatMessage, ChatRequest
from app.core.images import ImagePart, limit_for
from app.images.prepare import prepare_image
from app.providers.anthropic import AnthropicBackend
from app.providers.gemini import GeminiBackend
from app.providers.openai_compat import OpenAICompatBackend
from app.providers.registry import get_provider
from tests.images import pictures
from tests.wire_servers import (
    WireServer,
    anthropic_events,
    collect,
    encode_sse,
    fast_retry,
    gemini_events,
    openai_events,
    sse_reply,
    text_of,
)

KEY = "sk-test-0123456789abcdefghijklmnop"


@pytest.fixture
def server():
    with WireServer() as s:
        yield s


@pytest.fixture(scope="module")
def photo_bytes():
    return pictures.phone_photo(2400, 1600)  # sideways, with a location


def part_for(wire: str, raw: bytes) -> ImagePart:
    ready = prepare_image(raw, limit_for(wire))
    return ImagePart(ready.mime, ready.width, ready.height, data=ready.data)


def request_with(*parts: ImagePart, text="What plant is this?") -> ChatRequest:
    return ChatRequest(
        messages=(
            ChatMessage("system", "Be brief."),
            ChatMessage("user", text, images=parts),
        ),
        temperature=0.5,
    )


def assert_clean(data: bytes, size: tuple[int, int]) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == size
    assert pictures.metadata_left(data) == {"exif": {}, "gps": {}, "info": {}}
    assert pictures.is_red(pictures.colour_at(data, 0.5, 0.1))  # upright: red half on top


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.mark.parametrize("provider", ["openai", "openrouter", "groq", "mistral", "together", "xai"])
def test_openai_form_content_parts_with_data_url_and_detail(server, photo_bytes, provider):
    server.script(
        "POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["A fern."]))])
    )
    photo = part_for("openai", photo_bytes)
    small = part_for("openai", pictures.screenshot_png())
    backend = OpenAICompatBackend(
        get_provider(provider),
        "vision-model",
        server.base_url + "/v1",
        KEY,
        retry_policy=fast_retry(),
    )

    assert text_of(collect(backend, request_with(photo, small))) == "A fern."

    body = server.requests[0].json()
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["messages"][1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "What plant is this?"},
            {
                "type": "image_url",
                "image_url": {"url": "data:image/jpeg;base64," + b64(photo.data), "detail": "high"},
            },
            {
                "type": "image_url",
                "image_url": {"url": "data:image/png;base64," + b64(small.data), "detail": "low"},
            },
        ],
    }
    sent = base64.b64decode(body["messages"][1]["content"][1]["image_url"]["url"].split(",", 1)[1])
    assert_clean(sent, (768, 1152))  # 2048 box, then the short side 768


def test_text_only_messages_keep_plain_string_content(server):
    server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["ok"]))]))
    backend = OpenAICompatBackend(
        get_provider("openai"), "gpt-4o", server.base_url + "/v1", KEY, retry_policy=fast_retry()
    )
    collect(backend, request_with(text="Hello"))
    assert server.requests[0].json()["messages"][1] == {"role": "user", "content": "Hello"}


def test_anthropic_image_blocks_before_the_text(server, photo_bytes):
    server.script("POST", "/v1/messages", sse_reply([encode_sse(anthropic_events(["A fern."]))]))
    photo = part_for("anthropic", photo_bytes)
    backend = AnthropicBackend(
        get_provider("anthropic"),
        "claude-sonnet-4-0",
        server.base_url + "/v1",
        KEY,
        retry_policy=fast_retry(),
    )

    assert text_of(collect(backend, request_with(photo))) == "A fern."

    body = server.requests[0].json()
    assert body["system"] == "Be brief."
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {
                        "type": "base64",
                        "media_type": "image/jpeg",
                        "data": b64(photo.data),
                    },
                },
                {"type": "text", "text": "What plant is this?"},
            ],
        }
    ]
    assert_clean(
        base64.b64decode(body["messages"][0]["content"][0]["source"]["data"]), (1045, 1568)
    )


def test_anthropic_joins_a_text_turn_and_a_picture_turn(server, photo_bytes):
    server.script("POST", "/v1/messages", sse_reply([encode_sse(anthropic_events(["ok"]))]))
    photo = part_for("anthropic", pictures.screenshot_png())
    request = ChatRequest(
        messages=(ChatMessage("user", "First"), ChatMessage("user", "", images=(photo,)))
    )
    backend = AnthropicBackend(
        get_provider("anthropic"),
        "claude-sonnet-4-0",
        server.base_url + "/v1",
        KEY,
        retry_policy=fast_retry(),
    )
    collect(backend, request)
    (turn,) = server.requests[0].json()["messages"]
    assert [block["type"] for block in turn["content"]] == ["text", "image"]
    assert turn["content"][0] == {"type": "text", "text": "First"}


def test_gemini_inline_data_before_the_text(server, photo_bytes):
    path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    server.script("POST", path, sse_reply([encode_sse(gemini_events(["A fern."]))]))
    photo = part_for("gemini", photo_bytes)
    backend = GeminiBackend(
        get_provider("gemini"),
        "gemini-2.5-flash",
        server.base_url + "/v1beta",
        KEY,
        retry_policy=fast_retry(),
    )

    assert text_of(collect(backend, request_with(photo))) == "A fern."

    body = server.requests[0].json()
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert body["contents"] == [
        {
            "role": "user",
            "parts": [
                {"inline_data": {"mime_type": "image/jpeg", "data": b64(photo.data)}},
                {"text": "What plant is this?"},
            ],
        }
    ]
    sent = base64.b64decode(body["contents"][0]["parts"][0]["inline_data"]["data"])
    assert_clean(sent, (1600, 2400))  # within Gemini's 3072: only turned and stripped


def test_a_picture_without_words_goes_as_the_image_parts_only(server):
    """No empty text part: Anthropic refuses one, and the others gain nothing from it."""
    shot = pictures.screenshot_png()
    server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["A"]))]))
    server.script("POST", "/v1/messages", sse_reply([encode_sse(anthropic_events(["B"]))]))
    gemini_path = "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    server.script("POST", gemini_path, sse_reply([encode_sse(gemini_events(["C"]))]))
    backends = [
        ("openai", OpenAICompatBackend, "gpt-4o", "/v1"),
        ("anthropic", AnthropicBackend, "claude-sonnet-4-0", "/v1"),
        ("gemini", GeminiBackend, "gemini-2.5-flash", "/v1beta"),
    ]
    for provider, cls, model, base in backends:
        backend = cls(
            get_provider(provider), model, server.base_url + base, KEY, retry_policy=fast_retry()
        )
        collect(backend, request_with(part_for(provider, shot), text=""))

    openai, anthropic, gemini = (r.json() for r in server.requests)
    assert [p["type"] for p in openai["messages"][1]["content"]] == ["image_url"]
    assert [b["type"] for b in anthropic["messages"][0]["content"]] == ["image"]
    assert list(gemini["contents"][0]["parts"][0]) == ["inline_data"]
    assert len(gemini["contents"][0]["parts"]) == 1


def test_a_request_with_pictures_is_encoded_off_the_event_loop(server, monkeypatch):
    """base64 and JSON of a big photo take tens of ms: never on the window's thread."""
    import threading

    server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["A"]))]))
    server.script("POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(["B"]))]))
    backend = OpenAICompatBackend(
        get_provider("openai"), "gpt-4o", server.base_url + "/v1", KEY, retry_policy=fast_retry()
    )
    built_on = []
    original = backend.chat_request

    def recording(request):
        built_on.append(threading.current_thread() is threading.main_thread())
        return original(request)

    monkeypatch.setattr(backend, "chat_request", recording)
    collect(backend, request_with(part_for("openai", pictures.screenshot_png())))
    collect(backend, request_with(text="Hello"))
    assert built_on == [False, True]  # with a picture on a worker; plain words stay put
    first = server.requests[0]
    assert first.headers["content-type"] == "application/json"
    assert first.json()["messages"][1]["content"][1]["type"] == "image_url"
