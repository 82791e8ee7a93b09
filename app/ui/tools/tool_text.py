"""The words the tools feature shows: a server's state, a call's outcome, the offline note."""

from __future__ import annotations

import json

OFFLINE_NOTE = (
    "Offline mode: servers on other computers are blocked while offline; programs on this "
    "computer (stdio) still run."
)
TOOLS_INTRO = (
    "Tools let a model look things up or act for you through MCP servers. Hearth asks you "
    "before every call, unless you chose “Always allow” for that tool."
)
SECRETS_NOTE = (
    "Values whose names look secret (KEY, TOKEN, SECRET, PASSWORD, AUTH…) are kept in your "
    "system's keychain, never in Hearth's files."
)
SWITCH_ON, SWITCH_OFF = "Tools on", "Tools off"
SWITCH_TIP = "Let the model use tools (the servers in Settings → Tools). Click to turn on or off."

# The card's line at the right of the tool's name, by outcome status (and before one).
STATUS = {
    "waiting": "Waiting for your answer",
    "running": "Running…",
    "ok": "Done",
    "error": "Failed",
    "denied": "Denied",
    "timeout": "Timed out",
    "skipped": "Not run",
    "stopped": "Stopped",
}


def server_state(state: str, reason: str) -> str:
    """A server's state in plain words, for its box in Settings → Tools."""
    if state == "ready":
        return "Ready"
    if state == "starting":
        return "Starting…"
    if state == "failed":
        return f"Failed: {reason}" if reason else "Failed to start"
    return "Not started"


def pretty_arguments(arguments: dict | str) -> str:
    """The call's arguments as indented JSON (as the model wrote them if they are not JSON)."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments or "{}")
        except ValueError:
            return arguments
    return json.dumps(arguments, indent=2, ensure_ascii=False)


def where_result_goes(destination: str) -> str:
    """PendingCall.destination ("sent to OpenAI", "on this computer") as a sentence."""
    if not destination:
        return ""
    if destination.startswith(("sent to", "sending to")):
        return "The result will be " + destination.replace("sending to", "sent to") + "."
    return f"The result stays {destination}."


def outcome_line(status: str, content: str) -> str:
    """What happened, said plainly; "" for a result (it is shown collapsed instead)."""
    if status == "denied":
        return "You denied this call; the model was told it did not run."
    if status == "stopped":
        return "Stopped before it finished."
    if status in ("error", "timeout", "skipped"):
        return content or STATUS[status]
    return ""
