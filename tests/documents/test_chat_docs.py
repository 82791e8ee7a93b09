"""Asking about documents through the chat service: passages into the prompt, cited sources
stored with the reply, the privacy check and notice for a cloud model, Stop during the lookup,
and sources in the export. A real local model (tiny GGUF) and a loopback OpenAI-compatible
server."""

from __future__ import annotations

import asyncio
import json

import pytest

from app import secrets
from app.core.events import RequestSent, TextDelta
from app.services import open_services
from app.services.chat import PassagesFound, ReplyFinished, ReplyStarted
from app.services.doc_chat import DocumentChat, DocumentPlan, NoDocuments, UnknownCollection
from tests.documents.doc_rows import DEPOSIT, LEASE, RENT, add_chunk, housing_documents
from tests.wire_servers import WireServer, encode_sse, openai_events, sse_reply

CLOUD = "openai:gpt-4o-mini"


@pytest.fixture
def services(data_dir):
    svc = open_services(data_dir)
    svc.settings.set("max_tokens", 24)
    return svc


@pytest.fixture
def collections(services):
    return services.db.call_sync(housing_documents)


@pytest.fixture
def openai_server(monkeypatch):
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        secrets.set_key("openai", "sk-test-0123456789abcdefghijklmnop")
        yield server


def says(server: WireServer, *texts: str) -> None:
    server.script(
        "POST", "/v1/chat/completions", sse_reply([encode_sse(openai_events(list(texts)))])
    )


def run_then_close(services, coro):
    async def wrapper():
        try:
            return await coro
        finally:
            await services.close()

    return asyncio.run(wrapper())


async def ask(services, text, **kw):
    return [u async for u in services.chat.send(conversation_id=None, text=text, **kw)]


def test_a_cloud_reply_keeps_only_the_sources_it_cited(services, collections, openai_server):
    says(openai_server, "The rent is 900 euros [2], paid monthly [2]", ". Nothing else [9].")

    async def scenario():
        updates = await ask(
            services,
            "What is the monthly rent and the deposit?",
            model_id=CLOUD,
            documents=DocumentPlan(),
        )
        finished = updates[-1]
        history = await services.conversations.messages(finished.message.conversation_id)
        exported = await services.transfer.export(conversation_ids=None)
        return updates, history, exported

    updates, history, exported = run_then_close(services, scenario())
    found = next(u for u in updates if isinstance(u, PassagesFound))
    kinds = [type(u) for u in updates]
    assert kinds.index(ReplyStarted) < kinds.index(PassagesFound) < kinds.index(RequestSent)
    # Both lease passages match; the disabled Kitchen collection is not searched.
    assert sorted(p.text for p in found.passages) == sorted([RENT, DEPOSIT])
    assert found.notice == "2 passages from your files will be sent to OpenAI."
    rent_n = 1 + [p.text for p in found.passages].index(RENT)

    sent = openai_server.requests[-1].json()["messages"]
    assert sent[-1]["role"] == "user"
    assert f"[{rent_n}] lease.pdf, page 3: {RENT}" in sent[-1]["content"]
    assert "cite" in sent[-1]["content"]
    assert sent[-1]["content"].endswith("What is the monthly rent and the deposit?")

    # Only what the reply cited is stored, and history loading returns it; the user's own
    # message stays their words.
    reply = updates[-1].message
    user, stored = history
    assert user.content == "What is the monthly rent and the deposit?" and user.sources is None
    assert stored.sources == reply.sources
    assert stored.cited_sources == [
        {
            "n": 2,
            "file": LEASE,
            "page": found.passages[1].page,
            "text": found.passages[1].text,
            "heading": None,
            "start": 0,
            "end": len(found.passages[1].text),
        }
    ]

    # The export carries exactly {file, page, text}; an import keeps the sources.
    message = json.loads(exported)["conversations"][0]["messages"][1]
    assert message["sources"] == [
        {"file": LEASE, "page": found.passages[1].page, "text": found.passages[1].text}
    ]
    assert message["source_details"][0]["n"] == 2


def test_import_of_an_export_keeps_the_sources(services, collections, openai_server):
    says(openai_server, "Rent: 900 euros [1].")

    async def scenario():
        plan = await services.chat.find_passages(
            text="monthly rent", model_id=CLOUD, collection_ids=[collections["Housing"]]
        )
        await ask(services, "monthly rent", model_id=CLOUD, documents=plan)
        exported = await services.transfer.export(conversation_ids=None)
        document = json.loads(exported)
        document["conversations"][0]["id"] = 999  # not the same conversation again
        summary = await services.transfer.import_bytes(data=json.dumps(document).encode())
        (cid,) = summary.conversation_ids
        return plan, await services.conversations.messages(cid), exported

    plan, imported, exported = run_then_close(services, scenario())
    assert plan.passages[0].text == RENT  # "monthly" too: the better match
    assert imported[1].cited_sources[0] | {"n": 1} == imported[1].cited_sources[0]
    assert imported[1].cited_sources[0]["file"] == LEASE
    assert imported[1].cited_sources[0]["page"] == 3
    shown = json.loads(exported)["conversations"][0]["messages"]
    assert shown[0].get("sources") is None  # a user message has none


