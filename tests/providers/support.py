"""What the provider tests share with others: wire-format bodies used at more than one level."""

from __future__ import annotations

# The shape of GET https://openrouter.ai/api/v1/models (fields as OpenRouter documents them).
OPENROUTER_MODELS = {
    "data": [
        {
            "id": "openai/gpt-4o-mini",
            "canonical_slug": "openai/gpt-4o-mini-2024-07-18",
            "name": "OpenAI: GPT-4o-mini",
            "created": 1721260800,
            "context_length": 128000,
            "architecture": {"modality": "text+image->text", "tokenizer": "GPT"},
            "pricing": {
                "prompt": "0.00000015",
                "completion": "0.0000006",
                "input_cache_read": "0.000000075",
                "web_search": "0.01",
            },
            "top_provider": {"context_length": 128000, "max_completion_tokens": 16384},
        },
        {
            "id": "x-ai/grok-4.3",
            "context_length": 1000000,
            "pricing": {
                "prompt": "0.00000125",
                "completion": "0.0000025",
                "internal_reasoning": "0.0000025",
                "input_cache_read": "0.0000002",
            },
        },
        {"id": "inclusionai/ring-2.6-1t:free", "context_length": 262144,
         "pricing": {"prompt": "0", "completion": "0"}},
        {"id": "openrouter/auto", "context_length": 2000000,
         "pricing": {"prompt": "-1", "completion": "-1"}},
        {"id": "broken/no-pricing", "context_length": 4096},
    ]
}  # fmt: skip
