"""One conversation on screen and sending to it: the chat view and its pages, drawing and
frames, the user and assistant messages with their footer, menu and editor, markdown rendering,
the composer, find in chat, the empty chat screen, the privacy warning before a cloud send, and
the controllers for sending (send_actions) and paging through history (history_actions)."""
