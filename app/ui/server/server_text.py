"""The words of the local server's page and status: snippets other apps copy, the live list's
cells, the status bar line. Plain strings only, so they are easy to check."""

from __future__ import annotations

import json

from app.services.serve_records import ServedRequest

ENABLE_TEXT = (
    "Editors, note apps and scripts on this computer can use your models through one address "
    "that speaks the OpenAI and Anthropic APIs. Every request is metered under the app's name."
)
PORT_TEXT = (
    "The number in the address. 8745 does not clash with Ollama (11434) or LM Studio (1234)."
)
CLOUD_TEXT = (
    "Apps may then ask for your online models too (as provider:model). What they send goes to "
    "that provider with your key and is charged to you; Hearth's budget still applies."
)
KEEP_CHATS_TEXT = "Save each served conversation in Hearth's chat list, under the app's name."
TRAY_TEXT = (
    "Hearth stays in the system tray while the server is on; quit from the tray icon. "
    "Otherwise closing the window stops the server."
)
NO_TRAY_TEXT = "This desktop has no system tray, so closing the window always stops the server."
NETWORK_TEXT = (
    "Other computers on your network can reach the server too. Every request must then carry "
    "an access token: create one per app below."
)
TOKENS_TEXT = (
    "One token per app, named after it. The secret is shown once; paste it into the app as its "
    "API key. Revoke a token to shut that app out."
)
CORS_TEXT = (
    "Only for web pages that call the server from a browser. Leave empty unless you know you "
    "need it (e.g. http://localhost:3000, separated by commas)."
)
PRIVACY_TEXT = (
    "A request for a cloud model that contains what looks like a password, key or card number "
    "is refused, as the window asks you first. Name the apps you trust to send them anyway, "
    "separated by commas (or right-click a refused request)."
)
ALLOW_SECRETS = "Allow {app} to send secrets to cloud models"
REQUESTS_TEXT = "The most recent requests, newest first."
SECRET_TEXT = (
    "Copy this token now and paste it into {name} as its API key. Hearth keeps it in your "
    "system's keychain and will not show it again."
)
TRAY_MESSAGE = "The local server keeps running. Open Hearth or quit it from this icon."
STOP_QUESTION = "The local server will stop"
STOP_DETAIL = "Apps using it at {address} will lose their connection until Hearth runs again."
SOME_MODEL = "MODEL-NAME"
COLUMNS = ["Time", "App", "Model", "Tokens", "Cost", "Status"]


def status_line(port: int | None, count: int) -> str:
    """The status bar: "Local server on :8745 — 3 requests"."""
    noun = "request" if count == 1 else "requests"
    return f"Local server on :{port} — {count} {noun}"


def port_of(address: str | None) -> int | None:
    if not address:
        return None
    try:
        return int(address.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return None


def curl_snippet(address: str, model: str, *, token: bool = False) -> str:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Hello!"}]})
    lines = [f"curl {address}/v1/chat/completions \\", '  -H "Content-Type: application/json" \\']
    if token:
        lines.append('  -H "Authorization: Bearer YOUR-TOKEN" \\')
    lines.append(f"  -d '{body}'")
    return "\n".join(lines)


def python_snippet(address: str, model: str, *, token: bool = False) -> str:
    key = "YOUR-TOKEN" if token else "not-needed"
    return "\n".join(
        [
            "from openai import OpenAI  # pip install openai",
            "",
            f'client = OpenAI(base_url="{address}/v1", api_key="{key}")',
            "reply = client.chat.completions.create(",
            f'    model="{model}",',
            '    messages=[{"role": "user", "content": "Hello!"}],',
            ")",
            "print(reply.choices[0].message.content)",
        ]
    )


def request_cells(done: ServedRequest) -> list[str]:
    """One row of the live list, in COLUMNS' order."""
    stamp = done.time.astimezone().strftime("%H:%M:%S")
    tokens = f"{done.input_tokens} in · {done.output_tokens} out"
    return [stamp, done.client, done.model or "—", tokens, done.cost_words, done.status_words]


def request_tip(done: ServedRequest) -> str:
    parts = [f"{done.endpoint}, {done.seconds:.2f} s" + (", streamed" if done.streamed else "")]
    if done.detail:
        parts.append(done.detail)
    return "\n".join(parts)
