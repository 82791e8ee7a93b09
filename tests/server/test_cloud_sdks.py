"""The official OpenAI and Anthropic SDKs, as other apps would use them, against the local
server, reaching a cloud model through the loopback wire servers."""

from __future__ import annotations

from decimal import Decimal

import anthropic
import httpx
import openai
import pytest

from app import secrets
from tests.server.conftest import CLOUD


def test_openai_sdk_chat_not_streamed_reaches_cloud_and_is_metered(services, serve, cloud):
    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        got = await client.chat.completions.create(
            model=CLOUD,
            messages=[{"role": "user", "content": "Hello"}],
            temperature=0.2,
            top_p=0.5,
            stop=["x"],
        )
        report = await services.usage.month_report()
        return got, report

    got, report = serve(scenario)
    assert got.choices[0].message.content == "Bonjour à vous"
    assert (got.usage.prompt_tokens, got.usage.completion_tokens) == (31, 4)
    sent = cloud.requests[-1].json()
    assert sent["model"] == "gpt-4o-mini" and sent["top_p"] == 0.5 and sent["stop"] == ["x"]
    assert "sk-test" not in str(got)  # the other app never sees the key
    (row,) = [m for m in report.by_model if m.model_id == CLOUD]
    assert row.totals.input_tokens == 31
    done = services.server.requests[-1]
    assert done.client == "AsyncOpenAI/Python" or done.client.startswith("AsyncOpenAI")
    assert done.status == "ok" and done.cost_usd is not None and done.cost_usd > Decimal(0)


def test_openai_sdk_streams_with_usage(services, serve, cloud):
    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        stream = await client.chat.completions.create(
            model=CLOUD,
            messages=[{"role": "user", "content": "Hello"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        return [chunk async for chunk in stream]

    chunks = serve(scenario)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Bonjour à vous"
    assert chunks[-1].usage.completion_tokens == 4
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"


def test_anthropic_sdk_streams_and_not(services, serve, cloud):
    async def scenario(base):
        client = anthropic.AsyncAnthropic(base_url=base, api_key="unused")
        whole = await client.messages.create(
            model=CLOUD, max_tokens=50, messages=[{"role": "user", "content": "Hello"}]
        )
        async with client.messages.stream(
            model=CLOUD,
            max_tokens=50,
            system="Be brief.",
            messages=[{"role": "user", "content": "Hi"}],
        ) as stream:
            texts = [t async for t in stream.text_stream]
            final = await stream.get_final_message()
        count = await client.messages.count_tokens(
            model=CLOUD, messages=[{"role": "user", "content": "Hello there"}]
        )
        return whole, texts, final, count

    whole, texts, final, count = serve(scenario)
    assert whole.content[0].text == "Bonjour à vous" and whole.stop_reason == "end_turn"
    assert "".join(texts) == "Bonjour à vous"
    assert final.usage.output_tokens == 4 and final.stop_reason == "end_turn"
    assert count.input_tokens > 0
    assert cloud.requests[-1].json()["messages"][0] == {"role": "system", "content": "Be brief."}


def test_cloud_models_are_off_by_default(services, serve, openai_server):
    secrets.set_key("openai", "sk-test-0123456789abcdefghijklmnop")

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        listed = await client.models.list()
        with pytest.raises(openai.NotFoundError) as caught:
            await client.chat.completions.create(
                model=CLOUD, messages=[{"role": "user", "content": "Hi"}]
            )
        return listed, caught.value

    listed, err = serve(scenario)
    assert all(":" not in m.id for m in listed.data)
    assert "cloud models" in err.message.lower()
    assert not openai_server.requests


def test_budget_hard_stop_is_429(services, serve, cloud):
    services.settings.set("monthly_budget_usd", "0.000001")
    services.settings.set("budget_hard_stop", True)

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        first = await client.chat.completions.create(
            model=CLOUD, messages=[{"role": "user", "content": "Hi"}]
        )
        with pytest.raises(openai.RateLimitError) as caught:
            await client.chat.completions.create(
                model=CLOUD, messages=[{"role": "user", "content": "Again"}]
            )
        async with httpx.AsyncClient() as raw:
            anth = await raw.post(
                base + "/v1/messages",
                json={
                    "model": CLOUD,
                    "max_tokens": 5,
                    "messages": [{"role": "user", "content": "x"}],
                },
            )
        return first, caught.value, anth

    first, err, anth = serve(scenario)
    assert first.choices[0].message.content == "Bonjour à vous"
    assert err.status_code == 429 and "budget" in err.message
    assert anth.status_code == 429 and anth.json()["error"]["type"] == "rate_limit_error"
    assert len(cloud.requests) == 1


def test_offline_mode_is_503_and_secrets_are_refused(services, serve, cloud, online_again):
    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            secret = await raw.post(
                base + "/v1/chat/completions",
                json={
                    "model": CLOUD,
                    "messages": [
                        {
                            "role": "user",
                            "content": "my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD",
                        }
                    ],
                },
            )
            services.settings.set("offline_mode", True)
            from app import netguard

            netguard.set_offline_mode(True)
            offline = await raw.post(
                base + "/v1/chat/completions",
                json={"model": CLOUD, "messages": [{"role": "user", "content": "hi"}]},
            )
        return secret, offline

    secret, offline = serve(scenario)
    assert (
        secret.status_code == 403
        and "secret" in secret.json()["error"]["message"].lower()
        or "key" in secret.json()["error"]["message"]
    )
    assert offline.status_code == 503 and "offline" in offline.json()["error"]["message"]
    assert not cloud.requests


def test_models_lists_cloud_models_when_shared(services, serve, cloud):
    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused")
        return [m.id for m in (await client.models.list()).data]

    assert CLOUD in serve(scenario)


def test_served_usage_is_tagged_with_the_app_and_kept_as_chat_only_when_asked(
    services, serve, cloud
):
    async def scenario(base):
        headers = {"user-agent": "NoteApp/2.1"}
        body = {"model": CLOUD, "messages": [{"role": "user", "content": "Hi"}]}
        async with httpx.AsyncClient() as raw:
            await raw.post(base + "/v1/chat/completions", json=body, headers=headers)
            services.settings.set("server_keep_chats", True)
            await raw.post(base + "/v1/chat/completions", json=body, headers=headers)
        await services.db.call(lambda store: None)  # the queued writes are done
        from app.store import usage as store_usage

        rows = await services.db.call(lambda store: store_usage.rows(store.db))
        return rows, await services.conversations.list()

    rows, conversations = serve(scenario)
    assert [r.client for r in rows] == ["NoteApp", "NoteApp"]
    assert sum(r.input_tokens for r in rows) == 62
    assert len(conversations) == 1 and conversations[0].title.startswith("NoteApp")
