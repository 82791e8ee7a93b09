"""The longer SQL of some migrations (app/store/migrations.py), kept here so that file stays a
readable list of steps. Like the migrations, never edit what a released migration runs."""

from __future__ import annotations

# m012: chat with documents. A collection ("Taxes 2026") holds roots (files or folders as added);
# each file found under a root is one doc_files row, read into chunks that keep the page (or
# heading) and character offsets of their text, so a citation points to it exactly.
DOCUMENTS = """
        CREATE TABLE doc_collections (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE,
            enabled INTEGER NOT NULL DEFAULT 1,
            created TEXT NOT NULL
        );
        CREATE TABLE doc_roots (
            id INTEGER PRIMARY KEY,
            collection_id INTEGER NOT NULL REFERENCES doc_collections(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            is_folder INTEGER NOT NULL,
            added TEXT NOT NULL,
            UNIQUE (collection_id, path)
        );
        CREATE TABLE doc_files (
            id INTEGER PRIMARY KEY,
            collection_id INTEGER NOT NULL REFERENCES doc_collections(id) ON DELETE CASCADE,
            root_id INTEGER REFERENCES doc_roots(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            size INTEGER,
            mtime REAL,
            sha256 TEXT,
            state TEXT NOT NULL DEFAULT 'waiting',
            reason TEXT,
            pages INTEGER,
            next_page INTEGER NOT NULL DEFAULT 0,
            chunks INTEGER NOT NULL DEFAULT 0,
            indexed TEXT,
            UNIQUE (collection_id, path)
        );
        CREATE INDEX doc_files_state ON doc_files (state);
        CREATE TABLE doc_chunks (
            id INTEGER PRIMARY KEY,
            file_id INTEGER NOT NULL REFERENCES doc_files(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            page INTEGER,
            heading TEXT,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL
        );
        CREATE INDEX doc_chunks_file ON doc_chunks (file_id, seq);
        CREATE VIRTUAL TABLE doc_chunks_fts USING FTS5 (
            text, heading, tokenize='unicode61 remove_diacritics 2', prefix='2 3',
            content=doc_chunks, content_rowid=id
        );
        CREATE TRIGGER doc_chunks_ai AFTER INSERT ON doc_chunks BEGIN
            INSERT INTO doc_chunks_fts (rowid, text, heading)
            VALUES (new.id, new.text, new.heading);
        END;
        CREATE TRIGGER doc_chunks_ad AFTER DELETE ON doc_chunks BEGIN
            INSERT INTO doc_chunks_fts (doc_chunks_fts, rowid, text, heading)
            VALUES ('delete', old.id, old.text, old.heading);
        END;
        CREATE TRIGGER doc_chunks_au AFTER UPDATE ON doc_chunks BEGIN
            INSERT INTO doc_chunks_fts (doc_chunks_fts, rowid, text, heading)
            VALUES ('delete', old.id, old.text, old.heading);
            INSERT INTO doc_chunks_fts (rowid, text, heading)
            VALUES (new.id, new.text, new.heading);
        END;
"""


# A reply's tool calls as words to search: each call's tool name, arguments and result (the
# JSON keys of messages.tool_calls left out, so "name" or "result" do not find every call).
# Walked by index with a recursive CTE: FTS5 cannot rebuild from a view that uses json_each.
def _tool_words(row: str) -> str:
    calls = f"{row}.tool_calls"
    part = "coalesce(json_extract(" + calls + ", '$[' || n || '].{}'), '')"
    return f"""(CASE WHEN json_valid({calls}) AND json_array_length({calls}) > 0 THEN (
        WITH RECURSIVE i(n) AS (
            SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n + 1 < json_array_length({calls}))
        SELECT group_concat(
            {part.format("name")} || ' ' || {part.format("arguments")} || ' ' ||
            {part.format("result")}, ' ')
        FROM i) END)"""


def search_with_tool_calls() -> str:
    """m021: the message index with a second column, each reply's tool calls as words."""
    return f"""
        DROP TRIGGER IF EXISTS messages_ai;
        DROP TRIGGER IF EXISTS messages_ad;
        DROP TRIGGER IF EXISTS messages_au;
        DROP TABLE IF EXISTS messages_fts;
        CREATE VIEW messages_search AS
            SELECT m.id AS id, m.content AS content, {_tool_words("m")} AS tool_text
            FROM messages m;
        CREATE VIRTUAL TABLE messages_fts USING FTS5 (
            content, tool_text, tokenize='unicode61', prefix='2 3',
            content=messages_search, content_rowid=id
        );
        CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, content, tool_text)
            VALUES (new.id, new.content, {_tool_words("new")});
        END;
        CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content, tool_text)
            VALUES ('delete', old.id, old.content, {_tool_words("old")});
        END;
        CREATE TRIGGER messages_au AFTER UPDATE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, content, tool_text)
            VALUES ('delete', old.id, old.content, {_tool_words("old")});
            INSERT INTO messages_fts (rowid, content, tool_text)
            VALUES (new.id, new.content, {_tool_words("new")});
        END;
        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
"""
