"""What an image costs in tokens, by each provider's published rule. Pure arithmetic on the
size that is actually sent (after app.images has scaled it).

- OpenAI (platform.openai.com/docs/guides/vision, "Calculating costs"): detail "low" is 85
  tokens; "high" scales to fit 2048x2048, then the short side to 768, counts 512 px tiles at 170
  each and adds 85. The documented examples: 1024x1024 high -> 765, 2048x4096 high -> 1105.
- Anthropic (docs.anthropic.com/en/docs/build-with-claude/vision, "Calculate image costs"):
  tokens = (width px * height px) / 750 after its own scaling to a 1568 px long edge; the table
  there gives 1000x1000 -> ~1334 and 1092x1092 -> ~1590.
- Gemini (ai.google.dev/gemini-api/docs/tokens, "Multimodal tokens"): an image with both sides
  at most 384 px is 258 tokens; a larger one is cut and scaled into 768x768 tiles, 258 each.

Any other wire format is counted by OpenAI's rule (the compatible services document theirs by
reference to it); the figure is an estimate shown with "≈", and the provider's reported usage
replaces it when one comes back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from app.core.images import ANTHROPIC_LIMIT, OPENAI_LIMIT, limit_for, scaled_size

OPENAI_BASE_TOKENS = 85
OPENAI_TILE_TOKENS = 170
OPENAI_TILE = 512
# Below this size OpenAI's low detail (512 px) loses nothing, so Hearth asks for it.
LOW_DETAIL_MAX = 512
ANTHROPIC_PIXELS_PER_TOKEN = 750
GEMINI_IMAGE_TOKENS = 258
GEMINI_SMALL = 384
GEMINI_TILE = 768


def openai_detail(width: int, height: int) -> str:
    """ "low" when the image fits in one 512 px tile anyway, else "high"."""
    return "low" if max(width, height) <= LOW_DETAIL_MAX else "high"


def openai_image_tokens(width: int, height: int, detail: str = "high") -> int:
    if detail == "low":
        return OPENAI_BASE_TOKENS
    w, h = scaled_size(width, height, OPENAI_LIMIT)
    tiles = math.ceil(w / OPENAI_TILE) * math.ceil(h / OPENAI_TILE)
    return OPENAI_BASE_TOKENS + OPENAI_TILE_TOKENS * tiles


def anthropic_image_tokens(width: int, height: int) -> int:
    w, h = scaled_size(width, height, ANTHROPIC_LIMIT)
    return math.ceil(w * h / ANTHROPIC_PIXELS_PER_TOKEN)


def gemini_image_tokens(width: int, height: int) -> int:
    if width <= GEMINI_SMALL and height <= GEMINI_SMALL:
        return GEMINI_IMAGE_TOKENS
    tiles = math.ceil(width / GEMINI_TILE) * math.ceil(height / GEMINI_TILE)
    return GEMINI_IMAGE_TOKENS * tiles


def image_tokens(wire: str, width: int, height: int) -> int:
    """The tokens one image costs on a wire format, once scaled to that provider's limit (as
    app.images.prepare sends it)."""
    width, height = scaled_size(width, height, limit_for(wire))
    if wire == "anthropic":
        return anthropic_image_tokens(width, height)
    if wire == "gemini":
        return gemini_image_tokens(width, height)
    return openai_image_tokens(width, height, openai_detail(width, height))


def images_tokens(wire: str, sizes: Iterable[tuple[int, int]]) -> int:
    """All the images of a prompt, (width, height) each."""
    return sum(image_tokens(wire, w, h) for w, h in sizes)
