"""Tools on a reply made again, with a model inside Hearth: Regenerate and edit-and-resend
(ChatService.regenerate / reply_to) offer the tools through the model's own template as a new
message does, and an always-allowed call is announced as it starts running (on_running).

Real llama.cpp on a tiny GGUF with Qwen 2.5's tools-aware template (its grammar forcing a
well-formed call), the test MCP server over stdio, a real SQLite file.
"""

from __future__ import annotations

import asyncio
import json

from app.services.chat import ReplyFinished
from app.services.tool_loop import ToolSession
from tests.tools.test_local_tools import prompts, qwen_gguf, services  # noqa: F401 (fixtures)
from tests.tools.test_tool_loop import Approvals


async def _drain(updates) -> ReplyFinished:
    last = None
    async for update in updates:
        last = update
    assert isinstance(last, ReplyFinished)
    return last


def _forced(approve) -> ToolSession:
    return ToolSession(approve=approve, tool_choice="required")


def test_regenerate_and_resend_offer_the_tools(services, qwen_gguf, prompts):  # noqa: F811
    chat = services.chat

    async def scenario():
        try:
            (model,), _failed = await services.models.add_from_disk([qwen_gguf])
            first = await _drain(
                chat.send(conversation_id=None, text="What is 40 + 2?", model_id=model.id)
            )
            assert "# Tools" not in prompts[-1]  # sent without tools
            cid = first.message.conversation_id
            again = _forced(Approvals(*["allow_once"] * 4))
            regenerated = await _drain(
                chat.regenerate(conversation_id=cid, model_id=model.id, tools=again)
            )
            edited = await services.history.edit(
                message_id=first.message.parent_id, text="And 1 + 1?"
            )
            resent_session = _forced(Approvals(*["allow_once"] * 4))
            resent = await _drain(
                chat.reply_to(
                    conversation_id=cid,
                    user_message_id=edited.id,
                    model_id=model.id,
                    tools=resent_session,
                )
            )
            return again, regenerated, resent_session, resent
        finally:
            await services.close()

    again, regenerated, resent_session, resent = asyncio.run(scenario())
    for session, finished in ((again, regenerated), (resent_session, resent)):
        assert session.outcomes and {o.status for o in session.outcomes} == {"ok"}
        stored = json.loads(finished.message.tool_calls)
        assert [s["status"] for s in stored] == ["ok"] * len(session.outcomes)
    assert '"name": "add"' in prompts[-1] and "<tool_response>" in prompts[-1]


def test_an_always_allowed_call_is_announced_as_it_starts(services, qwen_gguf):  # noqa: F811
    services.tools.set_always_allow("calc", "add")
    seen: list[str] = []

    async def never_asked(pending):
        raise AssertionError(f"{pending.tool} is always allowed: no question")

    session = _forced(never_asked)
    session.on_running = lambda pending: seen.append(f"running {pending.tool}")
    session.on_outcome = lambda outcome: seen.append(f"{outcome.status} {outcome.call.name}")

    async def scenario():
        try:
            (model,), _failed = await services.models.add_from_disk([qwen_gguf])
            return await _drain(
                services.chat.send(
                    conversation_id=None, text="What is 40 + 2?", model_id=model.id, tools=session
                )
            )
        finally:
            await services.close()

    asyncio.run(scenario())
    assert seen[:2] == ["running add", "ok add"]
