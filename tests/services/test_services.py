"""The chat service end to end on real llama.cpp and a real SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from app.core.errors import ModelFileError, NotAGgufFile
from app.core.events import TextDelta
from app.services import open_services
from app.services.chat import ModelLoading, ReplyFinished, ReplyStarted


@pytest.fixture
def services(data_dir):
    svc = open_services(data_dir)
    svc.settings.set("max_tokens", 48)  # short replies keep the tests quick
    return svc


def run_then_close(services, coro):
    """Run a scenario and close the services on the same event loop the engine used."""

    async def wrapper():
        try:
            await coro
        finally:
            await services.close()

    asyncio.run(wrapper())


async def _collect(agen, *, stop_after_deltas=None, chat=None):
    updates = []
    deltas = 0
    async for update in agen:
        updates.append(update)
        if isinstance(update, TextDelta):
            deltas += 1
            if stop_after_deltas is not None and deltas == stop_after_deltas:
                chat.stop()
    return updates


def test_send_streams_stores_and_counts(services, tiny_gguf):
    async def scenario():
        (model,), failed = await services.models.add_from_disk([tiny_gguf])
        assert not failed and model.where == "on this computer"
        updates = await _collect(
            services.chat.send(conversation_id=None, text="Hello there", model_id=model.id)
        )
        started = updates[0]
        assert isinstance(started, ReplyStarted)
        assert started.conversation.title == "Hello there"
        assert any(isinstance(u, ModelLoading) and u.progress == 1.0 for u in updates)
        text = "".join(u.text for u in updates if isinstance(u, TextDelta))
        finished = updates[-1]
        assert isinstance(finished, ReplyFinished) and finished.error is None
        stored = await services.conversations.messages(started.conversation.id)
        assert [m.role for m in stored] == ["user", "assistant"]
        reply = stored[-1]
        assert reply.content == text and text
        assert reply.status == "complete"
        assert reply.model_id == model.id and reply.provider == "local"
        assert reply.input_tokens > 0 and reply.output_tokens > 0
        assert reply.ttft_ms is not None and reply.ttft_ms >= 0

        # Turn two continues the same conversation with the whole history.
        await _collect(
            services.chat.send(conversation_id=started.conversation.id, text="And again?")
        )
        stored = await services.conversations.messages(started.conversation.id)
        assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
        assert stored[-1].input_tokens > reply.input_tokens

    run_then_close(services, scenario())


def test_stop_keeps_the_partial_reply_marked_stopped(services, tiny_gguf):
    async def scenario():
        await services.models.add_from_disk([tiny_gguf])
        updates = await _collect(
            services.chat.send(conversation_id=None, text="Tell me a long story"),
            stop_after_deltas=3,
            chat=services.chat,
        )
        shown = "".join(u.text for u in updates if isinstance(u, TextDelta))
        finished = updates[-1]
        assert finished.message.status == "stopped"
        assert finished.message.content == shown
        assert not services.chat.busy
        # The engine is still usable after a stop.
        cid = finished.message.conversation_id
        again = await _collect(services.chat.send(conversation_id=cid, text="Go on"))
        assert again[-1].message.status == "complete"

    run_then_close(services, scenario())


def test_reply_is_written_while_it_streams(services, tiny_gguf, data_dir):
    async def scenario():
        await services.models.add_from_disk([tiny_gguf])
        seen_in_db = []
        reply_id = None
        async for update in services.chat.send(conversation_id=None, text="Stream please"):
            if isinstance(update, ReplyStarted):
                reply_id = update.reply.id
            if isinstance(update, TextDelta) and not seen_in_db:
                await asyncio.sleep(0.3)  # longer than the flush interval
            if isinstance(update, TextDelta) and len(seen_in_db) < 3:
                await asyncio.sleep(0.05)
                con = sqlite3.connect(data_dir / "hearth.db")
                row = con.execute(
                    "SELECT content, status FROM messages WHERE id = ?", [reply_id]
                ).fetchone()
                con.close()
                seen_in_db.append(row)
        assert any(content and status == "streaming" for content, status in seen_in_db)

    run_then_close(services, scenario())


def test_regenerate_adds_a_new_reply_and_keeps_the_old(services, tiny_gguf):
    async def scenario():
        await services.models.add_from_disk([tiny_gguf])
        first = await _collect(services.chat.send(conversation_id=None, text="Pick a number"))
        cid = first[-1].message.conversation_id
        second = await _collect(services.chat.regenerate(conversation_id=cid))
        shown = await services.conversations.messages(cid)
        assert [m.role for m in shown] == ["user", "assistant"]
        assert shown[-1].id == second[-1].message.id != first[-1].message.id
        old = await services.db.call(lambda s: s.message(first[-1].message.id))
        assert old.parent_id == shown[0].id

    run_then_close(services, scenario())


def test_broken_files_are_refused_in_plain_words(services, tmp_path):
    junk = tmp_path / "holiday-photo.gguf"
    junk.write_bytes(b"\x89PNG\r\n" + b"\0" * 100)

    async def scenario():
        added, failed = await services.models.add_from_disk([junk])
        assert added == []
        ((path, err),) = failed
        assert isinstance(err, NotAGgufFile)
        assert "not a GGUF" in err.message

    run_then_close(services, scenario())


def test_a_model_file_that_vanished_gives_an_error_reply(services, tiny_gguf, tmp_path):
    moved = tmp_path / "moving.gguf"
    moved.write_bytes(tiny_gguf.read_bytes())

    async def scenario():
        (model,), _ = await services.models.add_from_disk([moved])
        moved.unlink()
        updates = await _collect(services.chat.send(conversation_id=None, text="hi"))
        finished = updates[-1]
        assert isinstance(finished.error, ModelFileError)
        assert finished.message.status == "error"
        assert "no longer" in finished.message.error

    run_then_close(services, scenario())
