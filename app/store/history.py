"""History across conversations: full-text search, branches, pages of the shown branch, edits.

Functions take the Store and run on the database worker thread, like Store's own methods.
Personas and per-chat system prompts are in store.personas; whole trees (export, import) in
store.trees.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from app.core.errors import ConversationNotFound, HearthError, StorageError
from app.core.records import MESSAGE_COLUMNS, Message
from app.store.images import copy_images, with_images
from app.store.store import Store

# Snippet markers: control characters nobody types, so a « in a message cannot be mistaken for a
# match. Front ends turn them into bold text or «» with SearchHit.parts() / marked().
MATCH_START = "\x02"
MATCH_END = "\x03"
SNIPPET_WORDS = 12
# A one- or two-letter prefix ("th*") matches most of the index and is slow; longer ones are not.
MIN_PREFIX_CHARS = 3
# At most this many matches are ranked by BM25: the newest ones (see _ranking_floor).
RANKED_WINDOW = 5_000

_MESSAGE_FIELDS = list(MESSAGE_COLUMNS)
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHAR = re.compile(r"\w", re.UNICODE)


class MessageNotFound(HearthError):
    message = "That message does not exist (its conversation may have been deleted)."


class NotEditable(HearthError):
    message = "Only your own messages can be edited."


# -- search --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchHit:
    conversation_id: int
    title: str
    message_id: int
    role: str
    created: str
    snippet: str  # the matches wrapped in MATCH_START / MATCH_END

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, is_match) pieces, for a front end to style."""
        pieces: list[tuple[str, bool]] = []
        for i, chunk in enumerate(re.split(f"[{MATCH_START}{MATCH_END}]", self.snippet)):
            if chunk:
                pieces.append((chunk, i % 2 == 1))
        return pieces

    def marked(self, start: str = "«", end: str = "»") -> str:
        """The snippet on one line with the matches between `start` and `end`."""
        text = "".join(f"{start}{t}{end}" if hit else t for t, hit in self.parts())
        return " ".join(text.split())


def fts_query(text: str) -> str:
    """A safe FTS5 query from what the user typed: every word must appear, "quoted phrases" stay
    phrases, and a last plain word also matches as a prefix, so results come while typing.
    Each term is quoted, so nothing typed is read as FTS syntax (AND, NEAR, brackets, quotes)."""
    terms: list[str] = []
    last_is_word = False
    for phrase, word in _PHRASE_OR_WORD.findall(text or ""):
        chunk = phrase or word
        if _WORD_CHAR.search(chunk):
            terms.append('"' + chunk.replace('"', '""') + '"')
            last_is_word = bool(word) and re.fullmatch(r"\w+", word) is not None
    if terms and last_is_word and len(terms[-1]) - 2 >= MIN_PREFIX_CHARS:
        terms[-1] += "*"
    return " ".join(terms)


def search(store: Store, text: str, *, limit: int = 50) -> list[SearchHit]:
    """Messages of every conversation not deleted, best BM25 match first (newest on ties)."""
    query = fts_query(text)
    if not query:
        return []
    sql = f"""
        SELECT m.conversation_id, c.title, m.id, m.role, m.created,
               snippet(messages_fts, -1, '{MATCH_START}', '{MATCH_END}', '…', {SNIPPET_WORDS})
        FROM messages_fts
        JOIN messages m ON m.rowid = messages_fts.rowid
        JOIN conversations c ON c.id = m.conversation_id
        WHERE messages_fts MATCH :query AND messages_fts.rowid >= :floor AND c.deleted IS NULL
        ORDER BY messages_fts.rank, m.id DESC
        LIMIT :limit"""
    try:
        floor = _ranking_floor(store, query)
        rows = store.db.execute(sql, {"query": query, "floor": floor, "limit": limit}).fetchall()
    except sqlite3.OperationalError as exc:
        # The query is quoted word by word; this is a damaged index, not the user's typing.
        raise StorageError("Search is not available right now.") from exc
    return [SearchHit(*row) for row in rows]


def _ranking_floor(store: Store, query: str) -> int:
    """The oldest message id BM25 ranks. Scoring costs about 2 µs per matching message, so a
    word found in 90,000 messages would take 200 ms; past RANKED_WINDOW matches only the newest
    ones are ranked (older ones are reached by adding a word). Finding the cut is cheap: FTS5
    walks its rowids newest first without scoring."""
    row = store.db.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        [query, RANKED_WINDOW - 1],
    ).fetchone()
    return row[0] if row else 0


