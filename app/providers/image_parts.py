"""An image in each wire format's own shape, as its provider documents it.

- OpenAI Chat Completions (platform.openai.com/docs/guides/vision): a user message's `content`
  becomes a list of parts, `{"type": "text", ...}` then `{"type": "image_url", "image_url":
  {"url": "data:image/jpeg;base64,…", "detail": "low" | "high"}}`. OpenRouter, Groq, Mistral,
  Together and xAI document the same form for their vision models.
- Anthropic Messages (docs.anthropic.com/en/docs/build-with-claude/vision): `{"type": "image",
  "source": {"type": "base64", "media_type": "image/jpeg", "data": "…"}}` blocks, placed before
  the text as the docs advise.
- Gemini (ai.google.dev/gemini-api/docs/image-understanding): `{"inline_data": {"mime_type":
  "image/jpeg", "data": "…"}}` parts, before the text part.
"""

from __future__ import annotations

import base64
from typing import Any

from app.core.chat import ChatMessage
from app.core.image_cost import openai_detail
from app.core.images import ImagePart


def b64(image: ImagePart) -> str:
    return base64.b64encode(image.read()).decode("ascii")


def openai_content(message: ChatMessage) -> str | list[dict[str, Any]]:
    if not message.images:
        return message.content
    parts: list[dict[str, Any]] = []
    if message.content:
        parts.append({"type": "text", "text": message.content})
    for image in message.images:
        url = f"data:{image.mime};base64,{b64(image)}"
        detail = openai_detail(image.width, image.height)
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": detail}})
    return parts


def anthropic_blocks(message: ChatMessage) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [
        {"type": "image", "source": {"type": "base64", "media_type": i.mime, "data": b64(i)}}
        for i in message.images
    ]
    if message.content:
        blocks.append({"type": "text", "text": message.content})
    return blocks


def gemini_parts(message: ChatMessage) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [
        {"inline_data": {"mime_type": i.mime, "data": b64(i)}} for i in message.images
    ]
    if message.content or not parts:
        parts.append({"text": message.content})
    return parts
