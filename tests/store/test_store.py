"""The SQLite store: migrations, branches, FTS, crash recovery. Real SQLite files."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.core.errors import ConversationNotFound
from app.store import Store
from app.store.migrations import MIGRATIONS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_blank_database_gets_every_migration(tmp_path):
    store = Store(tmp_path / "hearth.db")
    applied = [r["name"] for r in store.db["_migrations"].rows]
    assert applied == [fn.__name__ for fn in MIGRATIONS]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.integrity_ok()
    assert not list(tmp_path.glob("*.backup-*")), "nothing to back up in a new file"


def test_migrating_an_old_database_keeps_history_and_backs_up_first(tmp_path):
    path = tmp_path / "hearth.db"
    shutil.copy(FIXTURES / "hearth-v1.db", path)
    store = Store(path)

    backups = list(tmp_path.glob("hearth.backup-*.db"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT count(*) FROM messages").fetchone()[0] == 4
    assert old.execute("SELECT count(*) FROM _migrations").fetchone()[0] == 1

    titles = [c.title for c in store.conversations()]
    assert titles == ["Letter to the landlord", "Pasta for four"]  # pinned first
    pasta = store.messages(1)
    assert [m.role for m in pasta] == ["user", "assistant"]
    assert pasta[1].parent_id == pasta[0].id
    assert pasta[1].input_tokens == 20
    # A reply left streaming by the old version is marked interrupted, its text kept.
    letter = store.messages(2)
    assert letter[-1].status == "interrupted"
    assert letter[-1].content == "Dear landlord, the heating"
    # Old messages are searchable.
    assert [m.content for m in store.search("people")] == ["How much pasta for four people?"]
    assert store.integrity_ok()
    store.close()
    assert Store(path).conversations()  # opening again migrates nothing and backs up nothing
    assert len(list(tmp_path.glob("hearth.backup-*.db"))) == 1


def test_fts_follows_inserts_updates_and_deletes(tmp_path):
    store = Store(tmp_path / "hearth.db")
    conv = store.create_conversation("Birds")
    msg = store.add_message(conv.id, role="user", content="the quick brown fox")
    assert [m.id for m in store.search("quick")] == [msg.id]
    store.update_message(msg.id, content="a slow green turtle")
    assert store.search("quick") == []
    assert [m.id for m in store.search("turtle")] == [msg.id]
    store.delete_conversation(conv.id)
    assert store.search("turtle") == [], "deleted conversations are not found"
    store.restore_conversation(conv.id)
    assert len(store.search("turtle")) == 1
    store.delete_conversation(conv.id)
    assert store.purge_deleted() == 1
    assert store.db.execute("SELECT count(*) FROM messages_fts").fetchone()[0] == 0
    with pytest.raises(ConversationNotFound):
        store.conversation(conv.id)


def test_search_takes_awkward_text(tmp_path):
    store = Store(tmp_path / "hearth.db")
    conv = store.create_conversation()
    store.add_message(conv.id, role="user", content='He said "hi" (AND left) *')
    assert len(store.search('"hi" AND (')) == 1


def test_regenerate_keeps_the_old_reply_on_a_branch(tmp_path):
    store = Store(tmp_path / "hearth.db")
    conv = store.create_conversation()
    q = store.add_message(conv.id, role="user", content="question")
    first = store.add_message(conv.id, role="assistant", content="first answer")
    second = store.add_message(conv.id, role="assistant", content="second answer", parent_id=q.id)
    assert [m.content for m in store.messages(conv.id)] == ["question", "second answer"]
    store.set_head(conv.id, first.id)
    assert [m.content for m in store.messages(conv.id)] == ["question", "first answer"]
    assert store.message(second.id).parent_id == q.id


def test_conversations_most_recent_first_with_counts(tmp_path):
    store = Store(tmp_path / "hearth.db")
    a = store.create_conversation("a")
    b = store.create_conversation("b")
    store.add_message(a.id, role="user", content="hello")
    listed = store.conversations()
    assert [c.title for c in listed] == ["a", "b"]
    assert listed[0].message_count == 1
    store.set_pinned(b.id, True)
    assert store.conversations()[0].id == b.id
    store.rename_conversation(a.id, "  ")
    assert store.conversation(a.id).title == "Untitled"
