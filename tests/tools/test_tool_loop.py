"""Tool calls in a chat with a cloud model, end to end: the loopback wire servers stream calls in
each provider's format, the test MCP server (stdio) runs them, and the results sent back are
checked, with approval, time-outs, the loop limit and the privacy check."""

from __future__ import annotations

import asyncio
import json

import pytest

from app import secrets
from app.core.events import Notice, TextDelta
from app.services import open_services
from app.services.chat import ReplyFinished
from app.services.tool_loop import ToolSession
from tests.tools.support import stdio_config
from tests.tools.wire_tools import anthropic_tool_events, gemini_tool_events, openai_tool_events
from tests.wire_servers import (
    WireServer,
    anthropic_events,
    encode_sse,
    gemini_events,
    openai_events,
    openai_usage,
    sse_reply,
)

OPENAI = "/v1/chat/completions"


@pytest.fixture
def wire(monkeypatch):
    with WireServer() as server:
        for provider, path in (("OPENAI", "/v1"), ("ANTHROPIC", "/v1"), ("GEMINI", "/v1beta")):
            monkeypatch.setenv(f"HEARTH_{provider}_BASE_URL", server.base_url + path)
        for provider in ("openai", "anthropic", "gemini"):
            secrets.set_key(provider, f"test-key-{provider}-0123456789abcdefghijk")
        yield server


@pytest.fixture
def services(data_dir):
    svc = open_services(data_dir)
    svc.tools.add(stdio_config("calc"))
    return svc


