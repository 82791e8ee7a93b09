"""Images attached to chats: decoding, rotating, scaling and stripping them with Pillow
(`prepare`), and keeping them in the data folder by content hash (`store`). Blocking work:
callers run it on a worker thread, never the UI thread."""
