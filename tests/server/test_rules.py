"""The window's rules, served: offline mode (503 with retry-after, local models still served),
the local queue's limit, the privacy refusal and the apps allowed past it. Real SDKs and raw
HTTP on loopback; cloud via the wire server, local on the tiny GGUF."""

from __future__ import annotations

import asyncio

import anthropic
import httpx
import openai

from app import netguard
from tests.server.conftest import CLOUD

SECRET = "my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD"


def test_offline_refuses_cloud_with_503_and_retry_after_and_serves_local(
    services, serve, cloud, local, online_again
):
    netguard.set_offline_mode(True)  # the process-wide switch alone (the setting stays unset)

    async def scenario(base):
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        claude = anthropic.AsyncAnthropic(base_url=base, api_key="unused", max_retries=0)
        hello = [{"role": "user", "content": "Hello"}]
        try:
            await client.chat.completions.create(model=CLOUD, messages=hello)
        except openai.APIStatusError as err:
            openai_err = err
        try:
            await claude.messages.create(model=CLOUD, max_tokens=5, messages=hello)
        except anthropic.APIStatusError as err:
            anthropic_err = err
        still = await client.chat.completions.create(model=local.id, messages=hello, max_tokens=2)
        return openai_err, anthropic_err, still

    openai_err, anthropic_err, still = serve(scenario)
    assert openai_err.status_code == 503 and int(openai_err.response.headers["retry-after"]) > 0
    assert "offline" in openai_err.message and openai_err.body["code"] == "offline"
    assert anthropic_err.status_code == 503 and anthropic_err.response.headers["retry-after"]
    assert anthropic_err.body["error"]["type"] == "overloaded_error"
    assert still.choices[0].message.role == "assistant"
    assert not cloud.requests
    kinds = [r.status for r in services.server.requests]
    assert kinds == ["ServedOffline", "ServedOffline", "ok"]


def test_queue_of_one_with_three_at_once_refuses_the_third_with_retry_after(services, serve, local):
    services.settings.set("server_queue_length", 1)

    async def scenario(base):
        body = {
            "model": local.id,
            "messages": [{"role": "user", "content": "Talk"}],
            "max_tokens": 32,
        }
        async with httpx.AsyncClient(timeout=60) as raw:
            return await asyncio.gather(
                *(raw.post(base + "/v1/chat/completions", json=body) for _ in range(3))
            )

    got = serve(scenario)
    codes = sorted(r.status_code for r in got)
    assert codes == [200, 200, 429]
    (refused,) = [r for r in got if r.status_code == 429]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"


def test_secrets_refused_for_cloud_unless_the_app_is_allowed(services, serve, cloud, local):
    body = {"model": CLOUD, "messages": [{"role": "user", "content": SECRET}]}

    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            refused = await raw.post(
                base + "/v1/chat/completions", json=body, headers={"user-agent": "NoteApp/1.0"}
            )
            to_local = await raw.post(
                base + "/v1/chat/completions",
                json=body | {"model": local.id, "max_tokens": 2},
                headers={"user-agent": "NoteApp/1.0"},
            )
            services.settings.set("server_privacy_allowed", ["NoteApp"])
            allowed = await raw.post(
                base + "/v1/chat/completions", json=body, headers={"user-agent": "NoteApp/1.0"}
            )
            other = await raw.post(
                base + "/v1/messages",
                json=body | {"max_tokens": 5},
                headers={"user-agent": "OtherApp/3"},
            )
        return refused, to_local, allowed, other

    refused, to_local, allowed, other = serve(scenario)
    assert refused.status_code == 403 and "did not send it" in refused.json()["error"]["message"]
    assert "sk-proj-abcdefghijklmnop" not in refused.text  # the secret is not echoed whole
    assert to_local.status_code == 200  # words that stay on this computer are not scanned
    assert allowed.status_code == 200 and allowed.json()["choices"][0]["message"]["content"]
    assert other.status_code == 403 and other.json()["error"]["type"] == "permission_error"
    assert len(cloud.requests) == 1 and SECRET in str(cloud.requests[0].json())
