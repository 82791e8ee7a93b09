"""Searching all chats: the panel, its delegate and texts, and the controller (search_actions)."""
