"""Memories and personas: the memory manager, its rows and switches, the settings page,
suggested memories after a chat, personas (editor, page), the per-chat system prompt dialog,
and the controllers (memory_actions, persona_actions)."""
