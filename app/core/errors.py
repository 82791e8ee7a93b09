"""Errors a user can see: each carries a plain-words message and a suggested action."""

from __future__ import annotations


class HearthError(Exception):
    """Base of every error shown to the user. str(err) is the plain-words message."""

    message = "Something went wrong."
    action = ""

    def __init__(self, message: str | None = None, *, action: str | None = None) -> None:
        self.message = message or self.message
        if action is not None:
            self.action = action
        super().__init__(self.message)

    def plain(self) -> str:
        """Message and suggested action as one line, for a status bar or stderr."""
        return f"{self.message} {self.action}".strip()


class ModelFileError(HearthError):
    action = "Choose another model file."


class NotAGgufFile(ModelFileError):
    message = "This file is not a GGUF model."


class TruncatedModelFile(ModelFileError):
    message = "This model file is incomplete or damaged (it may not have finished downloading)."


class UnsupportedArchitecture(ModelFileError):
    message = "This model's architecture is not supported by the built-in engine."


class ModelNotFound(HearthError):
    message = "That model is not known."
    action = "Add it with “Add model from disk…”, or run `hearth models` to see the names."


class NotEnoughMemory(HearthError):
    message = "This computer does not have enough free memory for that model."
    action = "Close other programs, or choose a smaller model."


class ModelLoadFailed(HearthError):
    message = "The model could not be loaded."
    action = "Check that the file is a complete GGUF model, or choose another one."


class Cancelled(HearthError):
    message = "Cancelled."


class ConversationNotFound(HearthError):
    message = "That conversation does not exist."
    action = "Run `hearth history` to see the conversations."


class NoModelChosen(HearthError):
    message = "No model is chosen yet."
    action = "Add a model file with “Add model from disk…”, or pass --model."


class StorageError(HearthError):
    message = "Your conversations could not be saved."
    action = "Check that the disk is not full."


class PromptTooLong(HearthError):
    message = "This message is too long for the model's memory (its context window)."
    action = "Shorten the message, or choose a model with a larger context."


class GenerationFailed(HearthError):
    message = "The model stopped with an internal error while writing its reply."
    action = "Try again; if it keeps happening, reload the model."


class DiskFull(StorageError):
    message = "Your disk is full: this reply is not saved yet."
    action = "Free some space, then choose Retry saving."


class DataFolderProblem(HearthError):
    """The data folder cannot hold Hearth's files (it is a file, read-only, unwritable...)."""

    action = "Choose another folder with --data-dir (or HEARTH_DATA_DIR), or fix its permissions."


class DatabaseDamaged(HearthError):
    """The database file failed its check at open: it is left alone, never written further."""

    action = "Restore one of the automatic backups (hearth.backup-*.db) in the same folder."
