"""What both APIs' bodies share beyond text: Hearth's own `hearth` extension field and pictures
sent inline (OpenAI's data: URLs, Anthropic's base64 image blocks)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from app.core.images import ImagePart
from app.core.tools import ToolSpec
from app.services.serve_records import HearthAsk
from app.services.serving_errors import BadRequest

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
_HEARTH_KEYS = {"memory", "documents", "collections"}


def hearth_ask(raw: Any) -> HearthAsk | None:
    """The body's `hearth` field: {"memory": bool, "documents": bool, "collections": [names]}."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise BadRequest('“hearth” must be an object, e.g. {"memory": true}.')
    unknown = sorted(set(raw) - _HEARTH_KEYS)
    if unknown:
        raise BadRequest(
            f"“hearth” has no field {', '.join(repr(k) for k in unknown)}; it takes memory, "
            "documents and collections."
        )
    names = raw.get("collections") or []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise BadRequest("“hearth.collections” must be a list of collection names.")
    for key in ("memory", "documents"):
        if not isinstance(raw.get(key, False), bool):
            raise BadRequest(f"“hearth.{key}” must be true or false.")
    return HearthAsk(
        memory=raw.get("memory", False),
        documents=raw.get("documents", False),
        collections=tuple(names),
    )


def image_part(mime: str, data: str) -> ImagePart:
    """A picture as sent, not yet prepared (the gateway decodes, scales and strips it)."""
    if mime not in IMAGE_TYPES:
        raise BadRequest(f"Pictures must be PNG, JPEG, WebP or GIF, not {mime or 'unnamed'}.")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("A picture's base64 data could not be read.") from None
    if not raw:
        raise BadRequest("A picture is empty.")
    return ImagePart(mime, 0, 0, data=raw)


def data_url_image(url: Any) -> ImagePart:
    """OpenAI's image_url: only data: URLs. Hearth does not fetch web addresses for another
    app (offline mode, and the user's privacy: a fetch tells a server who is asking)."""
    if not isinstance(url, str) or not url.startswith("data:"):
        raise BadRequest(
            "Pictures must be sent inline as data: URLs (data:image/png;base64,…); this "
            "server does not fetch web addresses."
        )
    head, _, data = url[5:].partition(",")
    mime, _, encoding = head.partition(";")
    if encoding != "base64":
        raise BadRequest("A picture's data: URL must be base64 (data:image/png;base64,…).")
    return image_part(mime.lower(), data)


def openai_tool_choice(raw: Any) -> tuple[str, str | None]:
    """("auto" | "none" | "required", the one function named or None). "none": the tools are
    not offered."""
    if raw in (None, "auto", "none"):
        return raw or "auto", None
    if raw == "required":
        return "required", None
    if isinstance(raw, dict) and raw.get("type") == "function":
        name = (raw.get("function") or {}).get("name")
        if isinstance(name, str) and name:
            return "required", name
    raise BadRequest("“tool_choice” must be auto, none, required or a function.")


def anthropic_tool_choice(raw: Any) -> tuple[str, str | None]:
    kind = raw.get("type") if isinstance(raw, dict) else None
    if raw is None or kind == "auto":
        return "auto", None
    if kind == "none":
        return "none", None
    if kind == "any":
        return "required", None
    if kind == "tool" and isinstance(raw.get("name"), str) and raw["name"]:
        return "required", raw["name"]
    raise BadRequest('“tool_choice” must be {"type": auto, any, tool (with a name) or none}.')


def offered_tools(
    tools: tuple[ToolSpec, ...], choice: str, named: str | None
) -> tuple[ToolSpec, ...]:
    """The tools the model is given: none for "none"; only the named one when tool_choice names
    a function, so that call is the one a required choice (or a local model's grammar) allows,
    with every provider."""
    if choice == "none":
        return ()
    if named is None:
        return tools
    only = tuple(t for t in tools if t.name == named)
    if not only:
        raise BadRequest(f"“tool_choice” names “{named}”, which is not one of the tools.")
    return only
