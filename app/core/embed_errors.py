"""What can go wrong with the embedding model behind meaning-based document search.

Documents stay searchable by their words whatever happens here: these errors say why the search
by meaning is missing, and how to get it.
"""

from __future__ import annotations

from app.core.errors import HearthError, ModelFileError

# The catalog's embedding model, named in the suggested actions.
SUGGESTED_EMBED_MODEL = "nomic-embed-text-v1.5"


class CannotEmbed(ModelFileError):
    message = "This model can't be used to search documents by meaning: it is a chat model."
    action = (
        f"Choose an embedding model such as {SUGGESTED_EMBED_MODEL}, or none: documents are "
        "still searched by their words."
    )

    @classmethod
    def named(cls, name: str) -> CannotEmbed:
        return cls(
            f"“{name}” can't be used to search documents by meaning: it is a chat model, "
            "not an embedding model."
        )


class EmbedModelNotFound(HearthError):
    message = "The embedding model for document search was not found."
    action = (
        f"Give the path of an embedding GGUF file, or the name {SUGGESTED_EMBED_MODEL} once it "
        "is downloaded."
    )


class EmbedModelNotDownloaded(HearthError):
    message = "The embedding model for document search is not downloaded yet."

    @classmethod
    def named(cls, name: str) -> EmbedModelNotDownloaded:
        return cls(
            f"The embedding model {name} is not downloaded yet.",
            action=f"Download it (hearth pull {name}); it runs on this computer only.",
        )