def find_in_conversation(store: Store, conversation_id: int, text: str) -> list[int]:
    """Ids of the shown messages of one conversation that contain the words, oldest first."""
    query = fts_query(text)
    if not query:
        return []
    sql = _chain(
        """SELECT messages_fts.rowid FROM messages_fts JOIN chain ON chain.id = messages_fts.rowid
           WHERE messages_fts MATCH :query ORDER BY messages_fts.rowid"""
    )
    rows = store.db.execute(sql, {"cid": conversation_id, "query": query}).fetchall()
    return [r[0] for r in rows]


def _chain(select: str) -> str:
    """The shown branch of conversation :cid, walked back from its head."""
    return f"""
        WITH RECURSIVE chain(id) AS (
            SELECT head_message_id FROM conversations WHERE id = :cid
            UNION ALL
            SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id
            WHERE m.parent_id IS NOT NULL
        )
        {select}"""


# -- branches ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Branches:
    """Where a message sits among its versions: ‹ position/count ›."""

    index: int  # 0-based
    count: int
    sibling_ids: tuple[int, ...]  # oldest first

    @property
    def position(self) -> int:
        return self.index + 1

    @property
    def previous_id(self) -> int | None:
        return self.sibling_ids[self.index - 1] if self.index > 0 else None

    @property
    def next_id(self) -> int | None:
        return self.sibling_ids[self.index + 1] if self.index + 1 < self.count else None


def _message_row(store: Store, message_id: int) -> tuple[int, int | None, str]:
    row = store.db.execute(
        "SELECT conversation_id, parent_id, role FROM messages WHERE id = ?", [message_id]
    ).fetchone()
    if row is None:
        raise MessageNotFound()
    return row


def branches(store: Store, message_id: int) -> Branches:
    """The message and its siblings (other versions under the same parent), oldest first."""
    cid, parent_id, _role = _message_row(store, message_id)
    rows = store.db.execute(
        "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS ? ORDER BY id",
        [cid, parent_id],
    ).fetchall()
    ids = tuple(r[0] for r in rows)
    return Branches(index=ids.index(message_id), count=len(ids), sibling_ids=ids)


def branch_map(store: Store, conversation_id: int) -> dict[int, Branches]:
    """Branches of every shown message that has other versions, from one read of the
    conversation's (id, parent) pairs: a long chat must not cost a round trip per message."""
    row = store.db.execute(
        "SELECT head_message_id FROM conversations WHERE id = ?", [conversation_id]
    ).fetchone()
    if row is None:
        raise ConversationNotFound()
    parent_of: dict[int, int | None] = dict(
        store.db.execute(
            "SELECT id, parent_id FROM messages WHERE conversation_id = ? ORDER BY id",
            [conversation_id],
        ).fetchall()
    )
    shown, current = set(), row[0]
    while current is not None and current not in shown:
        shown.add(current)
        current = parent_of.get(current)
    return _sibling_groups(parent_of.items(), shown)


def branches_for(store: Store, message_ids: list[int]) -> dict[int, Branches]:
    """Branches of just these messages (say, the page on screen) that have other versions."""
    if not message_ids:
        return {}
    marks = ",".join("?" * len(message_ids))
    rows = store.db.execute(
        f"""SELECT DISTINCT s.id, s.parent_id FROM messages m
            JOIN messages s ON s.conversation_id = m.conversation_id AND s.parent_id IS m.parent_id
            WHERE m.id IN ({marks}) ORDER BY s.id""",
        list(message_ids),
    ).fetchall()
    return _sibling_groups(rows, set(message_ids))


def _sibling_groups(pairs, wanted: set[int]) -> dict[int, Branches]:
    """(id, parent_id) pairs in id order -> Branches for the wanted ids that have siblings."""
    by_parent: dict[int | None, list[int]] = {}
    for mid, parent_id in pairs:
        by_parent.setdefault(parent_id, []).append(mid)
    result: dict[int, Branches] = {}
    for siblings in by_parent.values():
        if len(siblings) < 2:
            continue
        for i, mid in enumerate(siblings):
            if mid in wanted:
                result[mid] = Branches(index=i, count=len(siblings), sibling_ids=tuple(siblings))
    return result


