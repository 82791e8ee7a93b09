"""Long-term memory: storage, BM25 retrieval within a budget, the prompt it makes, and the
privacy rule checked at the wire (a loopback server records what each model was sent)."""

from __future__ import annotations

import asyncio

import pytest

from app import secrets
from app.core.chat import ModelInfo
from app.services.chat import ReplyFinished, ReplyStarted
from app.services.memory import (
    MEMORY_HEADER,
    CloudMemoryNotAllowed,
    parse_remember_command,
    parse_suggestions,
    system_prompt_with,
    within_budget,
)
from app.store import Store
from app.store import memory as store_memory
from app.store.memory import Memory, MemoryNotFound, MemoryTextInvalid
from tests.wire_servers import WireServer, encode_sse, openai_events, openai_usage, sse_reply

LOCAL = ModelInfo(id="tiny", provider="local", display_name="tiny")
CLOUD = ModelInfo(id="openai:gpt-4o-mini", provider="openai", display_name="gpt-4o-mini")
KEY = "sk-test-0123456789abcdefghijklmnop"
COMPLETIONS = "/v1/chat/completions"


def run(services, coro):
    async def wrapper():
        try:
            return await coro
        finally:
            await services.close()

    return asyncio.run(wrapper())


def reply_events(text: str = "Noted.") -> object:
    return sse_reply([encode_sse(openai_events([text], usage=openai_usage(40, 3)))])


# -- storage and retrieval --------------------------------------------------------------------


def test_add_edit_delete_list(store):
    a = store_memory.add_memory(store, "  I live in   Lyon ")
    b = store_memory.add_memory(store, "My cat is called Miso", source_message_id=None)
    assert a.text == "I live in Lyon"
    assert [m.id for m in store_memory.list_memories(store)] == [b.id, a.id]
    edited = store_memory.update_memory(store, a.id, "I live in Geneva")
    assert edited.text == "I live in Geneva" and edited.updated >= a.updated
    assert [m.id for m, _ in store_memory.search_memories(store, "moving from Geneva")] == [a.id]
    assert store_memory.search_memories(store, "Lyon") == [], "the index follows edits"
    store_memory.delete_memory(store, a.id)
    assert [m.id for m in store_memory.list_memories(store)] == [b.id]
    with pytest.raises(MemoryNotFound):
        store_memory.delete_memory(store, a.id)
    with pytest.raises(MemoryTextInvalid):
        store_memory.add_memory(store, "   ")
    with pytest.raises(MemoryTextInvalid, match="at most"):
        store_memory.add_memory(store, "x" * (store_memory.MAX_MEMORY_CHARS + 1))


def test_ranking_prefers_more_and_rarer_shared_words(store):
    add = lambda text: store_memory.add_memory(store, text).id  # noqa: E731
    garden = add("I grow tomatoes and basil in my garden")
    tomato_only = add("Tomatoes give me a rash")
    sister = add("My sister lives in Porto")
    add("I prefer short answers")
    ranked = store_memory.search_memories(
        store, "What should I plant in the garden next to tomatoes?"
    )
    ids = [m.id for m, _ in ranked]
    assert ids[:2] == [garden, tomato_only]
    assert sister not in ids
    scores = [score for _, score in ranked]
    assert scores == sorted(scores), "bm25: lower is better, best first"


def test_stemming_stopwords_and_awkward_text(store):
    dog = store_memory.add_memory(store, "I have two dogs").id
    assert [m.id for m, _ in store_memory.search_memories(store, "my dog is ill")] == [dog]
    assert store_memory.search_memories(store, "what is the time?") == [], "only stopwords"
    for awkward in ['"dog', "dog AND (", "NEAR(dog", "dog*", "-dog", "dog:"]:
        assert [m.id for m, _ in store_memory.search_memories(store, awkward)] == [dog]


def test_budget_keeps_the_best_that_fit(store):
    memories = [
        Memory(1, "a" * 40, "", ""),  # 10 tokens + 2
        Memory(2, "b" * 200, "", ""),  # 50 tokens + 2: does not fit after the first
        Memory(3, "c" * 20, "", ""),  # 5 tokens + 2: still fits
    ]
    assert [m.id for m in within_budget(memories, 20)] == [1, 3]
    assert within_budget(memories, 5) == []
    assert [m.id for m in within_budget(memories, 1000)] == [1, 2, 3]


def test_relevant_respects_the_token_budget(services):
    memory = services.memory

    async def scenario():
        await memory.remember(text="My daughter Ada is allergic to peanuts")
        await memory.remember(text="Peanuts " + "and other nuts are fine for my son " * 20)
        found = await memory.relevant(query="Can I give the kids peanuts?", budget_tokens=1000)
        tight = await memory.relevant(query="Can I give the kids peanuts?", budget_tokens=20)
        return found, tight

    found, tight = run(services, scenario())
    assert len(found) == 2
    assert [m.text for m in tight] == ["My daughter Ada is allergic to peanuts"]


