"""History: search ranking and snippets, branches (edit and resend, regenerate), personas,
automatic titles. Real SQLite files; models on loopback servers."""

from __future__ import annotations

import asyncio

import pytest

from app import secrets
from app.core.events import TextDelta
from app.services.chat import ReplyFinished
from app.services.history import clean_title
from app.store import Store
from app.store import history as h
from app.store import personas as ps
from app.store.history import MATCH_END, MATCH_START, NotEditable
from app.store.personas import PersonaInvalid
from tests.wire_servers import WireServer, encode_sse, openai_events, openai_usage, sse_reply

COMPLETIONS = "/v1/chat/completions"


def run(services, coro):
    async def wrapper():
        try:
            return await coro
        finally:
            await services.close()

    return asyncio.run(wrapper())


def chat(store, title: str, *turns: str):
    conv = store.create_conversation(title)
    msgs = [
        store.add_message(conv.id, role="user" if i % 2 == 0 else "assistant", content=t)
        for i, t in enumerate(turns)
    ]
    return conv, msgs


# -- search ---------------------------------------------------------------------------------------


def test_search_ranks_by_bm25_and_marks_the_match(store):
    bread, (q, a) = chat(
        store,
        "Bread",
        "How long should sourdough proof?",
        "Sourdough proofs 4 to 6 hours; a cold sourdough proof takes a night.",
    )
    _, (long_one, short_one) = chat(
        store, "Trip", "Where can I buy bread on Sunday? " + "filler words " * 40, "Any bread."
    )
    hits = h.search(store, "sourdough")
    assert [hit.message_id for hit in hits] == [a.id, q.id], "two mentions beat one"
    assert all(hit.conversation_id == bread.id and hit.title == "Bread" for hit in hits)
    assert f"{MATCH_START}sourdough{MATCH_END}" in hits[1].snippet
    assert hits[1].marked() == "How long should «sourdough» proof?"
    assert ("sourdough", True) in hits[1].parts()
    # One mention in a short message beats one mention in a long one.
    assert [x.message_id for x in h.search(store, "bread")] == [short_one.id, long_one.id]


def test_search_finds_tool_calls_and_their_results(store):
    """A reply's tool calls are searched by tool name, arguments and result (m021), not by the
    JSON's keys; the snippet comes from where the words are; editing and deleting keep the
    index right."""
    import json

    conv, (q, a) = chat(store, "Clock", "What time is it in Tokyo?", "It is noon there.")
    calls = [
        {"id": "c1", "name": "get_time", "arguments": {"timezone": "Asia/Kolkata"},
         "result": "17:30 IST", "is_error": False, "status": "done"},
    ]  # fmt: skip
    store.db["messages"].update(a.id, {"tool_calls": json.dumps(calls)})
    odd = store.add_message(conv.id, role="assistant", content="odd")
    store.db["messages"].update(odd.id, {"tool_calls": "not json"})  # never breaks a write
    (hit,) = h.search(store, "kolkata")
    assert hit.message_id == a.id and "«Kolkata»" in hit.marked()
    assert [x.message_id for x in h.search(store, "IST")] == [a.id]
    assert [x.message_id for x in h.search(store, "get_time")] == [a.id]
    assert h.search(store, "arguments") == [] and h.search(store, "status") == []
    assert [x.message_id for x in h.search(store, "noon")] == [a.id]  # its words still count
    store.db["messages"].update(a.id, {"tool_calls": None})
    assert h.search(store, "kolkata") == []
    store.db.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")


def test_search_snippet_is_a_window_of_a_long_message(store):
    long_text = " ".join(["word"] * 200 + ["needle"] + ["word"] * 200)
    chat(store, "Long", long_text)
    (hit,) = h.search(store, "needle")
    assert hit.marked().count("word") <= h.SNIPPET_WORDS
    assert "«needle»" in hit.marked() and hit.marked().startswith("…")


