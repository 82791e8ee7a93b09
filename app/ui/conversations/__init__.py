"""The sidebar list of conversations (grouping by date, pinning, its delegate), exporting
chats, and the controller for new, open, rename and delete (conversation_actions)."""
