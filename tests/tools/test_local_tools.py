"""Tool calls with a model inside Hearth, end to end on real parts: a tiny GGUF with Qwen 2.5's
tools-aware template on real llama.cpp, its grammar forcing a well-formed call (the random
weights would write garbage otherwise), the session's approval, the test MCP server (stdio)
running the call, its result fed back through the template, and the reply completing."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from app.core.events import Notice
from app.providers.llama_turn import LlamaChat
from app.services import open_services
from app.services.chat import ReplyFinished
from app.services.tool_loop import ToolSession
from app.store import Store
from app.ui.models.picker_entries import details_tip, sees_images_mark
from tests.cli.support import hearth
from tests.gguf_factory import write_tiny_gguf
from tests.tools.chat_templates import QWEN25
from tests.tools.support import SERVER_SCRIPT, stdio_config
from tests.tools.test_tool_loop import Approvals


@pytest.fixture(scope="module")
def qwen_gguf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("local-tools")
    return write_tiny_gguf(folder / "tiny-qwen.gguf", chat_template=QWEN25, n_ctx=4096)


# The random model picks among the tools it is offered, and fills a free string until the
# length limit (a trained model closes its quotes): only `add`, whose numbers are bounded.
OFFERED = ("add",)
NOT_OFFERED = ("slow", "fail", "crash", "secret", "env")


def only_quick_tools(svc) -> None:
    for tool in NOT_OFFERED:
        svc.tools.set_enabled("calc", tool, False)


@pytest.fixture
def services(data_dir):
    svc = open_services(data_dir)
    svc.tools.add(stdio_config("calc"))
    only_quick_tools(svc)
    return svc


@pytest.fixture
def prompts(monkeypatch):
    """Every prompt the engine renders (the real template still renders it)."""
    seen: list[str] = []
    render = LlamaChat.render

    def spy(self, messages, tools=()):
        text = render(self, messages, tools)
        seen.append(text)
        return text

    monkeypatch.setattr(LlamaChat, "render", spy)
    return seen


def converse(services, gguf, session, text="What is 40 + 2?"):
    async def scenario():
        try:
            (model,), failed = await services.models.add_from_disk([gguf])
            assert not failed
            return model, [
                u
                async for u in services.chat.send(
                    conversation_id=None,
                    text=text,
                    model_id=model.id,
                    tools=session,
                    max_tokens=400,
                )
            ]
        finally:
            await services.close()

    model, updates = asyncio.run(scenario())
    assert isinstance(updates[-1], ReplyFinished)
    return model, updates


def test_forced_call_is_approved_run_and_its_result_fed_back(services, qwen_gguf, prompts):
    approvals = Approvals(*["allow_once"] * 4)
    session = ToolSession(approve=approvals, tool_choice="required")
    model, updates = converse(services, qwen_gguf, session)
    assert model.takes_tools

    assert session.outcomes, "the grammar forces at least one call"
    for pending, outcome in zip(approvals.asked, session.outcomes, strict=True):
        assert pending.server == "calc" and pending.destination == "on this computer"
        assert pending.tool in OFFERED
        assert outcome.status == "ok"
        args = outcome.call.parsed_arguments()
        assert outcome.content == str(args["a"] + args["b"])
        # the result went back to the model through its own template, as Qwen reads it
        assert f"<tool_response>\n{outcome.content}\n</tool_response>" in prompts[-1]
    assert '<tool_call>\n{"name": "' in prompts[-1]  # its call, as Qwen writes one
    assert "# Tools" in prompts[0] and '"name": "add"' in prompts[0]

    finished = updates[-1].message
    assert finished.status == "complete" and finished.content  # the second round answered in words
    stored = json.loads(finished.tool_calls)
    assert [s["status"] for s in stored] == ["ok"] * len(session.outcomes)


def test_a_denied_call_goes_back_as_denied(services, qwen_gguf, prompts):
    session = ToolSession(approve=Approvals(*["deny"] * 4), tool_choice="required")
    converse(services, qwen_gguf, session)
    assert {o.status for o in session.outcomes} == {"denied"}
    assert "The user denied this tool call; it was not run." in prompts[-1]


def test_a_model_without_tools_answers_without_them(services, tiny_gguf):
    approvals = Approvals()
    session = ToolSession(approve=approvals, tool_choice="required")
    model, updates = converse(services, tiny_gguf, session)
    assert model.takes_tools is False
    assert not approvals.asked and not session.outcomes
    notices = [u for u in updates if isinstance(u, Notice)]
    assert any("was not trained to use tools" in n.text for n in notices)
    assert sees_images_mark(model) == "no tools"
    assert "No tools:" in details_tip(model)


def test_models_added_before_are_read_once_for_tools(services, qwen_gguf):
    async def scenario():
        try:
            (model,), _ = await services.models.add_from_disk([qwen_gguf])
            db = services.models._db
            await db.call(
                lambda store: store.db.execute(
                    "UPDATE local_models SET takes_tools = NULL WHERE id = ?", [model.id]
                )
            )
            listed = await services.models.list_models()
            again = await db.call(Store.local_models)
            return listed, again
        finally:
            await services.close()

    listed, stored = asyncio.run(scenario())
    assert listed[0].takes_tools is True and stored[0].takes_tools is True


def test_hearth_ask_tools_with_a_local_model(data_dir, qwen_gguf):
    hearth("tools", "add", "calc", "--", sys.executable, str(SERVER_SCRIPT), data_dir=data_dir)
    hearth("add", str(qwen_gguf), data_dir=data_dir)
    svc = open_services(data_dir)
    only_quick_tools(svc)
    asyncio.run(svc.close())
    result = hearth(
        "ask", "--tools", "--require-tool", "-m", "tiny-qwen", "--max-tokens", "400",
        "What is 40 + 2?", data_dir=data_dir, stdin="y\n" * 4,
    )  # fmt: skip
    assert "The model wants to run " in result.stderr
    assert "Its result will be on this computer. Run it? [y/N]" in result.stderr
    assert "(not run)" not in result.stderr
    shown = hearth("show", "last", data_dir=data_dir).stdout
    assert "What is 40 + 2?" in shown