def test_search_words_phrases_prefix_and_awkward_text(store):
    _, (m1,) = chat(store, "a", "The quick brown fox jumps")
    _, (m2,) = chat(store, "b", "A brown dog, quick as a fox")
    _, (m3,) = chat(store, "c", 'He said "hi" (AND left) * NEAR')
    assert {x.message_id for x in h.search(store, "quick fox")} == {m1.id, m2.id}
    assert [x.message_id for x in h.search(store, '"quick brown"')] == [m1.id]
    assert {x.message_id for x in h.search(store, "jum")} == {m1.id}, "last word as a prefix"
    assert [x.message_id for x in h.search(store, '"hi" AND ( NEAR')] == [m3.id]
    assert h.search(store, "  ") == [] and h.search(store, '"" ()') == []


def test_short_prefixes_use_an_index_and_find_what_a_scan_finds(store):
    """Migration m010 indexes 2- and 3-letter prefixes; a prefix search returns exactly the
    messages holding a word that starts so, as before the index (checked here by a scan)."""
    schema = store.db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'"
    ).fetchone()[0]
    assert "prefix='2 3'" in schema
    words = ["the", "then", "there", "theory", "them", "other", "bathe", "THEN", "con", "cone"]
    texts = {}
    for a in words:
        for b in words[::3]:
            _, (m,) = chat(store, "t", f"{a} {b} x")
            texts[m.id] = m.content

    def scan(prefix: str) -> set[int]:
        return {i for i, t in texts.items() if any(w.lower().startswith(prefix) for w in t.split())}

    def found(prefix: str) -> set[int]:
        return {x.message_id for x in h.search(store, f"x {prefix}", limit=1000)}

    for prefix in ("the", "then", "con", "cone", "oth", "bat"):
        assert found(prefix) == scan(prefix), prefix
    # Edits and deletes keep the rebuilt index in step (the m003 triggers still point to it).
    first, last = min(texts), max(texts)
    store.db.execute("UPDATE messages SET content = 'x zebra' WHERE id = ?", [first])
    store.db.execute("DELETE FROM messages WHERE id = ?", [last])
    texts[first] = "x zebra"
    del texts[last]
    for prefix in ("zeb", "the", "con"):
        assert found(prefix) == scan(prefix), prefix


def test_very_common_words_rank_among_the_newest_matches(store, monkeypatch):
    monkeypatch.setattr(h, "RANKED_WINDOW", 3)
    _, old = chat(store, "old", "tea tea tea with lemon", "tea")
    _, new = chat(store, "new", "tea and cake", "tea and scones", "more tea please")
    ranked = [x.message_id for x in h.search(store, "tea")]
    assert set(ranked) == {m.id for m in new}, "only the 3 newest matches are ranked"
    assert old[0].id not in ranked, "its three teas would have ranked it first"
    # One more word narrows the matches, and older messages come back.
    assert [x.message_id for x in h.search(store, "tea lemon")] == [old[0].id]


def test_search_skips_deleted_conversations_and_finds_hidden_branches(store):
    conv, (q, first) = chat(store, "Jam", "apricot jam recipe", "boil apricots")
    second = store.add_message(
        conv.id, role="assistant", content="apricots and sugar", parent_id=q.id
    )
    assert {x.message_id for x in h.search(store, "apricots")} == {first.id, second.id}
    gone, _ = chat(store, "Gone", "apricots for the trash")
    store.delete_conversation(gone.id)
    assert all(x.conversation_id == conv.id for x in h.search(store, "apricots"))
    # Find in the current chat only looks at the shown branch.
    assert h.find_in_conversation(store, conv.id, "apricots") == [second.id]


def test_open_a_hit_on_a_hidden_branch_shows_that_branch(services):
    history = services.history

    async def scenario():
        def build(store):
            conv, (q, old) = chat(store, "Tea", "green tea temperature?", "use 80 degrees")
            store.add_message(conv.id, role="assistant", content="boiling is fine", parent_id=q.id)
            return conv.id, old.id

        cid, old_id = await services.db.call(build)
        (hit,) = await history.search(text="degrees")
        page = await history.open_around(message_id=hit.message_id, before=20, after=20)
        return old_id, page.messages

    old_id, shown = run(services, scenario())
    assert [m.content for m in shown] == ["green tea temperature?", "use 80 degrees"]
    assert shown[-1].id == old_id


# -- branches -------------------------------------------------------------------------------------