class Approvals:
    """The front end's approve callback: answers from a list, records what it was shown."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked = []

    async def __call__(self, pending):
        self.asked.append(pending)
        return self.answers.pop(0)


def converse(services, model_id, session, text="What is 40 + 2?", conversation_id=None):
    async def scenario():
        try:
            updates = [
                u
                async for u in services.chat.send(
                    conversation_id=conversation_id, text=text, model_id=model_id, tools=session
                )
            ]
            return updates
        finally:
            await services.close()

    updates = asyncio.run(scenario())
    assert isinstance(updates[-1], ReplyFinished)
    return updates


def test_openai_two_parallel_calls_from_split_fragments(services, wire):
    calls = [("call_a", "add", {"a": 40, "b": 2}), ("call_b", "add", {"a": 2, "b": 3})]
    wire.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events(calls, text="Let me add."))]),
        sse_reply([encode_sse(openai_events(["It is 42 (and 5)."], usage=openai_usage(80, 7)))]),
    )
    approvals = Approvals("allow_once", "allow_once")
    session = ToolSession(approve=approvals)

    updates = converse(services, "openai:gpt-4o-mini", session)

    assert [(p.server, p.tool, p.arguments) for p in approvals.asked] == [
        ("calc", "add", {"a": 40, "b": 2}),
        ("calc", "add", {"a": 2, "b": 3}),
    ]
    assert approvals.asked[0].destination == "sent to OpenAI"
    first, second = (r.json() for r in wire.requests)
    assert [t["function"]["name"] for t in first["tools"]][:2] == ["add", "slow"]
    assert first["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    assistant, result_a, result_b = second["messages"][-3:]
    assert assistant["role"] == "assistant" and assistant["content"] == "Let me add."
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_a", "call_b"]
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"a": 40, "b": 2}
    assert result_a == {"role": "tool", "tool_call_id": "call_a", "content": "42"}
    assert result_b == {"role": "tool", "tool_call_id": "call_b", "content": "5"}

    reply = updates[-1].message
    assert reply.content == "Let me add.\n\nIt is 42 (and 5)."
    assert (reply.input_tokens, reply.output_tokens) == (50 + 80, 10 + 7)  # both round trips
    stored = json.loads(reply.tool_calls)
    assert [(c["name"], c["result"], c["status"]) for c in stored] == [
        ("add", "42", "ok"),
        ("add", "5", "ok"),
    ]


def test_anthropic_tool_use_always_allow_is_remembered(services, wire):
    wire.script(
        "POST",
        "/v1/messages",
        sse_reply([encode_sse(anthropic_tool_events([("toolu_1", "add", {"a": 1, "b": 2})]))]),
        sse_reply([encode_sse(anthropic_events(["Three."]))]),
        sse_reply([encode_sse(anthropic_tool_events([("toolu_2", "add", {"a": 3, "b": 4})]))]),
        sse_reply([encode_sse(anthropic_events(["Seven."]))]),
    )
    approvals = Approvals("always")
    first = converse(services, "anthropic:claude-3-5-haiku-latest", ToolSession(approvals))
    cid = first[-1].message.conversation_id
    again = open_services(services.data_dir)
    converse(again, "anthropic:claude-3-5-haiku-latest", ToolSession(approvals), "And 3+4?", cid)

    assert len(approvals.asked) == 1  # the second call ran without asking
    assert again.tools.always_allowed("calc", "add")
    second = wire.requests[1].json()
    assert second["tools"][0]["input_schema"]["properties"].keys() == {"a", "b"}
    assistant, user = second["messages"][-2:]
    assert assistant["content"] == [
        {"type": "tool_use", "id": "toolu_1", "name": "add", "input": {"a": 1, "b": 2}}
    ]
    assert user == {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": "3", "is_error": False}
        ],
    }
    assert wire.requests[3].json()["messages"][-1]["content"][0]["content"] == "7"


def test_gemini_function_calls_denied_and_failing(services, wire):
    path = "/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    wire.script(
        "POST",
        path,
        sse_reply(
            [
                encode_sse(
                    gemini_tool_events(
                        [("add", {"a": 1, "b": 1}), ("fail", {"why": "test"})], signature="sig-1"
                    )
                )
            ]
        ),
        sse_reply([encode_sse(gemini_events(["Sorry."]))]),
    )
    approvals = Approvals("deny", "allow_once")
    updates = converse(services, "gemini:gemini-2.0-flash", ToolSession(approvals))

    second = wire.requests[1].json()
    model_turn, user_turn = second["contents"][-2:]
    assert model_turn["role"] == "model"
    assert model_turn["parts"][0] == {
        "functionCall": {"name": "add", "args": {"a": 1, "b": 1}},
        "thoughtSignature": "sig-1",
    }
    denied, failed = (p["functionResponse"] for p in user_turn["parts"])
    assert denied["name"] == "add" and "denied" in denied["response"]["error"]
    assert failed["name"] == "fail" and failed["response"]["error"]
    assert second["tools"][0]["functionDeclarations"][0]["name"] == "add"
    statuses = [c["status"] for c in json.loads(updates[-1].message.tool_calls)]
    assert statuses == ["denied", "error"]


def test_timeout_goes_back_as_an_error(services, wire):
    wire.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events([("c1", "slow", {"seconds": 10})]))]),
        sse_reply([encode_sse(openai_events(["Too slow."]))]),
    )
    session = ToolSession(approve=Approvals("allow_once"), timeout=0.5)
    updates = converse(services, "openai:gpt-4o-mini", session)

    result = wire.requests[1].json()["messages"][-1]
    assert result["tool_call_id"] == "c1" and "longer than 0.5 seconds" in result["content"]
    assert json.loads(updates[-1].message.tool_calls)[0]["status"] == "timeout"


def test_loop_limit_ends_with_a_plain_note(services, wire):
    again = sse_reply([encode_sse(openai_tool_events([("c", "add", {"a": 1, "b": 1})]))])
    wire.script("POST", OPENAI, again)
    session = ToolSession(approve=Approvals(*["allow_once"] * 5), limit=3)
    updates = converse(services, "openai:gpt-4o-mini", session)

    assert len(wire.requests) == 4  # three calls answered, the fourth ask ended the reply
    notes = [u.text for u in updates if isinstance(u, Notice) and u.kind == "tool_limit"]
    assert notes == ["The model asked for more than 3 tool calls in this reply, so Hearth "
                     "stopped it there."]  # fmt: skip
    assert updates[-1].error is None
    assert len(json.loads(updates[-1].message.tool_calls)) == 3


def test_a_secret_in_a_tool_result_is_taken_out_before_the_cloud(services, wire):
    wire.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events([("c1", "secret", {})]))]),
        sse_reply([encode_sse(openai_events(["Done."]))]),
    )
    updates = converse(services, "openai:gpt-4o-mini", ToolSession(Approvals("allow_once")))

    sent = wire.requests[1].json()["messages"][-1]["content"]
    assert "sk-proj-" not in sent and "[redacted]" in sent
    notes = [u.text for u in updates if isinstance(u, Notice) and u.kind == "privacy"]
    assert notes and "API key" in notes[0]
    assert "sk-proj-" not in (updates[-1].message.tool_calls or "")
    assert any(isinstance(u, TextDelta) for u in updates)


def test_tool_calls_are_kept_by_export_and_import(services, wire, data_dir):
    wire.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events([("c1", "add", {"a": 2, "b": 2})]))]),
        sse_reply([encode_sse(openai_events(["Four."]))]),
    )
    updates = converse(services, "openai:gpt-4o-mini", ToolSession(Approvals("allow_once")))
    cid = updates[-1].message.conversation_id

    async def round_trip():
        svc = open_services(data_dir)
        try:
            exported = await svc.transfer.export(conversation_ids=[cid])
            markdown = await svc.transfer.export(conversation_ids=[cid], format="markdown")
            assert 'Tools used:\n- add {"a": 2, "b": 2} → 4' in markdown
            await svc.transfer.import_bytes(data=exported.encode())
            newest = await svc.conversations.latest()
            return exported, await svc.conversations.messages(newest.id), newest.id
        finally:
            await svc.close()

    exported, messages, new_id = asyncio.run(round_trip())
    assert new_id != cid
    reply = json.loads(exported)["conversations"][0]["messages"][-1]
    assert reply["tool_calls"][0]["result"] == "4"
    assert json.loads(messages[-1].tool_calls)[0]["arguments"] == '{"a": 2, "b": 2}'


def test_stop_during_a_call_ends_the_reply_and_the_server_goes_on(services, wire):
    wire.script(
        "POST",
        OPENAI,
        sse_reply([encode_sse(openai_tool_events([("c1", "slow", {"seconds": 30})]))]),
    )
    started = asyncio.Event()

    async def approve(pending):
        started.set()
        return "allow_once"

    async def scenario():
        try:
            updates = []

            async def read():
                async for u in services.chat.send(
                    conversation_id=None,
                    text="Wait",
                    model_id="openai:gpt-4o-mini",
                    tools=ToolSession(approve),
                ):
                    updates.append(u)

            reading = asyncio.create_task(read())
            await started.wait()
            await asyncio.sleep(0.5)  # the slow tool is running
            services.chat.stop()
            await asyncio.wait_for(reading, 10)
            after = await services.tools.call("calc", "add", {"a": 1, "b": 1})
            return updates, after
        finally:
            await services.close()

    updates, after = asyncio.run(scenario())
    assert updates[-1].message.status == "stopped"
    assert after.text == "2"