def test_system_prompt_with_memories():
    memories = [Memory(1, "I live in Lyon", "", ""), Memory(2, "I am vegetarian", "", "")]
    assert system_prompt_with([], " Be brief. ") == "Be brief."
    text = system_prompt_with(memories, "Be brief.")
    assert text == f"Be brief.\n\n{MEMORY_HEADER}\n- I live in Lyon\n- I am vegetarian"
    assert system_prompt_with(memories, "").startswith(MEMORY_HEADER)


def test_remember_command():
    assert parse_remember_command("/remember I take the 8:10 train") == "I take the 8:10 train"
    assert parse_remember_command("  /Remember\nmulti-line fact ") == "multi-line fact"
    assert parse_remember_command("/remember") == ""
    assert parse_remember_command("/remembering things") is None
    assert parse_remember_command("please /remember this") is None


def test_command_stores_only_the_fact(services):
    memory = services.memory

    async def scenario():
        assert await memory.command(text="just a normal message") is None
        stored = await memory.command(text="/remember My bike is a blue Brompton")
        with pytest.raises(MemoryTextInvalid):
            await memory.command(text="/remember   ")
        return stored, await memory.list()

    stored, listed = run(services, scenario())
    assert stored.text == "My bike is a blue Brompton"
    assert listed == [stored]


def test_used_by_keeps_the_wording_sent_and_forgets_deleted(store):
    conv = store.create_conversation()
    store.add_message(conv.id, role="user", content="hi")
    reply = store.add_message(conv.id, role="assistant", content="hello")
    lyon = store_memory.add_memory(store, "I live in Lyon")
    cat = store_memory.add_memory(store, "My cat is Miso")
    store_memory.record_used(store, reply.id, [lyon, cat])
    store_memory.update_memory(store, lyon.id, "I live in Geneva")
    assert [m.text for m in store_memory.used_by(store, reply.id)] == ["I live in Lyon", cat.text]
    store_memory.delete_memory(store, cat.id)
    assert [m.text for m in store_memory.used_by(store, reply.id)] == ["I live in Lyon"]
    # Purging the conversation takes the record with it.
    store.delete_conversation(conv.id)
    store.purge_deleted()
    assert store.db.execute("SELECT count(*) FROM message_memories").fetchone()[0] == 0


def test_undo_of_a_delete_brings_back_the_same_memory_and_its_uses(store):
    conv = store.create_conversation()
    store.add_message(conv.id, role="user", content="hi")
    reply = store.add_message(conv.id, role="assistant", content="hello")
    cat = store_memory.add_memory(store, "My cat is Miso")
    store_memory.record_used(store, reply.id, [cat])
    gone = store_memory.delete_memory(store, cat.id)
    assert store_memory.used_by(store, reply.id) == []
    back = store_memory.restore_memory(store, gone)
    assert back == cat
    assert [m.id for m in store_memory.used_by(store, reply.id)] == [cat.id]
    # The id went to a memory added in between: the fact comes back under a new one.
    again = store_memory.delete_memory(store, cat.id)
    newer = store_memory.add_memory(store, "I live in Lyon")
    restored = store_memory.restore_memory(store, again)
    assert restored.id != newer.id and restored.text == cat.text
    assert restored.created == cat.created
    assert [m.text for m in store_memory.used_by(store, reply.id)] == [cat.text]


# -- the privacy rule -------------------------------------------------------------------------


def test_memories_for_applies_the_privacy_rule(services):
    memory = services.memory
    loopback = ModelInfo(
        id="ollama:llama3.2", provider="ollama", display_name="llama3.2", on_this_computer=True
    )

    async def scenario():
        await memory.remember(text="I am training for the Lyon marathon")
        query = "Plan my marathon week"
        seen = {
            "local": await memory.memories_for(model=LOCAL, query=query),
            "loopback server": await memory.memories_for(model=loopback, query=query),
            "cloud": await memory.memories_for(model=CLOUD, query=query),
        }
        memory.allow_cloud(provider="openai", allowed=True)
        seen["cloud allowed"] = await memory.memories_for(model=CLOUD, query=query)
        memory.pause_all()
        seen["paused"] = await memory.memories_for(model=LOCAL, query=query)
        memory.resume()
        memory.allow_cloud(provider="openai", allowed=False)
        seen["cloud revoked"] = await memory.memories_for(model=CLOUD, query=query)
        return {k: len(v) for k, v in seen.items()}

    assert run(services, scenario()) == {
        "local": 1,
        "loopback server": 1,
        "cloud": 0,
        "cloud allowed": 1,
        "paused": 0,
        "cloud revoked": 0,
    }


@pytest.fixture
def ollama_server(monkeypatch):
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", server.base_url + "/v1")
        yield server


def system_text(recorded) -> str:
    messages = recorded.json()["messages"]
    return "\n".join(m["content"] for m in messages if m["role"] == "system")


async def send(services, **kw) -> list:
    updates = [u async for u in services.chat.send(**kw)]
    assert isinstance(updates[-1], ReplyFinished) and updates[-1].error is None
    return updates