def test_edit_keeps_the_old_version_and_arrows_switch(store):
    conv, (q1, a1, q2, a2) = chat(store, "Pasta", "pasta for 4?", "400 g", "and sauce?", "tomato")
    edited = h.edit_message(store, q2.id, "and sauce for kids?")
    assert edited.parent_id == a1.id
    shown = [m.content for m in store.messages(conv.id)]
    assert shown == ["pasta for 4?", "400 g", "and sauce for kids?"]
    b = h.branches(store, edited.id)
    assert (b.position, b.count, b.sibling_ids) == (2, 2, (q2.id, edited.id))
    assert b.previous_id == q2.id and b.next_id is None
    # Back to version 1: the conversation shows its newest continuation (the old answer).
    h.show_message(store, b.previous_id)
    assert [m.id for m in store.messages(conv.id)] == [q1.id, a1.id, q2.id, a2.id]
    assert h.branches(store, q2.id).position == 1
    # A regenerated answer is another version of the answer.
    a2b = store.add_message(conv.id, role="assistant", content="pesto", parent_id=q2.id)
    assert h.branches(store, a2b.id).position == 2
    shown = h.branch_map(store, conv.id)
    assert set(shown) == {q2.id, a2b.id}
    assert shown[q2.id].count == 2 and shown[a2b.id].sibling_ids == (a2.id, a2b.id)
    # Editing the very first message works too (its siblings have no parent).
    first_v2 = h.edit_message(store, q1.id, "pasta for 6?")
    assert h.branches(store, first_v2.id).sibling_ids == (q1.id, first_v2.id)
    with pytest.raises(NotEditable):
        h.edit_message(store, a1.id, "I am the assistant now")


def test_recent_pages_and_branches_for_the_page(store):
    conv = store.create_conversation("long")
    ids = [
        store.add_message(conv.id, role="user" if i % 2 == 0 else "assistant", content=f"m{i}").id
        for i in range(25)
    ]
    other = store.add_message(conv.id, role="assistant", content="alt", parent_id=ids[2])
    h.show_message(store, ids[3])
    last = h.recent_messages(store, conv.id, limit=10)
    assert [m.id for m in last] == ids[15:]
    above = h.recent_messages(store, conv.id, limit=10, before_id=last[0].id)
    assert [m.id for m in above] == ids[5:15]
    top = h.recent_messages(store, conv.id, limit=10, before_id=ids[2])
    assert [m.id for m in top] == ids[:2]
    assert h.recent_messages(store, conv.id, limit=10, before_id=ids[0]) == []
    assert [m.id for m in store.messages(conv.id)] == ids
    assert set(h.branches_for(store, ids[:6])) == {ids[3]}
    assert h.branches_for(store, ids[:6])[ids[3]].sibling_ids == (ids[3], other.id)
    assert h.branch_map(store, conv.id).keys() == {ids[3]}
    assert h.branches_for(store, []) == {}


def test_newest_leaf_follows_the_deepest_newest_path(store):
    conv, (q, a) = chat(store, "t", "q", "a")
    q2 = store.add_message(conv.id, role="user", content="q2")
    store.add_message(conv.id, role="assistant", content="a2")
    a_alt = store.add_message(conv.id, role="assistant", content="a-alt", parent_id=q.id)
    assert h.newest_leaf(store, q.id) == a_alt.id
    assert h.newest_leaf(store, a.id) == h.newest_leaf(store, q2.id)


