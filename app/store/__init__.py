"""SQLite storage through sqlite-utils: conversations, messages, models, FTS."""

from app.store.store import Store

__all__ = ["Store"]
