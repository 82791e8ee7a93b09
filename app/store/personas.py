"""Personas (a named system prompt and default model) and each conversation's own system prompt.

Functions take the Store and run on the database worker thread, like Store's own methods.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.core.errors import ConversationNotFound, HearthError
from app.store.store import Store, now


class PersonaNotFound(HearthError):
    message = "That persona does not exist (it may have been deleted)."


class PersonaInvalid(HearthError):
    action = "Give the persona a name."


def conversation_system_prompt(store: Store, conversation_id: int) -> str | None:
    """The conversation's own system prompt; None when it follows the app-wide one."""
    row = store.db.execute(
        "SELECT system_prompt FROM conversations WHERE id = ?", [conversation_id]
    ).fetchone()
    if row is None:
        raise ConversationNotFound()
    return row[0]


def set_conversation_system_prompt(
    store: Store, conversation_id: int, text: str | None, *, persona_id: int | None = None
) -> None:
    """Blank text (or None) goes back to the app-wide system prompt."""
    value = text.strip() if text and text.strip() else None
    with store.db.conn:
        cursor = store.db.execute(
            "UPDATE conversations SET system_prompt = ?, persona_id = ? WHERE id = ?",
            [value, persona_id, conversation_id],
        )
    if cursor.rowcount == 0:
        raise ConversationNotFound()


def conversation_persona_id(store: Store, conversation_id: int) -> int | None:
    row = store.db.execute(
        "SELECT persona_id FROM conversations WHERE id = ?", [conversation_id]
    ).fetchone()
    if row is None:
        raise ConversationNotFound()
    return row[0]


# -- personas ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Persona:
    id: int
    name: str
    system_prompt: str
    default_model: str | None
    created: str
    updated: str


_PERSONA_COLUMNS = "id, name, system_prompt, default_model, created, updated"


def _persona_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise PersonaInvalid("A persona needs a name.")
    if len(cleaned) > 80:
        raise PersonaInvalid("A persona's name can be at most 80 characters.")
    return cleaned


def _taken(name: str) -> PersonaInvalid:
    return PersonaInvalid(f"There is already a persona called “{name}”.", action="Pick another.")


def personas(store: Store) -> list[Persona]:
    sql = f"SELECT {_PERSONA_COLUMNS} FROM personas ORDER BY name COLLATE NOCASE"
    return [Persona(*row) for row in store.db.execute(sql).fetchall()]


def persona(store: Store, persona_id: int) -> Persona:
    sql = f"SELECT {_PERSONA_COLUMNS} FROM personas WHERE id = ?"
    row = store.db.execute(sql, [persona_id]).fetchone()
    if row is None:
        raise PersonaNotFound()
    return Persona(*row)


def create_persona(
    store: Store, name: str, system_prompt: str, default_model: str | None = None
) -> Persona:
    cleaned, stamp = _persona_name(name), now()
    try:
        with store.db.conn:
            cursor = store.db.execute(
                "INSERT INTO personas (name, system_prompt, default_model, created, updated) "
                "VALUES (?, ?, ?, ?, ?)",
                [cleaned, system_prompt.strip(), default_model or None, stamp, stamp],
            )
    except sqlite3.IntegrityError as exc:
        raise _taken(cleaned) from exc
    return persona(store, cursor.lastrowid)


def update_persona(store: Store, persona_id: int, **values: str | None) -> Persona:
    """Change any of name, system_prompt, default_model."""
    current = persona(store, persona_id)
    name = _persona_name(values.get("name") or current.name)
    prompt = values.get("system_prompt")
    prompt = current.system_prompt if prompt is None else prompt.strip()
    model = values.get("default_model", current.default_model)
    try:
        with store.db.conn:
            store.db.execute(
                "UPDATE personas SET name = ?, system_prompt = ?, default_model = ?, updated = ? "
                "WHERE id = ?",
                [name, prompt, model or None, now(), persona_id],
            )
    except sqlite3.IntegrityError as exc:
        raise _taken(name) from exc
    return persona(store, persona_id)


def delete_persona(store: Store, persona_id: int) -> None:
    """Conversations that used it keep their copy of its system prompt."""
    with store.db.conn:
        cursor = store.db.execute("DELETE FROM personas WHERE id = ?", [persona_id])
        store.db.execute(
            "UPDATE conversations SET persona_id = NULL WHERE persona_id = ?", [persona_id]
        )
    if cursor.rowcount == 0:
        raise PersonaNotFound()


def apply_persona(store: Store, conversation_id: int, persona_id: int) -> Persona:
    """Copy the persona's system prompt into the conversation (a later edit of the persona does
    not change chats already had with it)."""
    chosen = persona(store, persona_id)
    set_conversation_system_prompt(
        store, conversation_id, chosen.system_prompt, persona_id=chosen.id
    )
    return chosen
