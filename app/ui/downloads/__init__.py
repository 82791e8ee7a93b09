"""Downloading models: the downloads dialog (catalog, search, panel, rows, choice and confirm),
the status-bar indicator, its texts and style, the listener bridge from the download service,
and the controller (download_actions)."""