def test_cloud_gets_memories_only_once_allowed_checked_at_the_wire(services, openai_server):
    secrets.set_key("openai", KEY)
    openai_server.script("POST", COMPLETIONS, reply_events())
    services.settings.set("system_prompt", "Be brief.")
    memory = services.memory

    async def scenario():
        fact = await memory.remember(text="My sister Lea lives in Porto")
        ask = dict(conversation_id=None, text="Gift ideas for my sister?", model_id=CLOUD.id)
        before = await send(services, **ask)
        memory.allow_cloud(provider="openai", allowed=True)
        after = await send(services, **ask)
        used = await memory.used_by(message_id=after[-1].message.id)
        unused = await memory.used_by(message_id=before[-1].message.id)
        return fact, before, after, used, unused

    fact, before, after, used, unused = run(services, scenario())
    first, second = openai_server.requests
    assert "Porto" not in first.body.decode() and system_text(first) == "Be brief."
    assert "My sister Lea lives in Porto" in system_text(second)
    assert system_text(second).startswith("Be brief.")
    assert isinstance(before[0], ReplyStarted) and before[0].memories == ()
    assert [m.id for m in after[0].memories] == [fact.id]
    assert [m.text for m in used] == [fact.text] and unused == []


def test_server_on_this_computer_gets_memories_by_default(services, ollama_server):
    ollama_server.script("POST", COMPLETIONS, reply_events())
    memory = services.memory

    async def scenario():
        await memory.remember(text="I use Fedora Linux on my laptop")
        await memory.remember(text="My favourite colour is green")
        await send(services, conversation_id=None, text="How do I install Python on my laptop?",
                   model_id="ollama:llama3.2")  # fmt: skip
        memory.pause_all()
        await send(services, conversation_id=None, text="And on my laptop at work?",
                   model_id="ollama:llama3.2")  # fmt: skip

    run(services, scenario())
    first, paused = ollama_server.requests
    assert "Fedora" in system_text(first) and "green" not in first.body.decode()
    assert "Fedora" not in paused.body.decode()


def test_conversation_system_prompt_replaces_the_app_wide_one(services, ollama_server):
    ollama_server.script("POST", COMPLETIONS, reply_events())
    services.settings.set("system_prompt", "App-wide prompt.")
    history = services.history

    async def scenario():
        persona = await history.create_persona(
            name="Pirate", system_prompt="Answer like a pirate.", default_model="ollama:x"
        )
        conv = await history.start_with_persona(persona_id=persona.id)
        await send(services, conversation_id=conv.id, text="Hello", model_id="ollama:x")
        await history.set_system_prompt(conversation_id=conv.id, text="")
        await send(services, conversation_id=conv.id, text="Hello again", model_id="ollama:x")

    run(services, scenario())
    pirate, back_to_default = ollama_server.requests
    assert system_text(pirate) == "Answer like a pirate."
    assert system_text(back_to_default) == "App-wide prompt."


# -- suggestions --------------------------------------------------------------------------------


def test_parse_suggestions_drops_known_and_noise():
    existing = [Memory(1, "I live in Lyon", "", "")]
    reply = (
        "Here are some facts:\n- I live in Lyon\n* The user keeps bees\n2. The user is a nurse\n"
        "not a bullet\n- NONE\n- The user keeps bees"
    )
    assert parse_suggestions(reply, existing) == ["The user keeps bees", "The user is a nurse"]
    assert parse_suggestions("NONE", existing) == []


def test_suggest_refuses_a_cloud_model_unless_allowed(services, openai_server):
    secrets.set_key("openai", KEY)
    openai_server.script(
        "POST", COMPLETIONS, reply_events("- The user bakes sourdough every Sunday")
    )
    memory = services.memory

    async def scenario():
        conv = await services.db.call(Store.create_conversation, "Baking")
        await services.db.call(
            Store.add_message, conv.id, role="user", content="I bake sourdough every Sunday."
        )
        with pytest.raises(CloudMemoryNotAllowed):
            await memory.suggest(conversation_id=conv.id, model=CLOUD)
        assert openai_server.requests == [], "nothing left the computer"
        proposals = await memory.suggest(conversation_id=conv.id, model=CLOUD, allow_cloud=True)
        stored_before_approval = await memory.list()
        approved = await memory.approve(proposals=proposals)
        return proposals, stored_before_approval, approved

    proposals, stored_before, approved = run(services, scenario())
    assert proposals == ["The user bakes sourdough every Sunday"]
    assert stored_before == [], "proposals are never stored without approval"
    assert [m.text for m in approved] == proposals
    sent = openai_server.requests[0].json()["messages"]
    assert "I bake sourdough every Sunday." in sent[-1]["content"]


def test_automatic_suggestions_are_off_by_default_and_local_only(services):
    memory = services.memory
    assert not memory.should_suggest_after(LOCAL)
    memory.set_suggestions_enabled(True)
    assert memory.should_suggest_after(LOCAL)
    assert not memory.should_suggest_after(CLOUD)
    memory.pause_all()
    assert not memory.should_suggest_after(LOCAL)
    run(services, asyncio.sleep(0))
