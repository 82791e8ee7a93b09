"""What the local server was asked (ServeCall, with the `hearth` field's HearthAsk) and what it
did, request by request: the live list in Settings and `hearth serve`'s log line. Plain values
only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from app.core.chat import ChatMessage
from app.core.money import format_usd
from app.core.tools import ToolSpec

# Settings keys of the local server and their defaults (app/store/settings.py holds the types).
SERVER_DEFAULTS = {
    "server_enabled": False,
    "server_port": 8745,  # not Ollama's 11434 nor LM Studio's 1234
    "server_network": False,
    "server_cloud_models": False,  # "Let other apps use my cloud models"
    "server_keep_chats": False,  # "Keep served chats in history"
    "server_cors_origins": [],  # browser origins allowed to call; empty = CORS off
    "server_queue_length": 4,  # local requests waiting behind the running one
    "server_tokens": [],  # token names only; the secrets are in the keychain
    "server_privacy_allowed": [],  # app names allowed to send detected secrets to the cloud
}
DEFAULT_PORT = SERVER_DEFAULTS["server_port"]
MAX_BODY_BYTES = 8 * 1024 * 1024  # requests carry text, not files


@dataclass(frozen=True, slots=True)
class ServedRequest:
    """One finished request. status: "ok", "stopped" (the client left), or the error's kind."""

    time: datetime
    client: str  # the token's name, else the User-Agent's product, else "unknown app"
    model: str
    endpoint: str  # "/v1/chat/completions"
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal | None = None  # None: price unknown; local models cost exactly 0
    status: str = "ok"
    detail: str = ""  # the plain-words error for a refused or failed request
    seconds: float = 0.0
    streamed: bool = False
    is_local: bool = True

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def cost_words(self) -> str:
        """ "$0.0004"; "—" for a request refused before anything was sent (nothing to price);
        "price unknown" for one sent to a model whose price Hearth does not know."""
        if self.cost_usd is None and not self.ok and not self.output_tokens:
            return "—"
        return format_usd(self.cost_usd)

    @property
    def status_words(self) -> str:
        """ "OK", "Stopped by the app", or an error's kind as words ("Model not served")."""
        known = {"ok": "OK", "stopped": "Stopped by the app"}
        return (
            known.get(self.status) or re.sub(r"(?<=[a-z])([A-Z])", r" \1", self.status).capitalize()
        )

    def log_line(self) -> str:
        """`hearth serve`'s one line per request."""
        stamp = self.time.astimezone().strftime("%H:%M:%S")
        line = (
            f"{stamp}  {self.client}  {self.endpoint}  {self.model or '-'}  "
            f"{self.input_tokens} in · {self.output_tokens} out · {self.cost_words}  "
            f"{self.status_words}  {self.seconds:.2f}s"
        )
        return f"{line}  {self.detail}" if self.detail else line


@dataclass(slots=True)
class RequestMeter:
    """Filled in while one request runs; becomes a ServedRequest when it ends."""

    client: str
    endpoint: str
    model: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal | None = None
    status: str = "ok"
    detail: str = ""
    streamed: bool = False
    is_local: bool = True

    def finished(self) -> ServedRequest:
        now = datetime.now(UTC)
        return ServedRequest(
            time=self.started,
            client=self.client,
            model=self.model,
            endpoint=self.endpoint,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=self.cost_usd,
            status=self.status,
            detail=self.detail,
            seconds=(now - self.started).total_seconds(),
            streamed=self.streamed,
            is_local=self.is_local,
        )


def client_name(*, token_name: str | None, user_agent: str | None) -> str:
    """Who is asking, for the live list and the usage rows: the token's name wins; else the
    User-Agent's first product ("OpenAI/Python 1.54.0" → "OpenAI/Python")."""
    if token_name:
        return token_name
    product = (user_agent or "").strip().split(" ", 1)[0]
    name, _, version = product.partition("/")
    if not version[:1].isdigit():  # "OpenAI/Python 1.54.0" keeps "OpenAI/Python"
        name = product
    return (name or "unknown app")[:60]


@dataclass(frozen=True, slots=True)
class HearthAsk:
    """What the client asked for in the `hearth` field."""

    memory: bool = False
    documents: bool = False  # every enabled collection (when no names are given)
    collections: tuple[str, ...] = ()

    @property
    def wants_documents(self) -> bool:
        return self.documents or bool(self.collections)


@dataclass(frozen=True, slots=True)
class ServeCall:
    """A request in neutral terms, as both APIs' routes build it."""

    model: str
    messages: tuple[ChatMessage, ...] = ()
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    json_schema: dict | None = None  # response_format json_schema (local: a grammar)
    tools: tuple[ToolSpec, ...] = ()
    tool_choice: str = "auto"  # "required": the reply must begin with a tool call
    hearth: HearthAsk | None = None  # memories and documents, only when the client asks
    prompt: str | None = None  # /v1/completions: raw text, no chat template (local only)
    extra: dict[str, Any] = field(default_factory=dict)
