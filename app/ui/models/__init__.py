"""Choosing and managing models: the picker (entries, delegate), the header with its where-badge,
the model manager and its per-model defaults, adding GGUF files from disk, the loading banner,
and the controller that loads and switches models (model_actions)."""