def recent_messages(
    store: Store, conversation_id: int, *, limit: int = 100, before_id: int | None = None
) -> list[Message]:
    """The last `limit` shown messages, oldest first: enough for a first paint of a long chat,
    without reading all of it. Pass before_id (the oldest message on screen) for the page
    above it."""
    if before_id is None:
        row = store.db.execute(
            "SELECT head_message_id FROM conversations WHERE id = ?", [conversation_id]
        ).fetchone()
        if row is None:
            raise ConversationNotFound()
        start = row[0]
    else:
        start = _message_row(store, before_id)[1]
    if start is None or limit <= 0:
        return []
    cols = ", ".join(f"m.{f}" for f in _MESSAGE_FIELDS)
    sql = f"""
        WITH RECURSIVE chain(id, n) AS (
            SELECT :start, 1
            UNION ALL
            SELECT m.parent_id, chain.n + 1 FROM messages m JOIN chain ON m.id = chain.id
            WHERE m.parent_id IS NOT NULL AND chain.n < :limit
        )
        SELECT {cols} FROM messages m JOIN chain ON m.id = chain.id ORDER BY m.id"""
    rows = store.db.execute(sql, {"start": start, "limit": limit}).fetchall()
    return with_images(store, [Message(*r) for r in rows])


def newer_messages(store: Store, after_id: int, *, limit: int = 100) -> list[Message]:
    """The `limit` shown messages after this one, oldest first: the page below it. Empty when
    it is the newest, or not on the shown branch. A message's children may sit on other
    branches, so the branch is walked back from the head; ids grow from parent to child, so the
    walk stops at this message."""
    cid, _parent, _role = _message_row(store, after_id)
    if limit <= 0:
        return []
    cols = ", ".join(f"m.{f}" for f in _MESSAGE_FIELDS)
    sql = f"""
        WITH RECURSIVE chain(id) AS (
            SELECT head_message_id FROM conversations WHERE id = :cid AND head_message_id > :after
            UNION ALL
            SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id
            WHERE m.parent_id > :after
        )
        SELECT {cols} FROM messages m
        WHERE m.id IN (SELECT id FROM chain ORDER BY id LIMIT :limit) ORDER BY m.id"""
    rows = store.db.execute(sql, {"cid": cid, "after": after_id, "limit": limit}).fetchall()
    page = with_images(store, [Message(*r) for r in rows])
    return page if page and page[0].parent_id == after_id else []


@dataclass(frozen=True, slots=True)
class Page:
    """A stretch of a conversation's shown branch, oldest first, and whether the branch goes
    on above it and below it."""

    messages: list[Message]
    more_before: bool
    more_after: bool


def newer_page(store: Store, after_id: int, *, limit: int = 100) -> Page:
    """newer_messages as a Page: one more is read to tell whether the branch goes on."""
    below = newer_messages(store, after_id, limit=limit + 1)
    return Page(below[:limit], more_before=True, more_after=len(below) > limit)


def messages_around(store: Store, message_id: int, *, before: int = 20, after: int = 20) -> Page:
    """A window of the shown branch around one of its messages: up to `before` messages above
    it, the message, up to `after` below it. For opening a long chat far from its end."""
    cid, parent_id, _role = _message_row(store, message_id)
    above = recent_messages(store, cid, limit=before, before_id=message_id)
    below = newer_messages(store, message_id, limit=after + 1)
    first = above[0] if above else store.message(message_id)
    return Page(
        [*above, store.message(message_id), *below[:after]],
        more_before=first.parent_id is not None,
        more_after=len(below) > after,
    )


def newest_leaf(store: Store, message_id: int) -> int:
    """The newest message at or below this one. Ids grow from parent to child, so the largest id
    in a subtree is always a leaf."""
    sql = """
        WITH RECURSIVE below(id) AS (
            SELECT :mid
            UNION ALL
            SELECT m.id FROM messages m JOIN below ON m.parent_id = below.id
        )
        SELECT max(id) FROM below"""
    return store.db.execute(sql, {"mid": message_id}).fetchone()[0]


def show_message(store: Store, message_id: int) -> int:
    """Make the conversation show the branch through this message (the newest one below it).
    Returns the conversation id. Used by the branch arrows and by opening a search hit."""
    cid, _parent, _role = _message_row(store, message_id)
    store.set_head(cid, newest_leaf(store, message_id))
    return cid


def is_shown(store: Store, message_id: int) -> bool:
    cid, _parent, _role = _message_row(store, message_id)
    sql = _chain("SELECT 1 FROM chain WHERE id = :mid")
    return store.db.execute(sql, {"cid": cid, "mid": message_id}).fetchone() is not None


def edit_message(store: Store, message_id: int, text: str) -> Message:
    """A new version of a user message, beside the old one (same parent); it becomes the head,
    so the caller streams a reply to it. The old version and its replies stay as a branch."""
    cid, parent_id, role = _message_row(store, message_id)
    if role != "user":
        raise NotEditable()
    if not text.strip():
        raise HearthError("The message is empty.", action="Type the new text, or cancel.")
    new = store.add_message(cid, role="user", content=text, parent_id=parent_id)
    copy_images(store, message_id, new.id)  # the new version keeps the old one's pictures
    return store.message(new.id)
