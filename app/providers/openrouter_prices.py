"""Live price refreshes over HTTP: OpenRouter's own model list, and the models.dev dataset.

OpenRouter: GET {base}/models (base is the registry's ".../api/v1") answers
{"data": [{"id": "openai/gpt-4o-mini", "context_length": 128000,
"pricing": {"prompt": "0.00000015", "completion": "0.0000006", "input_cache_read": ...,
"internal_reasoning": ...}}]} with prices in USD per token as strings. No key is needed.
Router entries whose price depends on the model chosen ("-1") are left out: unknown, not free.

Both go through the shared HTTP client, so offline mode blocks them before any connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from app.core.money import Price
from app.core.provider_errors import MalformedResponse
from app.providers.http_errors import error_for_status, error_for_transport
from app.providers.http_stream import LIST_TIMEOUT, make_client
from app.providers.prices import clean_price, table_from_models_dev
from app.providers.registry import base_url_for, get_provider

MODELS_DEV_URL = "https://models.dev/api.json"
OPENROUTER = "OpenRouter"
DATASET = "models.dev"
# The dataset is ~1 MB; give it longer than a model list.
DATASET_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=10.0, pool=5.0)


def parse_openrouter_models(payload: Any) -> dict[str, Price]:
    """{"openrouter:vendor/model": Price} from OpenRouter's /models answer."""
    entries = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(entries, list):
        raise MalformedResponse(OPENROUTER, detail="the model list had no data")
    prices: dict[str, Price] = {}
    for entry in entries:
        price = _entry_price(entry)
        if price is not None:
            prices[f"openrouter:{entry['id']}"] = price
    return prices


def _entry_price(entry: Any) -> Price | None:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str):
        return None
    pricing = entry.get("pricing")
    if not isinstance(pricing, Mapping):
        return None
    prompt = _per_million(pricing.get("prompt"))
    completion = _per_million(pricing.get("completion"))
    if prompt is None or completion is None:
        return None
    context = entry.get("context_length")
    return Price(
        input=prompt,
        output=completion,
        cached_input=_per_million(pricing.get("input_cache_read")),
        reasoning=_per_million(pricing.get("internal_reasoning")),
        context=context if isinstance(context, int) and context > 0 else None,
    )


def _per_million(value: Any) -> Decimal | None:
    """A per-token USD string as USD per million; None when missing or not a real price."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:  # "-1": priced by whichever model it routes to
        return None
    return clean_price(amount * 1_000_000)


async def fetch_openrouter_prices(
    *, base_url: str | None = None, base_url_overrides: Mapping[str, str] | None = None
) -> dict[str, Price]:
    """OpenRouter's current prices. Raises a typed ProviderError (Offline, OfflineModeBlocked,
    ProviderUnavailable, MalformedResponse, ...) when they cannot be had."""
    spec = get_provider("openrouter")
    base = (base_url or base_url_for(spec, base_url_overrides)).rstrip("/")
    payload = await _get_json(f"{base}/models", base=base, provider=OPENROUTER)
    return parse_openrouter_models(payload)


async def fetch_dataset_prices(*, url: str = MODELS_DEV_URL) -> dict[str, Price]:
    """Every priced model of Hearth's providers from models.dev's api.json."""
    payload = await _get_json(url, base=url, provider=DATASET, timeout=DATASET_TIMEOUT)
    if not isinstance(payload, Mapping):
        raise MalformedResponse(DATASET, detail="the dataset was not a JSON object")
    return table_from_models_dev(payload)


async def _get_json(
    url: str, *, base: str, provider: str, timeout: httpx.Timeout = LIST_TIMEOUT
) -> Any:
    try:
        async with make_client(base, provider=provider, timeout=timeout) as client:
            response = await client.get(url, headers={"accept": "application/json"})
            if response.status_code != 200:
                raise error_for_status(
                    response.status_code, _json_or_text(response), response.headers,
                    provider=provider,
                )  # fmt: skip
            return response.json()
    except httpx.TransportError as exc:
        raise error_for_transport(exc, provider=provider, base_url=base) from exc
    except ValueError as exc:  # not JSON
        raise MalformedResponse(provider, detail="the answer was not JSON") from exc


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