def test_edit_and_resend_streams_a_reply_to_the_new_version(services, monkeypatch):
    history = services.history
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", server.base_url + "/v1")
        events = encode_sse(openai_events(["Fine."], usage=openai_usage(9, 2)))
        server.script("POST", COMPLETIONS, sse_reply([events]))

        async def scenario():
            updates = [
                u
                async for u in services.chat.send(
                    conversation_id=None, text="Is 3 eggs enough?", model_id="ollama:m"
                )
            ]
            cid = updates[-1].message.conversation_id
            first_q = (await services.db.call(Store.messages, cid))[0]
            new_q = await history.edit(message_id=first_q.id, text="Is 4 eggs enough?")
            updates = [
                u
                async for u in services.chat.reply_to(
                    conversation_id=cid, user_message_id=new_q.id, model_id="ollama:m"
                )
            ]
            assert isinstance(updates[-1], ReplyFinished)
            assert "".join(u.text for u in updates if isinstance(u, TextDelta)) == "Fine."
            return await services.db.call(Store.messages, cid), first_q

        shown, first_q = run(services, scenario())
        sent = server.requests[-1].json()["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["Is 4 eggs enough?"]
    assert [m.content for m in shown] == ["Is 4 eggs enough?", "Fine."]
    assert shown[0].parent_id is None and shown[0].id != first_q.id


# -- personas and system prompts ------------------------------------------------------------------


def test_personas_crud_and_conversation_prompt(store):
    coach = ps.create_persona(store, " Running   coach ", "You are a running coach.", "tiny-chat")
    assert coach.name == "Running coach" and coach.default_model == "tiny-chat"
    with pytest.raises(PersonaInvalid, match="already"):
        ps.create_persona(store, "running COACH", "x")
    with pytest.raises(PersonaInvalid):
        ps.create_persona(store, "  ", "x")
    chef = ps.create_persona(store, "Chef", "You are a chef.")
    assert [p.name for p in ps.personas(store)] == ["Chef", "Running coach"]
    conv = store.create_conversation()
    assert ps.conversation_system_prompt(store, conv.id) is None
    ps.apply_persona(store, conv.id, coach.id)
    assert ps.conversation_system_prompt(store, conv.id) == "You are a running coach."
    assert ps.conversation_persona_id(store, conv.id) == coach.id
    renamed = ps.update_persona(store, coach.id, system_prompt="Be tough.", default_model=None)
    assert renamed.system_prompt == "Be tough." and renamed.default_model is None
    assert ps.conversation_system_prompt(store, conv.id) == "You are a running coach."
    with pytest.raises(PersonaInvalid):
        ps.update_persona(store, chef.id, name="running coach")
    ps.delete_persona(store, coach.id)
    assert ps.conversation_system_prompt(store, conv.id) == "You are a running coach."
    assert ps.conversation_persona_id(store, conv.id) is None
    ps.set_conversation_system_prompt(store, conv.id, "  ")
    assert ps.conversation_system_prompt(store, conv.id) is None


# -- titles ---------------------------------------------------------------------------------------


def test_clean_title():
    assert (
        clean_title('Title: "Feeding a sourdough starter."\nextra') == "Feeding a sourdough starter"
    )
    assert clean_title("**Pasta for four**") == "Pasta for four"
    assert clean_title("   \n ") == ""
    assert len(clean_title("word " * 40)) <= 60


def test_auto_title_without_a_local_model_uses_the_first_words(services, monkeypatch):
    history = services.history
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OPENAI_BASE_URL", server.base_url + "/v1")
        secrets.set_key("openai", "sk-test-0123456789abcdefghijklmnop")

        async def scenario():
            conv = await services.db.call(Store.create_conversation, "New chat")
            await services.db.call(
                Store.add_message, conv.id, role="user", content="What  wine goes with fondue?"
            )
            cloud = await services.models.resolve("openai:gpt-4o-mini")
            return await history.auto_title(conversation_id=conv.id, model=cloud)

        assert run(services, scenario()) == "What wine goes with fondue?"
        assert server.requests == [], "a title is never worth a cloud call"


def test_auto_title_by_a_model_on_this_computer_keeps_user_titles(services, monkeypatch):
    history = services.history
    with WireServer() as server:
        monkeypatch.setenv("HEARTH_OLLAMA_BASE_URL", server.base_url + "/v1")
        events = encode_sse(openai_events(['"Fondue wine', ' pairing."'], usage=openai_usage(5, 4)))
        server.script("POST", COMPLETIONS, sse_reply([events]))

        async def scenario():
            model = await services.models.resolve("ollama:llama3.2")
            conv = await services.db.call(Store.create_conversation, "What wine goes with fondue?")
            await services.db.call(
                Store.add_message, conv.id, role="user", content="What wine goes with fondue?"
            )
            titled = await history.auto_title(conversation_id=conv.id, model=model)
            await services.db.call(Store.rename_conversation, conv.id, "My own title")
            kept = await history.auto_title(conversation_id=conv.id, model=model)
            stored = await services.db.call(Store.conversation, conv.id)
            return titled, kept, stored.title

        assert run(services, scenario()) == ("Fondue wine pairing", "My own title", "My own title")
        assert len(server.requests) == 1


def test_auto_title_keeps_a_title_the_user_gave_while_the_model_wrote(services, monkeypatch):
    history = services.history

    async def scenario():
        conv = await services.db.call(Store.create_conversation, "Plan a picnic")
        await services.db.call(Store.add_message, conv.id, role="user", content="Plan a picnic")

        async def slow_model(_model, _messages):
            await services.db.call(Store.rename_conversation, conv.id, "Saturday picnic")
            return "Picnic planning"

        monkeypatch.setattr(history, "_title_by_model", slow_model)
        titled = await history.auto_title(conversation_id=conv.id)
        return titled, (await services.db.call(Store.conversation, conv.id)).title

    assert run(services, scenario()) == ("Saturday picnic", "Saturday picnic")


def test_auto_title_with_the_loaded_gguf(services, tiny_gguf):
    history = services.history

    async def scenario():
        (model,), _ = await services.models.add_from_disk([tiny_gguf])
        await services.models.backend_for(model)  # loaded, as after a first reply
        conv = await services.db.call(Store.create_conversation, "New chat")
        await services.db.call(Store.add_message, conv.id, role="user", content="Hi there")
        return await history.auto_title(conversation_id=conv.id)

    title = run(services, scenario())
    assert 0 < len(title) <= 60 and "\n" not in title


def test_pages_around_a_message_and_below_it_follow_the_shown_branch(store):
    conv = store.create_conversation("long")
    ids = [
        store.add_message(conv.id, role="user" if i % 2 == 0 else "assistant", content=f"m{i}").id
        for i in range(30)
    ]
    # Another version of message 10 with a reply: newer ids, not on the shown branch.
    other = store.add_message(conv.id, role="user", content="alt", parent_id=ids[9])
    store.add_message(conv.id, role="assistant", content="alt reply", parent_id=other.id)
    h.show_message(store, ids[29])

    page = h.messages_around(store, ids[15], before=5, after=4)
    assert [m.id for m in page.messages] == ids[10:20]
    assert page.more_before and page.more_after
    assert [m.id for m in h.newer_messages(store, ids[19], limit=4)] == ids[20:24]
    last = h.newer_page(store, ids[25], limit=4)
    assert [m.id for m in last.messages] == ids[26:] and not last.more_after
    assert h.newer_page(store, ids[24], limit=4).more_after
    assert h.newer_messages(store, ids[29], limit=4) == []  # the newest: nothing below
    assert h.newer_messages(store, other.id, limit=4) == []  # not on the shown branch
    top = h.messages_around(store, ids[2], before=5, after=100)
    assert [m.id for m in top.messages] == ids and not top.more_before and not top.more_after

    # Switched to the other version, the pages follow it.
    h.show_message(store, other.id)
    below = h.newer_messages(store, ids[8], limit=10)
    assert [m.content for m in below] == ["m9", "alt", "alt reply"]


def test_open_around_shows_a_hidden_branch_and_reads_a_window(services):
    history = services.history

    async def scenario():
        def build(store):
            conv = store.create_conversation("long")
            ids = [
                store.add_message(
                    conv.id, role="user" if i % 2 == 0 else "assistant", content=f"m{i}"
                ).id
                for i in range(60)
            ]
            edited = h.edit_message(store, ids[40], "newer version")
            return ids, edited.id

        ids, edited_id = await services.db.call(build)
        hidden = await history.open_around(message_id=ids[50], before=3, after=3)
        newer = await history.newer(after_id=hidden.messages[-1].id, limit=100)
        switched = await history.switch_branch(message_id=edited_id, after=5)
        return ids, edited_id, hidden, newer, switched

    ids, edited_id, hidden, newer, switched = run(services, scenario())
    assert [m.id for m in hidden.messages] == ids[47:54]
    assert hidden.more_before and hidden.more_after
    assert [m.id for m in newer.messages] == ids[54:] and not newer.more_after
    assert [m.id for m in switched.messages] == [edited_id] and not switched.more_after
