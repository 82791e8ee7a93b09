"""A reply made with documents, made again: Regenerate, Continue, edit-and-resend (reply_to)
and Compare send the passages too and store the sources the new reply cited. Real services,
a loopback OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from app.services.chat import CONTINUE_PROMPT, PassagesFound, ReplyFinished
from app.services.doc_chat import DocumentPlan
from app.store import Store
from tests.documents import test_chat_docs as base
from tests.documents.doc_rows import RENT

CLOUD, ask, run_then_close, says = base.CLOUD, base.ask, base.run_then_close, base.says
# The fixtures of test_chat_docs: services, a "Housing" collection, OpenAI on loopback.
services = pytest.fixture(base.services.__wrapped__, name="services")
collections = pytest.fixture(base.collections.__wrapped__, name="collections")
openai_server = pytest.fixture(base.openai_server.__wrapped__, name="openai_server")

QUESTION = "What is the monthly rent?"


def sent_passages(server) -> str:
    """The newest user turn of the last request: the numbered passages, then the question."""
    return server.requests[-1].json()["messages"][-1]["content"]


def cited(message) -> list[str]:
    return [s["text"] for s in message.cited_sources]


async def collect(updates) -> list:
    return [u async for u in updates]


def test_regenerate_and_edit_and_resend_send_the_passages(services, collections, openai_server):
    says(openai_server, "Rent is 900 euros [1].")

    async def scenario():
        first = (await ask(services, QUESTION, model_id=CLOUD, documents=DocumentPlan()))[-1]
        cid = first.message.conversation_id
        again = await collect(
            services.chat.regenerate(conversation_id=cid, model_id=CLOUD, documents=DocumentPlan())
        )
        regenerated_prompt = sent_passages(openai_server)
        edited = await services.history.edit(
            message_id=first.message.parent_id, text="The monthly rent?"
        )
        resent = await collect(
            services.chat.reply_to(
                conversation_id=cid,
                user_message_id=edited.id,
                model_id=CLOUD,
                documents=DocumentPlan(),
            )
        )
        return first, again, regenerated_prompt, resent, sent_passages(openai_server)

    first, again, regenerated_prompt, resent, resent_prompt = run_then_close(services, scenario())
    assert cited(first.message) == [RENT]
    for updates, prompt, question in (
        (again, regenerated_prompt, QUESTION),
        (resent, resent_prompt, "The monthly rent?"),
    ):
        assert any(isinstance(u, PassagesFound) for u in updates)
        assert f"lease.pdf, page 3: {RENT}" in prompt and prompt.endswith(question)
        finished = updates[-1]
        assert isinstance(finished, ReplyFinished) and cited(finished.message) == [RENT]
        assert finished.message.id != first.message.id


def test_continue_goes_on_with_the_same_passages(services, collections, openai_server):
    says(openai_server, " Paid on the first day [1].")

    async def scenario():
        conv = await services.db.call(Store.create_conversation, "Rent")
        user = await services.db.call(Store.add_message, conv.id, role="user", content=QUESTION)
        reply = await services.db.call(
            Store.add_message, conv.id, role="assistant", content="It is 900 euros [1].",
            status="stopped", parent_id=user.id, model_id=CLOUD, provider="openai",
        )  # fmt: skip
        updates = await collect(
            services.chat.continue_reply(message_id=reply.id, documents=DocumentPlan())
        )
        return reply, updates, sent_passages(openai_server)

    reply, updates, prompt = run_then_close(services, scenario())
    finished = updates[-1]
    assert finished.message.id == reply.id
    assert finished.message.content.startswith("It is 900 euros [1].")
    # The passages go with the question the reply answers (before the partial reply).
    user_turns = [m for m in openai_server.requests[-1].json()["messages"] if m["role"] == "user"]
    assert f"lease.pdf, page 3: {RENT}" in user_turns[0]["content"]
    assert prompt == CONTINUE_PROMPT  # "go on" stays the last word
    assert cited(finished.message) == [RENT]


def test_compare_gives_every_model_the_passages(services, collections, openai_server):
    says(openai_server, "900 euros [1].")

    async def scenario():
        updates = [
            u
            async for u in services.chat.compare(
                conversation_id=None,
                text=QUESTION,
                model_ids=[CLOUD, "openai:gpt-4o"],
                documents=DocumentPlan(),
            )
        ]
        return updates

    updates = run_then_close(services, scenario())
    finished = [u for _, u in updates if isinstance(u, ReplyFinished)]
    assert len(finished) == 2 and all(cited(f.message) == [RENT] for f in finished)
    assert sum(isinstance(u, PassagesFound) for _, u in updates) == 2
    bodies = [r.json()["messages"][-1]["content"] for r in openai_server.requests]
    assert len(bodies) == 2 and all(f"lease.pdf, page 3: {RENT}" in b for b in bodies)
    assert json.loads(finished[0].message.sources)[0]["file"].endswith("lease.pdf")
