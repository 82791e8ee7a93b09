"""Pictures and tools in served requests, through the official SDKs: pictures to a cloud model
(re-encoded, metadata stripped, as the window sends them) and to a local model with its image
projector on real llama.cpp; a model that cannot see refused in plain words. Tools passed
through to a cloud model and its tool calls answered in each API's form; a local model whose
template takes tools held to a call by its grammar; one whose template takes none refused."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import shutil

import anthropic
import httpx
import openai
import pytest
from PIL import Image

from tests.server.conftest import CLOUD
from tests.tools.chat_templates import QWEN25
from tests.tools.wire_tools import openai_tool_events
from tests.wire_servers import encode_sse, sse_reply

ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers.",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def png_with_a_comment(size=(40, 30)) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at home")  # metadata that must not leave
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def data_url(raw: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(raw).decode()


def picture_question(raw: bytes) -> list[dict]:
    return [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image_url", "image_url": {"url": data_url(raw)}},
            ],
        }
    ]


def test_pictures_reach_a_cloud_model_from_both_sdks(services, serve, cloud):
    raw = png_with_a_comment()

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        first = await client.chat.completions.create(model=CLOUD, messages=picture_question(raw))
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused")
        block = {
            "type": "base64",
            "media_type": "image/png",
            "data": base64.b64encode(raw).decode(),
        }
        second = await claude.messages.create(
            model=CLOUD,
            max_tokens=20,
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "image", "source": block}, {"type": "text", "text": "?"}],
                }
            ],
        )
        return first, second

    first, second = serve(scenario)
    assert first.choices[0].message.content == "Bonjour à vous"
    assert second.content[0].text == "Bonjour à vous"
    for request in cloud.requests:
        parts = request.json()["messages"][-1]["content"]
        (image,) = [p for p in parts if p["type"] == "image_url"]
        url = image["image_url"]["url"]
        assert url.startswith("data:image/")
        sent = base64.b64decode(url.split(",", 1)[1])
        assert b"taken at home" not in sent and sent != raw  # re-encoded, metadata stripped
        assert Image.open(io.BytesIO(sent)).size == (40, 30)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot see pictures"),  # the tiny model has no image projector
        ([{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}], "data: URL"),
        ([{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}], "base64"),
        ([{"type": "image_url", "image_url": {"url": "data:text/plain;base64,aGk="}}], "PNG"),
    ],
)
def test_pictures_a_model_cannot_take_are_400_in_plain_words(
    services, serve, local, content, words
):
    content = content or picture_question(png_with_a_comment())[0]["content"]

    async def scenario(base):
        body = {"model": local.id, "messages": [{"role": "user", "content": content}]}
        async with httpx.AsyncClient() as raw:
            chat = await raw.post(base + "/v1/chat/completions", json=body)
            anth = await raw.post(base + "/v1/messages", json=body | {"max_tokens": 5})
        return chat, anth

    chat, anth = serve(scenario)
    assert chat.status_code == 400 and words in chat.json()["error"]["message"]
    assert anth.status_code == 400 and anth.json()["type"] == "error"


def test_a_local_model_with_its_projector_looks_at_the_picture(
    services, serve, tmp_path, tiny_gguf
):
    from tests.vision.projector_factory import write_tiny_projector

    shutil.copy(tiny_gguf, tmp_path / "tiny-chat.gguf")
    write_tiny_projector(tmp_path / "mmproj-tiny-chat-f16.gguf")

    async def scenario(base):
        (model,), _ = await services.models.add_from_disk([tmp_path / "tiny-chat.gguf"])
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        with_picture = await client.chat.completions.create(
            model=model.id, messages=picture_question(png_with_a_comment()), max_tokens=3
        )
        words_only = await client.chat.completions.create(
            model=model.id, messages=[{"role": "user", "content": "What is this?"}], max_tokens=3
        )
        return model, with_picture, words_only

    model, with_picture, words_only = serve(scenario)
    assert model.sees_images
    # The picture's tokens are in the prompt: many more than the same words alone.
    assert with_picture.usage.prompt_tokens > words_only.usage.prompt_tokens + 5


def test_tools_pass_through_to_a_cloud_model_and_its_calls_come_back(services, serve, cloud):
    calls = [("call_1", "add", {"a": 40, "b": 2})]
    tool_reply = sse_reply([encode_sse(openai_tool_events(calls, text=""))])
    cloud.script("POST", "/v1/chat/completions", tool_reply, tool_reply, tool_reply)

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        ask = [{"role": "user", "content": "What is 40 + 2?"}]
        first = await client.chat.completions.create(  # the fixture's words answer this one
            model=CLOUD, messages=ask, tools=[ADD]
        )
        whole = await client.chat.completions.create(
            model=CLOUD, messages=ask, tools=[ADD], tool_choice="required"
        )
        stream = await client.chat.completions.create(
            model=CLOUD, messages=ask, tools=[ADD], stream=True
        )
        chunks = [c async for c in stream]
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused")
        tool = {
            "name": "add",
            "description": "Add two numbers.",
            "input_schema": ADD["function"]["parameters"],
        }
        message = await claude.messages.create(
            model=CLOUD,
            max_tokens=50,
            messages=ask,
            tools=[tool],
            tool_choice={"type": "any"},
        )
        return first, whole, chunks, message

    first, whole, chunks, message = serve(scenario)
    assert first.choices[0].finish_reason == "stop"
    (call,) = whole.choices[0].message.tool_calls
    assert whole.choices[0].finish_reason == "tool_calls"
    assert (call.id, call.function.name, json.loads(call.function.arguments)) == (
        "call_1",
        "add",
        {"a": 40, "b": 2},
    )
    streamed = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert streamed[0].function.name == "add"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert message.stop_reason == "tool_use"
    (use,) = [b for b in message.content if b.type == "tool_use"]
    assert (use.name, use.input) == ("add", {"a": 40, "b": 2})
    sent = [r.json() for r in cloud.requests]
    assert all(s["tools"][0]["function"]["name"] == "add" for s in sent)
    assert "tool_choice" not in sent[0] and sent[1]["tool_choice"] == "required"
    assert sent[3]["tool_choice"] == "required"  # Anthropic's "any", in OpenAI's words


def test_a_named_tool_choice_offers_that_tool_alone(services, serve, cloud):
    """tool_choice naming one function (OpenAI {"type": "function", …}, Anthropic {"type":
    "tool", …}): the model is given that tool only, with the call required, so every provider
    (and a local model's grammar) holds it to that call; a name not among the tools is a 400."""
    calls = [("call_1", "add", {"a": 1, "b": 2})]
    tool_reply = sse_reply([encode_sse(openai_tool_events(calls, text=""))])
    cloud.script("POST", "/v1/chat/completions", tool_reply, tool_reply)
    other = {"type": "function", "function": {"name": "now", "description": "The time."}}

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        ask = [{"role": "user", "content": "1 + 2?"}]
        named = {"type": "function", "function": {"name": "add"}}
        await client.chat.completions.create(
            model=CLOUD, messages=ask, tools=[other, ADD], tool_choice=named
        )
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused", max_retries=0)
        tools = [
            {"name": "now", "description": "The time.", "input_schema": {"type": "object"}},
            {"name": "add", "description": "Add.", "input_schema": ADD["function"]["parameters"]},
        ]
        await claude.messages.create(
            model=CLOUD, max_tokens=50, messages=ask, tools=tools,
            tool_choice={"type": "tool", "name": "add"},
        )  # fmt: skip
        with pytest.raises(openai.BadRequestError) as wrong:
            await client.chat.completions.create(
                model=CLOUD,
                messages=ask,
                tools=[ADD],
                tool_choice={"type": "function", "function": {"name": "missing"}},
            )
        return wrong.value

    wrong = serve(scenario)
    sent = [r.json() for r in cloud.requests]
    assert len(sent) == 2
    for body in sent:
        assert [t["function"]["name"] for t in body["tools"]] == ["add"]
        assert body["tool_choice"] == "required"
    assert "“missing”, which is not one of the tools" in wrong.message


@pytest.fixture(scope="module")
def qwen_gguf(tmp_path_factory):
    from tests.gguf_factory import write_tiny_gguf

    folder = tmp_path_factory.mktemp("served-tools")
    return write_tiny_gguf(folder / "tiny-qwen.gguf", chat_template=QWEN25, n_ctx=4096)


def test_local_tools_only_for_a_model_whose_template_takes_them(services, serve, local, qwen_gguf):
    async def scenario(base):
        (qwen,), _ = await services.models.add_from_disk([qwen_gguf])
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        ask = [{"role": "user", "content": "What is 40 + 2?"}]
        with pytest.raises(openai.BadRequestError) as refused:
            await client.chat.completions.create(model=local.id, messages=ask, tools=[ADD])
        called = await client.chat.completions.create(
            model=qwen.id, messages=ask, tools=[ADD], tool_choice="required", max_tokens=400, seed=1
        )
        return qwen, refused.value, called

    qwen, refused, called = serve(scenario)
    assert qwen.takes_tools
    assert "not trained to use tools" in refused.message
    assert called.choices[0].message.tool_calls, called
    (call,) = called.choices[0].message.tool_calls[:1]
    assert call.function.name == "add" and called.choices[0].finish_reason == "tool_calls"
    assert set(json.loads(call.function.arguments)) <= {"a", "b"}


def test_requests_without_pictures_or_tools_are_unchanged(services, serve, local):
    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        return await asyncio.gather(
            client.chat.completions.create(
                model=local.id, messages=[{"role": "user", "content": "Hi"}], max_tokens=2
            ),
            client.chat.completions.create(
                model=local.id,
                messages=[{"role": "user", "content": "Hi"}],
                max_tokens=2,
                tools=[ADD],
                tool_choice="none",  # no tools offered: allowed on any model
            ),
        )

    plain, none = serve(scenario)
    assert plain.choices[0].message.role == none.choices[0].message.role == "assistant"


def test_count_tokens_counts_a_picture_by_the_providers_rule(services, serve, cloud):
    from app.core.image_cost import image_tokens

    raw = png_with_a_comment((400, 300))

    async def scenario(base):
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused", max_retries=0)
        words = {"type": "text", "text": "What is this?"}
        picture = {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/png",
                "data": base64.b64encode(raw).decode(),
            },
        }
        alone = await claude.messages.count_tokens(
            model=CLOUD, messages=[{"role": "user", "content": [words]}]
        )
        both = await claude.messages.count_tokens(
            model=CLOUD, messages=[{"role": "user", "content": [words, picture]}]
        )
        return alone.input_tokens, both.input_tokens

    alone, both = serve(scenario)
    assert both - alone == image_tokens("openai", 400, 300)  # CLOUD speaks OpenAI's wire
    assert not cloud.requests  # counting sends nothing to the provider
