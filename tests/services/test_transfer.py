"""Export and import: Hearth JSON round trip with branches, a realistic ChatGPT export (edits,
regenerations, code and tool output, images, missing fields), and damaged files that must
import nothing at all."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from app.core.errors import StorageError
from app.services import open_services
from app.services.chatgpt_import import render_content
from app.services.import_common import ImportFailed, epoch_to_iso
from app.services.transfer import export_json, export_markdown, parse_export
from app.store import Store
from app.store import history as h
from app.store import personas as ps
from app.store import trees as store_trees
from app.store.trees import ImportedConversation, ImportedMessage

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "chatgpt_conversations.json"


def run(services, coro):
    async def wrapper():
        try:
            return await coro
        finally:
            await services.close()

    return asyncio.run(wrapper())


def import_into(folder: Path, data: bytes):
    services = open_services(folder)
    return run(services, services.transfer.import_bytes(data=data))


def open_store(folder: Path) -> Store:
    return Store(folder / "hearth.db")


def tree_shape(store: Store, cid: int):
    """Everything a round trip must keep, with ids replaced by positions."""
    tree = store_trees.conversation_tree(store, cid)
    pos = {m.id: i for i, m in enumerate(tree.messages)}
    messages = [
        (
            pos.get(m.parent_id),
            m.role,
            m.content,
            m.model_id,
            m.provider,
            m.destination,
            m.status,
            m.input_tokens or 0,  # the export writes an unknown count as 0
            m.output_tokens or 0,
            m.cost_usd,
            m.created,
        )
        for m in tree.messages
    ]
    c = tree.conversation
    return (c.title, c.created, c.pinned, tree.system_prompt, pos[tree.head_message_id], messages)


# -- Hearth JSON --------------------------------------------------------------------------------


def build_branchy_conversation(store: Store) -> int:
    conv = store.create_conversation("Pasta for four")
    q = store.add_message(conv.id, role="user", content="How much pasta for four?")
    a = store.add_message(
        conv.id, role="assistant", content="400 g.", model_id="openai:gpt-4o-mini",
        provider="openai", destination="sent to OpenAI",
    )  # fmt: skip
    store.update_message(a.id, input_tokens=12, output_tokens=3, cost_usd="0.0000036")
    regenerated = store.add_message(
        conv.id, role="assistant", content="About 100 g each.", parent_id=q.id,
        model_id="tiny-chat", provider="local", destination="on this computer",
    )  # fmt: skip
    store.update_message(regenerated.id, cost_usd="0", status="stopped")
    follow = store.add_message(conv.id, role="user", content="And sauce?")
    h.edit_message(store, follow.id, "And a sauce without tomatoes?")
    store.add_message(conv.id, role="assistant", content="Pesto.", model_id="tiny-chat")
    h.show_message(store, follow.id)  # the user went back to the first version
    ps.set_conversation_system_prompt(store, conv.id, "Answer in metric units.")
    store.set_pinned(conv.id, True)
    return conv.id


def test_hearth_json_round_trip_keeps_every_branch(tmp_path):
    source = open_store(tmp_path / "a")
    cid = build_branchy_conversation(source)
    other = source.create_conversation("Second")
    source.add_message(other.id, role="user", content="hello")
    trees = store_trees.conversation_trees(source, None)
    text = export_markdown(trees)
    data = export_json(trees).encode()
    expected = tree_shape(source, cid)
    source.close()

    doc = json.loads(data)
    assert doc["format"] == "hearth-export" and doc["version"] == 2
    conv = next(c for c in doc["conversations"] if c["title"] == "Pasta for four")
    assert len(conv["messages"]) == 6 and conv["head_message_id"] is not None
    first = conv["messages"][1]
    assert {"id", "parent_id", "role", "content", "model", "provider", "created", "usage"} <= set(
        first
    )
    assert first["cost_usd"] == "0.0000036"
    # Markdown shows the shown branch and says that other versions exist.
    assert "And sauce?" in text and "without tomatoes" not in text and "other versions" in text

    summary = import_into(tmp_path / "b", data)
    assert (summary.format, summary.conversations, summary.messages) == ("hearth", 2, 7)
    target = open_store(tmp_path / "b")
    new_cid = next(c.id for c in target.conversations() if c.title == "Pasta for four")
    assert tree_shape(target, new_cid) == expected
    shown = [m.content for m in target.messages(new_cid)]
    assert shown == ["How much pasta for four?", "About 100 g each.", "And sauce?"]
    target.close()

    again = import_into(tmp_path / "b", data)
    assert (again.conversations, again.skipped) == (0, 2), "the same export is not imported twice"


def test_version_1_export_imports_as_one_chain(tmp_path):
    # What Hearth's first export wrote: no ids, the shown branch only.
    old = {"role": "user", "model": None, "provider": None, "created": "2026-01-02T10:00:00+00:00"}
    roles = ["user", "assistant", "user"]
    messages = [{**old, "role": r, "content": f"turn {i}"} for i, r in enumerate(roles)]
    conversation = {"id": 1, "title": "Old", "created": old["created"], "updated": old["created"]}
    document = {"format": "hearth-export", "version": 1, "conversations": [conversation]}
    conversation["messages"] = messages
    data = json.dumps(document).encode()
    summary = import_into(tmp_path / "b", data)
    assert summary.messages == 3
    target = open_store(tmp_path / "b")
    (imported,) = target.conversations()
    shown = target.messages(imported.id)
    assert [m.content for m in shown] == ["turn 0", "turn 1", "turn 2"]
    assert [m.parent_id for m in shown] == [None, shown[0].id, shown[1].id]


# -- ChatGPT -------------------------------------------------------------------------------------


@pytest.fixture
def imported(tmp_path):
    summary = import_into(tmp_path / "data", FIXTURE.read_bytes())
    store = open_store(tmp_path / "data")
    yield summary, store, {c.title: c for c in store.conversations()}
    store.close()


def test_chatgpt_import_summary(imported):
    summary, store, convs = imported
    assert summary.format == "chatgpt"
    assert (summary.conversations, summary.skipped) == (4, 1), "the empty chat is skipped"
    assert summary.messages == 7 + 2 + 4 + 4
    assert "Imported 4 conversations (17 messages) from ChatGPT" in summary.plain()
    assert set(convs) == {
        "Sourdough starter smells odd",
        "Regional sales chart",
        "Cat breed and spacesuit",
        "When does the last train from Lyon to Geneva…",
    }


def test_chatgpt_edits_and_regenerations_become_branches(imported):
    _, store, convs = imported
    conv = convs["Sourdough starter smells odd"]
    shown = store.messages(conv.id)
    # current_node is followed (the first answer to the edit), not the newest node.
    assert [m.content for m in shown] == [
        "My sourdough starter smells like nail polish remover. Is it dead?",
        shown[1].content,
        "How often should I feed it if I keep it in the fridge?",
        "In the fridge, once a week is enough. Take it out a day before baking.",
    ]
    assert shown[1].model_id == "chatgpt:gpt-4o" and shown[1].where == "sent to ChatGPT"
    question = h.branches(store, shown[2].id)
    assert (question.position, question.count) == (2, 2)
    answers = h.branches(store, shown[3].id)
    assert (answers.position, answers.count) == (1, 2)
    assert store.message(answers.next_id).model_id == "chatgpt:gpt-4o-mini"
    # The original question still has its own answer on the other branch.
    h.show_message(store, question.previous_id)
    assert store.messages(conv.id)[-1].content == "At room temperature, once or twice a day."
    # Hidden system prompt and custom instructions are not imported.
    all_text = " ".join(m.content for m in store_trees.conversation_tree(store, conv.id).messages)
    assert "Be concise" not in all_text and "user profile" not in all_text.lower()
    assert conv.created.startswith("2024-06-10T06:13:20")


def test_chatgpt_code_output_and_images_are_readable_text(imported):
    _, store, convs = imported
    conv = convs["Regional sales chart"]
    assert conv.pinned
    user, reply = store.messages(conv.id)
    assert reply.role == "assistant" and reply.model_id == "chatgpt:o3"
    text = reply.content
    assert text.startswith("```python\nimport pandas as pd")
    assert "Output:\n```\n  region  total\n2   east   1430" in text
    assert "[Image: file_00000000a1b2c3d4e5f60718293a4b5c, 800×600" in text
    assert text.endswith("The chart above shows the three totals.")
    assert "Thought for" not in text and "Parsing numbers" not in text, "reasoning is hidden"

    cat = convs["Cat breed and spacesuit"]
    photo, breed, ask, drawn = store.messages(cat.id)
    assert photo.content == (
        "[Image: file-Q7wErTyUiOp1AsDfGhJkL, 1536×2048 — not included in the import]\n\n"
        "What breed is this cat?"
    )
    assert drawn.content.startswith("[Generated image, 1024×1024: “A British Shorthair cat")
    assert drawn.content.endswith("Here he is, ready for launch.")
    assert '"size": "1024x1024"' not in drawn.content, "the call to the image tool is hidden"


def test_chatgpt_missing_fields_and_browsing(imported):
    _, store, convs = imported
    conv = convs["When does the last train from Lyon to Geneva…"]  # no title: first words
    assert conv.created and conv.updated
    q, a, q2, a2 = store.messages(conv.id)  # no current_node: the newest branch
    assert all(m.created for m in (q, a, q2, a2))
    assert 'search("last train' not in a.content, "the browser call is hidden"
    assert "Browsing result:\n# 【0†SNCF timetable" in a.content
    assert "> Dernier départ le dimanche : 20h34.\n\n— SNCF Connect https://" in a.content
    assert a.content.endswith("reaches Geneva at 22:25.")
    assert a.model_id == "chatgpt:gpt-4-browsing"
    assert a2.content == "Yes: FlixBus leaves at 23:50 from Perrache."  # unknown content type
    assert a2.model_id == "chatgpt"


def test_imported_messages_are_searchable(imported):
    _, store, convs = imported
    (hit,) = h.search(store, "acetone")
    assert hit.conversation_id == convs["Sourdough starter smells odd"].id
    assert "«acetone»" in hit.marked()


def test_reimporting_skips_and_zip_is_read(tmp_path):
    folder = tmp_path / "data"
    import_into(folder, FIXTURE.read_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("user.json", "{}")
        archive.writestr("conversations.json", FIXTURE.read_bytes())
    again = import_into(folder, buffer.getvalue())
    assert (again.conversations, again.skipped) == (0, 5)
    fresh = import_into(tmp_path / "fresh", buffer.getvalue())
    assert fresh.conversations == 4


def test_one_conversation_object_and_wrapped_list_are_accepted():
    conv = json.loads(FIXTURE.read_text())[0]
    assert parse_export(json.dumps(conv).encode())[0] == "chatgpt"
    wrapped = json.dumps({"conversations": [conv]}).encode()
    kind, items = parse_export(wrapped)
    assert kind == "chatgpt" and len(items) == 1


def test_render_content_kinds():
    assert render_content({"content_type": "code", "language": "unknown", "text": "x = 1"}) == (
        "```\nx = 1\n```"
    )
    assert render_content({"content_type": "execution_output", "text": ""}) == ""
    parts = ["see", {"content_type": "audio_transcription", "text": "hello"}, {"x": 1}, 3]
    assert render_content({"content_type": "multimodal_text", "parts": parts}) == (
        "see\n\nhello\n\n[Attachment]"
    )
    assert epoch_to_iso(None) is None and epoch_to_iso("garbage") is None
    assert epoch_to_iso(True) is None and epoch_to_iso(float("nan")) is None
    assert epoch_to_iso(0.5e9) == "1985-11-05T00:53:20.000000+00:00"


# -- damaged files ---------------------------------------------------------------------------------


def damaged_variants() -> dict[str, bytes]:
    good = json.loads(FIXTURE.read_text())
    bad_tree = json.loads(FIXTURE.read_text())
    bad_tree[2]["mapping"] = list(bad_tree[2]["mapping"].values())
    bad_children = json.loads(FIXTURE.read_text())
    first_node = next(iter(bad_children[1]["mapping"].values()))
    first_node["children"] = "not-a-list"
    return {
        "truncated": FIXTURE.read_bytes()[: len(FIXTURE.read_bytes()) // 2],
        "empty": b"  \n",
        "binary": b"\xff\xfe\x00garbage",
        "other json": json.dumps({"hello": "world"}).encode(),
        "empty list": b"[]",
        "bad tree in the third conversation": json.dumps(bad_tree).encode(),
        "children not a list": json.dumps(bad_children).encode(),
        "future hearth version": json.dumps(
            {"format": "hearth-export", "version": 99, "conversations": []}
        ).encode(),
        "hearth message without role": json.dumps(
            {
                "format": "hearth-export",
                "version": 2,
                "conversations": [{"id": 1, "title": "t", "messages": [{"content": "x"}]}],
            }
        ).encode(),  # fmt: skip
        "hearth dangling parent": json.dumps(
            {
                "format": "hearth-export",
                "version": 2,
                "conversations": [
                    {
                        "id": 1,
                        "title": "t",
                        "messages": [{"id": 1, "parent_id": 7, "role": "user", "content": "x"}],
                    }
                ],
            }
        ).encode(),  # fmt: skip
        "broken zip": b"PK\x03\x04" + b"\x00" * 40,
        "good": json.dumps(good).encode(),
    }


@pytest.mark.parametrize("name", [k for k in damaged_variants() if k != "good"])
def test_a_damaged_file_imports_nothing(tmp_path, name):
    folder = tmp_path / "data"
    with pytest.raises(ImportFailed) as caught:
        import_into(folder, damaged_variants()[name])
    message = caught.value.plain()
    assert "Nothing was imported" in message and "\n" not in message
    assert "Traceback" not in message and "Error" not in message.split()[0]
    store = open_store(folder)
    assert store.conversations() == []
    assert store.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    store.close()


def test_a_failure_while_writing_rolls_everything_back(tmp_path):
    store = open_store(tmp_path)
    good = ImportedConversation(
        "ok", "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00",
        [ImportedMessage("a", None, "user", "hello", "2024-01-01T00:00:00+00:00")],
    )  # fmt: skip
    broken = ImportedConversation(
        "broken", "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00",
        [ImportedMessage("a", None, "user", None, "2024-01-01T00:00:00+00:00")],  # NOT NULL
    )  # fmt: skip
    with pytest.raises(StorageError, match="nothing was imported"):
        store_trees.write_imported(store, [good, good, broken])
    assert store.db.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM messages_fts").fetchone()[0] == 0
    assert isinstance(store.db.conn, sqlite3.Connection) and not store.db.conn.in_transaction
    store_trees.write_imported(store, [good])  # and the store still works afterwards
    assert [c.title for c in store.conversations()] == ["ok"]
    store.close()


def test_missing_file_is_plain_words(services, tmp_path):
    with pytest.raises(ImportFailed, match="There is no file"):
        run(services, services.transfer.import_file(path=tmp_path / "nope.json"))


def test_imported_chatgpt_replies_are_not_hearth_usage(imported):
    """They were paid for in ChatGPT: never counted as Hearth replies of unknown price."""
    from app.store import usage as store_usage

    _, store, convs = imported
    assert store_usage.summarise(store_usage.rows(store.db)).replies == 0
    conv = convs["Sourdough starter smells odd"]
    assert store_usage.conversation_total(store.db, conv.id).unknown_price_replies == 0
