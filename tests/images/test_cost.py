"""Image tokens by each provider's published rule, checked against the documented examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core.image_cost import (
    anthropic_image_tokens,
    gemini_image_tokens,
    image_tokens,
    openai_detail,
    openai_image_tokens,
)


@pytest.mark.parametrize(
    "size, detail, tokens",
    [
        ((1024, 1024), "high", 765),  # OpenAI's example: scaled to 768x768, 4 tiles
        ((2048, 4096), "high", 1105),  # 1024x2048, then 768x1536: 6 tiles
        ((4096, 8192), "low", 85),  # low detail: a fixed 85 whatever the size
        ((500, 500), "high", 255),  # one tile
    ],
)
def test_openai_tiles(size, detail, tokens):
    assert openai_image_tokens(*size, detail) == tokens


def test_openai_detail_is_low_when_one_tile_holds_the_picture():
    assert openai_detail(512, 300) == "low"
    assert openai_detail(513, 300) == "high"
    assert image_tokens("openai", 400, 300) == 85


@pytest.mark.parametrize(
    "size, tokens",
    [((1000, 1000), 1334), ((1092, 1092), 1590), ((200, 200), 54)],  # Anthropic's table
)
def test_anthropic_area_rule(size, tokens):
    assert anthropic_image_tokens(*size) == tokens


def test_anthropic_counts_after_its_own_scaling():
    # 3136x2090 is scaled to 1568x1045 first: 1568*1045/750 = 2184.7 -> 2185
    assert anthropic_image_tokens(3136, 2090) == 2185


@pytest.mark.parametrize(
    "size, tokens",
    [((384, 384), 258), ((200, 300), 258), ((768, 768), 258), ((1024, 768), 516)],
)
def test_gemini_258_per_small_picture_or_tile(size, tokens):
    assert gemini_image_tokens(*size) == tokens


def test_estimate_next_adds_the_pictures(services):
    no_image = services.usage.estimate_next(model="openai:gpt-4o", history_texts=[], draft="Hi")
    with_image = services.usage.estimate_next(
        model="openai:gpt-4o", history_texts=[], draft="Hi", image_sizes=[(1024, 1024)]
    )
    price = services.usage.price_for("openai:gpt-4o")
    assert with_image - no_image == Decimal(765) * price.input / Decimal(1_000_000)
    local = services.usage.estimate_next(
        model="local-model", history_texts=[], draft="Hi", image_sizes=[(1024, 1024)]
    )
    assert local == 0


def test_the_model_table_says_which_models_see_images(tmp_path):
    from app.providers.model_vision import sees_images, vision_from_models_dev
    from app.providers.prices import PriceBook, PriceTable

    book = PriceBook.load()
    assert sees_images(book, "openai:gpt-4o-mini") is True
    assert sees_images(book, "openai:o3-mini") is False
    assert sees_images(book, "anthropic:claude-3-5-haiku-latest") is True  # through an alias
    assert sees_images(book, "openrouter:anthropic/claude-3.5-sonnet") is True  # as the vendor's
    assert sees_images(book, "openai:some-future-model") is None  # unknown: the provider decides
    assert sees_images(book, "my-local-model") is None

    api = {
        "openai": {
            "models": {
                "gpt-4o": {"id": "gpt-4o", "modalities": {"input": ["text", "image"]}},
                "o3-mini": {"id": "o3-mini", "modalities": {"input": ["text"]}},
            }
        }
    }
    vision = vision_from_models_dev(api)
    assert vision == {"openai:gpt-4o": True, "openai:o3-mini": False}
    table = PriceTable(models={}, vision=vision)
    path = tmp_path / "prices.json"
    table.write(path)
    assert PriceTable.read(path).vision == vision  # survives a refresh written to disk
