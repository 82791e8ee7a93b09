"""Messages and requests, as every backend sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.core.images import ImagePart
from app.core.tools import ToolCall, ToolSpec

# "tool": a tool's result going back to the model (tool_call_id, tool_name, is_error say which).
Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    role: Role
    content: str
    # Prepared for the chosen provider (app.images.prepare); empty for most messages.
    images: tuple[ImagePart, ...] = ()
    # An assistant turn that asked for tools; a "tool" turn answering one of them.
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str = ""
    tool_name: str = ""
    is_error: bool = False


@dataclass(frozen=True, slots=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    temperature: float = 0.7
    max_tokens: int | None = None
    seed: int | None = None
    extra: dict = field(default_factory=dict)
    # A side job on the chat's model (a title, memory suggestions): a local engine puts the
    # conversation's cache back afterwards, so the next turn reads only its new words.
    keep_cache: bool = False
    # Tools the model may call (app/services/tool_loop.py).
    tools: tuple[ToolSpec, ...] = ()
    # "required": the reply must begin with a tool call (a model inside Hearth is held to it by
    # its grammar); "auto": the model chooses.
    tool_choice: Literal["auto", "required"] = "auto"


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the user can chat with. `id` is the registered name (local) or provider:model."""

    id: str
    provider: str  # "local" for in-process GGUF files
    display_name: str
    path: str | None = None
    architecture: str | None = None
    parameters: int | None = None
    quantization: str | None = None
    context_length: int | None = None
    size_bytes: int | None = None
    provider_name: str | None = None  # "OpenAI"; None for in-process models
    # A server on this computer (Ollama, LM Studio on loopback) keeps the words here too.
    on_this_computer: bool | None = None
    # Whether it takes images as input: the model table (models.dev's input modalities) or the
    # provider's model list; None when nobody says (treated as "no" before sending one).
    sees_images: bool | None = None
    # A local model's image projector ("mmproj" GGUF) beside it: with one, it sees pictures.
    projector: str | None = None
    # A local model whose chat template teaches it a tool-call format Hearth reads (Qwen,
    # Llama 3.1+, Mistral, Hermes); False: offered no tools. None: not known (cloud models).
    takes_tools: bool | None = None

    @property
    def is_local(self) -> bool:
        """True when the words never leave this computer."""
        if self.on_this_computer is not None:
            return self.on_this_computer
        return self.provider == "local"

    @property
    def where(self) -> str:
        """Where the words go, in plain words."""
        return (
            "on this computer"
            if self.is_local
            else f"sent to {self.provider_name or self.provider}"
        )


def human_params(n: int | None) -> str:
    if not n:
        return ""
    if n >= 1e9:
        return f"{n / 1e9:.1f}B".replace(".0B", "B")
    if n >= 1e6:
        return f"{n / 1e6:.0f}M"
    return f"{n / 1e3:.0f}K"


def human_bytes(n: int | None) -> str:
    if n is None:
        return ""
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit in ("bytes", "KB") else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
