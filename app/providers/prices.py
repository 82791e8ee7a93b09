"""The price table: what a model costs per million tokens, or None when nobody knows.

An adapter, not core logic: it reads resources/prices.json (built by scripts/build_prices.py from
models.dev, or from LiteLLM's table), a refreshed copy in the data folder when there is one, and
the user's overrides from Settings. The live OpenRouter refresh (HTTP) is in openrouter_prices.py.

Lookup for "provider:model", first hit wins:

1. anything on this computer (in-process GGUF, Ollama, LM Studio, a custom server) costs $0;
2. OpenRouter's ":free" variants cost $0;
3. the user's override, then the table, for the exact id, then its family (dated suffixes
   stripped: gpt-4o-2024-08-06 -> gpt-4o), then family + "-latest"; aliases are followed at each
   step (anthropic:claude-3-5-haiku -> anthropic:claude-3-5-haiku-20241022);
4. an OpenRouter model missing from the table is priced as the vendor's own model
   ("openrouter:openai/gpt-4o" -> "openai:gpt-4o"), OpenRouter passing vendor prices through.

Anything else is unknown (None) and is shown as "price unknown", never as $0.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Context, Decimal
from pathlib import Path
from typing import Any, Literal

from app.core.chat import ModelInfo
from app.core.errors import HearthError
from app.core.money import InvalidPrice, Price, family_of
from app.paths import resource_path
from app.providers.registry import LOCAL, get_provider, parse_model_id

log = logging.getLogger(__name__)

UNIT = "USD per 1M tokens"
PRICES_FILE = "prices.json"
CACHE_FILE = "prices-refreshed.json"  # in the data folder, written by a price refresh

# models.dev provider ids -> Hearth's (app/providers/registry.py)
MODELS_DEV_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
    "openrouter": "openrouter",
    "groq": "groq",
    "togetherai": "together",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "fireworks-ai": "fireworks",
    "xai": "xai",
}
# LiteLLM's litellm_provider values -> Hearth's
LITELLM_PROVIDERS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "openrouter": "openrouter",
    "groq": "groq",
    "together_ai": "together",
    "deepseek": "deepseek",
    "mistral": "mistral",
    "fireworks_ai": "fireworks",
    "xai": "xai",
}
# OpenRouter's vendor prefix -> the Hearth provider selling the same model directly
OPENROUTER_VENDORS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
    "deepseek": "deepseek",
    "mistralai": "mistral",
    "x-ai": "xai",
}
# Upstream numbers went through binary floats (0.39999999999999997); nine significant digits is
# far more than any published price has, and rounds that noise away.
_PRICE_DIGITS = Context(prec=9)

How = Literal["on this computer", "free tier", "override", "table", "vendor price"]


class PriceTableUnreadable(HearthError):
    message = "The price table could not be read."
    action = "Costs show as “price unknown” until it is repaired; reinstall Hearth if it persists."


# -- the table ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceTable:
    models: dict[str, Price]
    aliases: dict[str, str] = field(default_factory=dict)
    source: str = ""
    source_date: str = ""
    notes: str = ""
    # Which models take images (models.dev's input modalities), beside the prices: "vision":
    # {"openai:gpt-4o": true, ...}; a model missing from it is unknown.
    vision: dict[str, bool] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PriceTable:
        if not isinstance(data, Mapping) or not isinstance(data.get("models"), Mapping):
            raise PriceTableUnreadable(detail_message("it has no models"))
        models = {}
        for model_id, entry in data["models"].items():
            try:
                models[model_id] = Price.from_dict(entry)
            except InvalidPrice:
                log.warning("Skipping unreadable price for %s", model_id)
        aliases = {k: v for k, v in (data.get("aliases") or {}).items() if isinstance(v, str)}
        raw_vision = data.get("vision")
        vision = {
            k: v
            for k, v in (raw_vision.items() if isinstance(raw_vision, Mapping) else ())
            if isinstance(v, bool)
        }
        return cls(
            models=models,
            aliases=aliases,
            vision=vision,
            source=str(data.get("source") or ""),
            source_date=str(data.get("source_date") or ""),
            notes=str(data.get("notes") or ""),
        )

    @classmethod
    def read(cls, path: Path) -> PriceTable:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise PriceTableUnreadable(detail_message(str(exc))) from exc

    def to_json(self, *, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_date": self.source_date,
            **({"notes": self.notes} if self.notes else {}),
            **(extra or {}),
            "unit": UNIT,
            "models": {k: self.models[k].to_dict() for k in sorted(self.models)},
            "aliases": dict(sorted(self.aliases.items())),
            **({"vision": dict(sorted(self.vision.items()))} if self.vision else {}),
        }

    def write(self, path: Path, *, extra: Mapping[str, Any] | None = None) -> None:
        tmp = path.with_suffix(".tmp")
        text = json.dumps(self.to_json(extra=extra), indent=1, ensure_ascii=False) + "\n"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    def merged(self, models: Mapping[str, Price], *, note: str = "") -> PriceTable:
        """This table with `models` replacing or adding entries (a live OpenRouter refresh)."""
        notes = "; ".join(n for n in (self.notes, note) if n)
        return replace(self, models={**self.models, **models}, notes=notes)


def detail_message(detail: str) -> str:
    return f"The price table could not be read ({detail})."


# -- converting the public datasets -----------------------------------------------------------


def clean_price(value: Any) -> Decimal:
    """A dataset number as an exact, tidy Decimal: 0.39999999999999997 -> 0.4."""
    amount = _PRICE_DIGITS.create_decimal(value if isinstance(value, Decimal) else str(value))
    return amount.normalize() if amount else Decimal(0)


def table_from_models_dev(api: Mapping[str, Any]) -> dict[str, Price]:
    """Prices from models.dev's api.json: {provider: {"models": {id: {"cost": {...},
    "limit": {...}}}}}, costs already per million tokens. Models without a cost are left out
    (unknown, not free)."""
    models: dict[str, Price] = {}
    for source_id, hearth_id in MODELS_DEV_PROVIDERS.items():
        provider = api.get(source_id)
        if not isinstance(provider, Mapping):
            continue
        for key, entry in (provider.get("models") or {}).items():
            price = _models_dev_price(entry)
            if price is not None:
                models[f"{hearth_id}:{entry.get('id') or key}"] = price
    return models


def _models_dev_price(entry: Any) -> Price | None:
    if not isinstance(entry, Mapping):
        return None
    cost, limit = entry.get("cost"), entry.get("limit") or {}
    if not isinstance(cost, Mapping) or cost.get("input") is None or cost.get("output") is None:
        return None
    context = limit.get("context") if isinstance(limit, Mapping) else None
    return Price(
        input=clean_price(cost["input"]),
        output=clean_price(cost["output"]),
        cached_input=_optional_price(cost.get("cache_read")),
        reasoning=_optional_price(cost.get("reasoning")),
        context=int(context) if context else None,
    )


def _optional_price(value: Any) -> Decimal | None:
    return None if value is None else clean_price(value)


def table_from_litellm(data: Mapping[str, Any]) -> dict[str, Price]:
    """Prices from LiteLLM's model_prices_and_context_window.json (USD per token, keyed like
    "gpt-4o" or "groq/llama-3.1-8b-instant"), chat models only."""
    models: dict[str, Price] = {}
    for key, entry in data.items():
        if not isinstance(entry, Mapping) or entry.get("mode") != "chat":
            continue
        hearth_id = LITELLM_PROVIDERS.get(str(entry.get("litellm_provider")))
        price = _litellm_price(entry)
        if hearth_id is None or price is None:
            continue
        prefix = str(entry["litellm_provider"]) + "/"
        name = key[len(prefix) :] if key.startswith(prefix) else key
        models[f"{hearth_id}:{name}"] = price
    return models


def _litellm_price(entry: Mapping[str, Any]) -> Price | None:
    def per_million(name: str) -> Decimal | None:
        value = entry.get(name)
        return None if value is None else clean_price(Decimal(str(value)) * 1_000_000)

    input_price, output_price = (
        per_million("input_cost_per_token"),
        per_million("output_cost_per_token"),
    )
    if input_price is None or output_price is None:
        return None
    context = entry.get("max_input_tokens") or entry.get("max_tokens")
    return Price(
        input=input_price,
        output=output_price,
        cached_input=per_million("cache_read_input_token_cost"),
        reasoning=per_million("output_cost_per_reasoning_token"),
        context=context if isinstance(context, int) else None,
    )


def derive_aliases(model_ids: Iterable[str]) -> dict[str, str]:
    """family -> its "-latest" entry, else its newest dated entry, for families the table has no
    entry of their own, e.g. anthropic:claude-3-5-sonnet -> anthropic:claude-3-5-sonnet-20241022
    (ISO and compact dates sort in time order, so the greatest name is the newest)."""
    ids = set(model_ids)
    newest: dict[str, str] = {}
    for model_id in ids:
        provider, _, name = model_id.partition(":")
        family = f"{provider}:{family_of(name)}"
        if family != model_id and family not in ids:
            newest[family] = max(newest.get(family, model_id), model_id)
    # Where the provider names a "-latest" entry, that is what the bare family means.
    return {f: f"{f}-latest" if f"{f}-latest" in ids else t for f, t in newest.items()}


# -- the book -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriceMatch:
    price: Price
    how: How
    entry: str | None = None  # the table or override entry that priced it

    def note_for(self, model_id: str) -> str:
        """ "priced as openai:gpt-4o" when the price came from a family, an alias or the
        vendor; "" when the model has its own entry or runs here."""
        if not self.entry or self.entry == model_id:
            return ""
        return f"priced as {self.entry}"


def parse_overrides(raw: Mapping[str, Any] | None) -> dict[str, Price]:
    """Settings' price_overrides ({"openai:gpt-4o": {"input": "2.5", "output": "10"}}). An entry
    that does not parse is skipped with a log line: one typo must not stop the cost meter."""
    overrides: dict[str, Price] = {}
    for model_id, entry in (raw or {}).items():
        try:
            overrides[str(model_id)] = Price.from_dict(entry)
        except InvalidPrice:
            log.warning("Ignoring the price override for %s: it does not parse", model_id)
    return overrides


class PriceBook:
    """Prices for every model Hearth can talk to. Immutable: refreshes build a new book."""

    def __init__(self, table: PriceTable, overrides: Mapping[str, Price] | None = None) -> None:
        self.table = table
        self.overrides = dict(overrides or {})
        self._lower = {k.lower(): k for k in table.models}

    @classmethod
    def load(
        cls,
        overrides: Mapping[str, Any] | None = None,
        *,
        path: Path | None = None,
        data_dir: Path | None = None,
    ) -> PriceBook:
        """The refreshed table in `data_dir` when there is a readable one, else the shipped
        resources/prices.json (or `path`). An unreadable table gives an empty book: every cloud
        price is then unknown, which is honest, rather than a crash at start-up."""
        candidates = [data_dir / CACHE_FILE] if data_dir is not None else []
        candidates.append(path or resource_path(PRICES_FILE))
        for candidate in candidates:
            if not candidate.exists():
                continue
            try:
                return cls(PriceTable.read(candidate), parse_overrides(overrides))
            except PriceTableUnreadable:
                log.exception("Price table %s unreadable", candidate)
        return cls(PriceTable(models={}), parse_overrides(overrides))

    def with_overrides(self, raw: Mapping[str, Any] | None) -> PriceBook:
        return PriceBook(self.table, parse_overrides(raw))

    def with_table(self, table: PriceTable) -> PriceBook:
        return PriceBook(table, self.overrides)

    # -- lookup --------------------------------------------------------------------------------

    def price_for(self, model: ModelInfo | str) -> Price | None:
        """The model's price per million tokens; zero on this computer; None when unknown."""
        found = self.match(model)
        return found.price if found else None

    def match(self, model: ModelInfo | str) -> PriceMatch | None:
        """The price and where it came from (for a tooltip: "priced as openai:gpt-4o")."""
        if _runs_here(model):
            return PriceMatch(Price.free(), "on this computer")
        model_id = model.id if isinstance(model, ModelInfo) else model
        provider, name = parse_model_id(model_id)
        if provider == "openrouter" and name.endswith(":free"):
            table = self._from_table([f"openrouter:{name}"])
            return PriceMatch(Price.free(table.price.context if table else None), "free tier")
        chain = candidates(provider, name)
        found = self._from_overrides(chain) or self._from_table(chain)
        if found is None and provider == "openrouter":
            found = self._vendor_price(name)
        return found

    def _from_overrides(self, chain: list[str]) -> PriceMatch | None:
        for model_id in chain:
            target = self.table.aliases.get(model_id, model_id)
            for key in (model_id, target):
                if key in self.overrides:
                    return PriceMatch(self.overrides[key], "override", key)
        return None

    def _from_table(self, chain: list[str]) -> PriceMatch | None:
        for model_id in chain:
            for key in (model_id, self.table.aliases.get(model_id)):
                key = key and self._lower.get(key.lower())
                if key:
                    return PriceMatch(self.table.models[key], "table", key)
        return None

    def _vendor_price(self, name: str) -> PriceMatch | None:
        vendor, _, rest = name.partition("/")
        provider = OPENROUTER_VENDORS.get(vendor)
        if provider is None or not rest:
            return None
        chain = candidates(provider, rest)
        if provider == "anthropic":  # OpenRouter writes claude-3.5-sonnet, Anthropic 3-5
            chain += candidates(provider, rest.replace(".", "-"))
        found = self._from_overrides(chain) or self._from_table(chain)
        return replace(found, how="vendor price") if found and found.how == "table" else found

    def known_models(self) -> list[str]:
        return sorted(self.table.models)


def candidates(provider: str, name: str) -> list[str]:
    family = family_of(name)
    chain = [f"{provider}:{name}", f"{provider}:{family}", f"{provider}:{family}-latest"]
    return list(dict.fromkeys(chain))


def _runs_here(model: ModelInfo | str) -> bool:
    """In-process GGUF files, and any server Hearth runs against on this computer (or a LAN box
    set up as a custom server): nobody bills those per token."""
    if isinstance(model, ModelInfo):
        if model.is_local or model.provider == LOCAL:
            return True
        provider = model.provider
    else:
        provider = parse_model_id(model)[0]
        if provider == LOCAL:
            return True
    try:
        return get_provider(provider).is_local_server
    except HearthError:
        return False
