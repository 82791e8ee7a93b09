"""Why a tool server or a tool call did not work, in plain words: shown beside the server in
Settings, on the terminal, and (for a call) sent back to the model as the tool's error."""

from __future__ import annotations

from app.core.errors import HearthError


class ToolError(HearthError):
    message = "The tool did not work."


class ToolConfigError(ToolError):
    message = "The tool server settings could not be read."
    action = 'Check the JSON: it should look like {"mcpServers": {"name": {"command": ...}}}.'


class ToolServerNotFound(ToolError):
    message = "There is no tool server by that name."
    action = "See `hearth tools list` for the servers you added."


class ToolServerFailed(ToolError):
    message = "The tool server could not be started."
    action = "Check the command (or address) in Settings → Tools, then try again."


class ToolServerBlocked(ToolError):
    message = "Offline mode is on, so Hearth does not connect to tool servers on other computers."
    action = "Turn offline mode off in Settings, or use a server on this computer."


class ToolNotFound(ToolError):
    message = "The server has no tool by that name."


class ToolTimedOut(ToolError):
    message = "The tool took too long to answer, so Hearth stopped waiting."


class ToolCallFailed(ToolError):
    message = "The tool reported an error."
