"""The `hearth` extension field: the user's memories and documents go into a served request only
when the client asks, through the same services as the window; the cited passages come back as
the response's `hearth.sources`. Real store, real document reading, cloud via the wire server."""

from __future__ import annotations

import anthropic
import httpx
import openai
import pytest

from tests.server.conftest import CLOUD
from tests.wire_servers import encode_sse, openai_events, openai_usage, sse_reply

FACT = "Refunds for the 2026 return take thirty days after the invoice is sent."


@pytest.fixture
def taxes(services, tmp_path):
    """A collection "Taxes 2026" with one text file, read."""
    import asyncio

    (tmp_path / "refunds.txt").write_text(FACT + "\n", encoding="utf-8")

    async def add():
        await services.documents.add([tmp_path / "refunds.txt"], collection="Taxes 2026")
        await services.documents.index()

    asyncio.run(add())
    return tmp_path / "refunds.txt"


def answers(cloud, *texts: str) -> None:
    """The replies after the fixture's "Bonjour à vous" (the last one repeats)."""
    replies = [
        sse_reply([encode_sse(openai_events([t], usage=openai_usage(40, 6)))]) for t in texts
    ]
    cloud.script("POST", "/v1/chat/completions", *replies)


def test_documents_only_when_asked_and_cited_sources_come_back(services, serve, cloud, taxes):
    answers(cloud, "They take thirty days [1].")
    question = [{"role": "user", "content": "How long do refunds take for the 2026 return?"}]

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        plain = await client.chat.completions.create(model=CLOUD, messages=question)
        asked = await client.chat.completions.create(
            model=CLOUD, messages=question, extra_body={"hearth": {"collections": ["Taxes 2026"]}}
        )
        stream = await client.chat.completions.create(
            model=CLOUD,
            messages=question,
            stream=True,
            extra_body={"hearth": {"collections": ["Taxes 2026"]}},
        )
        chunks = [c async for c in stream]
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused")
        async with claude.messages.stream(
            model=CLOUD,
            max_tokens=50,
            messages=question,
            extra_body={"hearth": {"documents": True}},
        ) as stream:
            events = [e async for e in stream]
        return plain, asked, chunks, events

    plain, asked, chunks, events = serve(scenario)
    first, second, _, third = (r.json()["messages"][-1]["content"] for r in cloud.requests)
    assert FACT not in str(first) and plain.model_extra.get("hearth") is None
    assert FACT in str(second) and "[1]" in str(second) and FACT in str(third)
    (source,) = asked.model_extra["hearth"]["sources"]
    assert source["n"] == 1 and source["file"] == str(taxes) and FACT in source["text"]
    (last,) = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert last.model_extra["hearth"]["sources"][0]["n"] == 1
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.model_extra["hearth"]["sources"][0]["file"] == str(taxes)


def test_unknown_collection_is_400_in_each_apis_shape(services, serve, cloud, taxes):
    body = {
        "model": CLOUD,
        "max_tokens": 20,
        "messages": [{"role": "user", "content": "hi"}],
        "hearth": {"collections": ["Taxes 2019"]},
    }

    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            chat = await raw.post(base + "/v1/chat/completions", json=body)
            messages = await raw.post(base + "/v1/messages", json=body)
            odd = await raw.post(base + "/v1/chat/completions", json=body | {"hearth": {"x": 1}})
            raw_prompt = {"model": CLOUD, "prompt": "hi", "hearth": {"memory": True}}
            completion = await raw.post(base + "/v1/completions", json=raw_prompt)
        return chat, messages, odd, completion

    chat, messages, odd, completion = serve(scenario)
    assert completion.status_code == 400 and "/v1/chat/completions" in completion.text
    assert chat.status_code == 400 and "Taxes 2019" in chat.json()["error"]["message"]
    assert "Taxes 2026" in chat.json()["error"]["message"]  # the ones there are
    assert messages.status_code == 400
    assert messages.json()["error"]["type"] == "invalid_request_error"
    assert odd.status_code == 400 and "memory" in odd.json()["error"]["message"]
    assert not cloud.requests


def test_memory_only_when_asked_and_only_where_the_window_would_send_it(services, serve, cloud):
    question = [{"role": "user", "content": "What is my cat called?"}]

    async def scenario(base):
        await services.memory.remember(text="My cat is called Miso.")
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        plain = await client.chat.completions.create(model=CLOUD, messages=question)
        not_allowed = await client.chat.completions.create(
            model=CLOUD, messages=question, extra_body={"hearth": {"memory": True}}
        )
        services.memory.allow_cloud(provider="openai", allowed=True)
        allowed = await client.chat.completions.create(
            model=CLOUD, messages=question, extra_body={"hearth": {"memory": True}}
        )
        return plain, not_allowed, allowed

    plain, not_allowed, allowed = serve(scenario)
    sent = [r.json()["messages"] for r in cloud.requests]
    assert "Miso" not in str(sent[0]) and "Miso" not in str(sent[1])
    assert sent[2][0]["role"] == "system" and "Miso" in sent[2][0]["content"]
    assert not_allowed.model_extra["hearth"] == {"memories": 0}
    assert allowed.model_extra["hearth"] == {"memories": 1}


def test_memory_goes_to_a_local_model(services, serve, local):
    async def scenario(base):
        await services.memory.remember(text="My cat is called Miso.")
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        return await client.chat.completions.create(
            model=local.id,
            messages=[{"role": "user", "content": "What is my cat called?"}],
            max_tokens=2,
            extra_body={"hearth": {"memory": True}},
        )

    assert serve(scenario).model_extra["hearth"] == {"memories": 1}


def test_a_kept_chat_holds_the_apps_words_not_the_passages(services, serve, cloud, taxes):
    services.settings.set("server_keep_chats", True)
    question = "How long do refunds take for the 2026 return?"

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        await client.chat.completions.create(
            model=CLOUD,
            messages=[{"role": "user", "content": question}],
            extra_body={"hearth": {"documents": True}},
        )
        await services.db.call(lambda store: None)  # the queued writes are done
        (conversation,) = await services.conversations.list()
        return await services.conversations.messages(conversation.id)

    user, reply = serve(scenario)
    assert user.content == question and FACT in str(cloud.requests[0].json())
    assert reply.content == "Bonjour à vous"
