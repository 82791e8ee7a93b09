"""Which heading a conversation sits under in the list: Pinned, Today, Yesterday, …"""

from __future__ import annotations

from datetime import date, datetime

from app.core.records import Conversation


def local_date(iso_stamp: str) -> date | None:
    try:
        return datetime.fromisoformat(iso_stamp).astimezone().date()
    except ValueError:
        return None


def group_label(conversation: Conversation, today: date) -> str:
    if conversation.pinned:
        return "Pinned"
    day = local_date(conversation.updated)
    if day is None:
        return "Older"
    age = (today - day).days
    if age <= 0:
        return "Today"
    if age == 1:
        return "Yesterday"
    if age < 7:
        return "Previous 7 days"
    if age < 30:
        return "Previous 30 days"
    return "Older"


def grouped(
    conversations: list[Conversation], today: date | None = None
) -> list[tuple[str, list[Conversation]]]:
    """Keeps the given order (pinned first, then most recent) and starts a group at each change."""
    today = today or date.today()
    groups: list[tuple[str, list[Conversation]]] = []
    for conversation in conversations:
        label = group_label(conversation, today)
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(conversation)
    return groups