def test_a_reply_that_cites_nothing_stores_no_sources(services, collections, openai_server):
    says(openai_server, "Your documents do not say.")

    async def scenario():
        updates = await ask(services, "rent", model_id=CLOUD, documents=DocumentPlan())
        return updates[-1].message

    message = run_then_close(services, scenario())
    assert message.status == "complete"
    assert message.sources is None and message.cited_sources == []


def test_a_local_model_gets_the_passages_and_nothing_is_announced(services, collections, tiny_gguf):
    async def scenario():
        (local,), _ = await services.models.add_from_disk([tiny_gguf])
        return await ask(services, "deposit", model_id=local.id, documents=DocumentPlan())

    updates = run_then_close(services, scenario())
    found = next(u for u in updates if isinstance(u, PassagesFound))
    assert [p.text for p in found.passages] == [DEPOSIT]
    assert found.notice is None  # nothing leaves this computer
    finished = updates[-1]
    assert isinstance(finished, ReplyFinished) and finished.error is None
    assert finished.message.where == "on this computer"
    assert any(isinstance(u, TextDelta) for u in updates)
    # The tiny model's words are gibberish: whatever it "cited" is a subset of what it was given.
    assert {s["text"] for s in finished.message.cited_sources} <= {DEPOSIT}


def test_the_privacy_check_covers_the_passages(services, collections):
    secret = "Write to the landlord at jane.doe@example.com about the rent."
    services.db.call_sync(lambda store: add_chunk(store, 1, secret, page=5))

    async def scenario():
        plan = await services.chat.find_passages(text="landlord rent", model_id=CLOUD)
        return plan, await services.models.resolve(CLOUD)

    plan, cloud = run_then_close(services, scenario())
    assert secret in [p.text for p in plan.passages]
    check = services.providers.check_before_sending
    assert check("what about the landlord?", cloud) == []
    found = check("what about the landlord?", cloud, passages=plan.passages)
    assert {f.kind for f in found} == {"email"}
    assert (
        plan.notice(cloud)
        == f"{len(plan.passages)} passages from your files will be sent to OpenAI."
    )


def test_stop_during_the_lookup_stops_the_reply_before_anything_is_sent(
    services, collections, openai_server
):
    says(openai_server, "never")
    started = asyncio.Event

    async def scenario():
        began = started()

        async def slow_retrieve(*, question, collection_ids, budget_tokens):
            began.set()
            await asyncio.sleep(30)
            return []

        services.chat.documents = DocumentChat(
            db=services.db, settings=services.settings, retrieve=slow_retrieve
        )

        async def stop_soon():
            await began.wait()
            services.chat.stop()

        stopper = asyncio.create_task(stop_soon())
        updates = await asyncio.wait_for(
            ask(services, "rent", model_id=CLOUD, documents=DocumentPlan()), timeout=10
        )
        await stopper
        return updates, services.chat.busy

    updates, busy = run_then_close(services, scenario())
    finished = updates[-1]
    assert finished.message.status == "stopped" and finished.error is None
    assert finished.message.where == "not sent — stopped before sending"
    assert not any(isinstance(u, PassagesFound | RequestSent) for u in updates)
    assert openai_server.requests == [] and not busy


def test_a_failed_lookup_is_the_replys_error_in_plain_words(services, collections, openai_server):
    async def scenario():
        async def broken(**_):
            raise RuntimeError("index exploded")

        services.chat.documents = DocumentChat(
            db=services.db, settings=services.settings, retrieve=broken
        )
        return await ask(services, "rent", model_id=CLOUD, documents=DocumentPlan())

    finished = run_then_close(services, scenario())[-1]
    assert finished.message.status == "error"
    assert finished.message.error == "Your documents could not be searched. Try again."
    assert openai_server.requests == []


def test_the_retrieval_seam_gets_the_enabled_collections_and_a_budget(services, collections):
    calls = []

    async def retrieve(*, question, collection_ids, budget_tokens):
        calls.append((question, collection_ids, budget_tokens))
        return []

    docs = DocumentChat(db=services.db, settings=services.settings, retrieve=retrieve)

    async def scenario():
        cloud = await services.models.resolve(CLOUD)
        everything = await docs.find(question="rent", model=cloud)
        kitchen = await docs.find(
            question="bread", model=cloud, collection_ids=[collections["Kitchen"]]
        )
        return everything, kitchen

    everything, kitchen = run_then_close(services, scenario())
    assert calls[0][:2] == ("rent", [collections["Housing"]])
    assert calls[1][:2] == ("bread", [collections["Kitchen"]])  # named: even when disabled
    assert 0 < calls[0][2] <= 1500
    assert everything.passages == () and everything.collection_ids is None
    assert kitchen.collection_ids == (collections["Kitchen"],)


def test_collections_by_name_or_all_and_the_plain_refusals(services):
    async def scenario():
        with pytest.raises(NoDocuments):
            await services.chat.documents.collection_ids()
        ids = await services.db.call(housing_documents)
        found = [
            await services.chat.documents.collection_ids(),
            await services.chat.documents.collection_ids("housing"),
        ]
        with pytest.raises(UnknownCollection) as unknown:
            await services.chat.documents.collection_ids("Taxes")
        return ids, found, unknown.value

    ids, found, unknown = run_then_close(services, scenario())
    assert found == [[ids["Housing"]], [ids["Housing"]]]
    assert unknown.message == (
        "There is no collection named “Taxes”. Your collections: “Housing”, “Kitchen”."
    )
