"""What the model picker lists, as plain values: sections, models and “Add key…” rows.

No Qt here, so the ordering and search rules are easy to read and to test on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from app.core.chat import ModelInfo, human_bytes
from app.core.errors import HearthError
from app.providers.registry import model_info_for
from app.services.models import ModelGroup

EntryKind = Literal["section", "model", "add_key"]

FAVOURITES = "Favourites"
RECENT = "Recent"
ON_THIS_COMPUTER = "On this computer"
NEEDS_KEY = "Add a key to use"
RECENT_LIMIT = 4
OFFLINE_TIP = "Offline mode is on"
NO_PRICE = "—"

# The cost meter sets this while a window is open: a function from a model to its price per
# million input and output tokens (dollars, Decimal), or None where unknown. Without it (plain
# unit tests) every online model shows NO_PRICE.
PriceLookup = Callable[[ModelInfo], "tuple[Decimal, Decimal] | None"]
price_lookup: PriceLookup | None = None


def set_price_lookup(lookup: PriceLookup | None) -> None:
    """The cost meter hands its price lookup in (None when the window closes)."""
    global price_lookup
    price_lookup = lookup


def forget_price_lookup(lookup: PriceLookup) -> None:
    """Drop `lookup` if it is still the one in use (a newer window may have set its own)."""
    if price_lookup == lookup:
        set_price_lookup(None)


UNKNOWN_PRICE = "price unknown"  # never "$0": that would be a promise


@dataclass(frozen=True, slots=True)
class PickerEntry:
    kind: EntryKind
    title: str  # the section heading, the model's name, or the provider's name
    model: ModelInfo | None = None
    provider_id: str | None = None
    detail: str = ""  # quiet text after the name: "Ollama", "OpenAI" (in Favourites, Recent)
    enabled: bool = True
    favourite: bool = False
    current: bool = False
    tooltip: str = ""

    @property
    def choosable(self) -> bool:
        return self.kind != "section" and self.enabled


def context_length(model: ModelInfo) -> int | None:
    """The model's own figure, else the built-in one for well-known cloud models."""
    if model.context_length or model.provider == "local":
        return model.context_length
    try:
        return model_info_for(model.id).context_length
    except HearthError:
        return None


def context_text(tokens: int | None) -> str:
    """“128K context”, “1M context”; empty where the model does not say."""
    if not tokens:
        return ""
    if tokens >= 1_000_000:
        amount = f"{tokens / 1_000_000:.1f}".removesuffix(".0") + "M"
    elif tokens >= 1000:
        amount = f"{round(tokens / 1000)}K"
    else:
        amount = str(tokens)
    return f"{amount} context"


def price_text(model: ModelInfo) -> str:
    """“$0.15 / $0.60” per million input / output tokens; “free” on this computer (or on a free
    tier); “price unknown” where the cost meter does not know it."""
    if model.is_local:
        return "free"
    if price_lookup is None:
        return NO_PRICE
    price = price_lookup(model)
    if price is None:
        return UNKNOWN_PRICE
    if not any(price):
        return "free"
    return f"${_money(price[0])} / ${_money(price[1])}"


def _money(value: Decimal | float) -> str:
    """Cents from $0.10 up; below, every digit the price has ($0.0375, not $0.04)."""
    if value >= Decimal("0.1") or value == 0:
        return f"{value:.2f}"
    return f"{Decimal(str(value)).normalize():f}".ljust(4, "0")


# "A message" in plain words: the chat so far read again plus a reply, typically this many
# tokens (about 750 words read and 375 written). The tooltip says so; the numbers stay there.
MESSAGE_TOKENS_IN = 1000
MESSAGE_TOKENS_OUT = 500


def plain_text(model: ModelInfo) -> str:
    """What the row leads with: “650 MB” for a model file, “about $0.0005 a message” online."""
    if model.is_local:
        return human_bytes(model.size_bytes) if model.size_bytes else "free"
    if price_lookup is None:
        return ""
    price = price_lookup(model)
    if price is None:
        return UNKNOWN_PRICE
    if not any(price):
        return "free"
    cost = (price[0] * MESSAGE_TOKENS_IN + price[1] * MESSAGE_TOKENS_OUT) / Decimal(1_000_000)
    return f"about ${_one_figure(cost)} a message"


def _one_figure(value: Decimal) -> str:
    """$0.00045 → “0.0005”, $0.0075 → “0.008”, $0.0525 → “0.05”: about is about."""
    if value >= 1:
        return f"{value:.2f}"
    rounded = Decimal(f"{value:.1g}")
    return f"{rounded:f}"


def details_tip(model: ModelInfo) -> str:
    """The numbers behind the plain words, for the row's tooltip."""
    lines = []
    tokens = context_length(model)
    if tokens:
        lines.append(
            f"Reads up to {tokens:,} tokens of the chat at once (a token is about ¾ of a word)."
        )
    if model.is_local:
        facts = [f for f in (model.quantization, human_bytes(model.size_bytes)) if f]
        if facts:
            lines.append("File: " + " · ".join(facts))
    else:
        price = price_text(model)
        if price not in (NO_PRICE, UNKNOWN_PRICE, "free"):
            lines.append(f"Price per million tokens read / written: {price}.")
            lines.append(
                f"“A message” here: about {MESSAGE_TOKENS_IN:,} tokens read "
                f"and {MESSAGE_TOKENS_OUT:,} written."
            )
    if model.sees_images:
        lines.append("Sees images: it can look at the pictures you attach.")
    if model.provider == "local" and model.takes_tools is False:
        lines.append("No tools: its chat template offers no tool calls; it answers without them.")
    return "\n".join(lines)


SEES_IMAGES = "sees images"  # the picker's small plain mark


NO_TOOLS = "no tools"  # a model file whose chat template offers no tool calls


def sees_images_mark(model: ModelInfo | None) -> str:
    """The row's small plain marks: "sees images" for a model the table (or its projector file)
    says takes pictures; "no tools" for a model file that is offered no tools."""
    if model is None:
        return ""
    marks = (
        SEES_IMAGES if model.sees_images else "",
        NO_TOOLS if model.provider == "local" and model.takes_tools is False else "",
    )
    return " · ".join(m for m in marks if m)


def where_tip(model: ModelInfo) -> str:
    where = (
        "Your messages stay on this computer."
        if model.is_local
        else f"Your messages are sent to {model.provider_name or model.provider}."
    )
    details = details_tip(model)
    return f"{where}\n{details}" if details else where


def all_models(groups: Iterable[ModelGroup]) -> list[ModelInfo]:
    """Every model the picker can offer, local first (models behind a missing key excluded)."""
    return [m for g in groups if not g.needs_key for m in g.models]


def build_entries(
    groups: list[ModelGroup],
    *,
    favourites: list[str],
    recent: list[str],
    offline: bool,
    current_id: str | None = None,
    query: str = "",
) -> list[PickerEntry]:
    """Favourites, Recent, On this computer, one section per cloud, then providers needing a key.

    While searching, only the matching models show, each once, under its own section.
    """
    words = query.casefold().split()
    favourite_ids = set(favourites)

    def entry(model: ModelInfo, detail: str = "") -> PickerEntry:
        blocked = offline and not model.is_local
        return PickerEntry(
            "model",
            model.display_name,
            model=model,
            provider_id=model.provider,
            detail=detail,
            enabled=not blocked,
            favourite=model.id in favourite_ids,
            current=model.id == current_id,
            tooltip=OFFLINE_TIP if blocked else where_tip(model),
        )

    sections: list[tuple[str, list[PickerEntry]]] = []
    by_id = {m.id: m for m in all_models(groups)}
    if not words:
        for title, ids in ((FAVOURITES, favourites), (RECENT, _recent(recent, favourite_ids))):
            rows = [entry(by_id[i], _provider_label(by_id[i])) for i in ids if i in by_id]
            sections.append((title, rows))

    local_rows: list[PickerEntry] = []
    cloud_sections: list[tuple[str, list[PickerEntry]]] = []
    key_rows: list[PickerEntry] = []
    for group in groups:
        if group.needs_key:
            if group.provider is not None and _matches_provider(group, words):
                key_rows.append(_add_key_entry(group))
            continue
        rows = [
            entry(m, _server_label(group, m))
            for m in group.models
            if _matches(words, m, group.title)
        ]
        if _is_on_this_computer(group):
            local_rows += rows
        else:
            cloud_sections.append((group.title, rows))
    sections.append((ON_THIS_COMPUTER, local_rows))
    sections += cloud_sections
    sections.append((NEEDS_KEY, key_rows))

    out: list[PickerEntry] = []
    for title, rows in sections:
        if rows:
            out.append(PickerEntry("section", title))
            out += rows
    return out


def _recent(recent: list[str], favourite_ids: set[str]) -> list[str]:
    return [m for m in recent if m not in favourite_ids][:RECENT_LIMIT]


def _is_on_this_computer(group: ModelGroup) -> bool:
    """GGUF files, and servers on this computer (Ollama, LM Studio), share one section."""
    if group.provider is None:
        return True
    return group.provider.is_local_server and all(m.is_local for m in group.models)


def _server_label(group: ModelGroup, model: ModelInfo) -> str:
    return group.provider.display_name if group.provider and model.is_local else ""


def _provider_label(model: ModelInfo) -> str:
    return model.provider_name or ("" if model.provider == "local" else model.provider)


def _matches(words: list[str], model: ModelInfo, section: str) -> bool:
    haystack = " ".join(
        [model.display_name, model.id, model.provider_name or "", section]
    ).casefold()
    return all(w in haystack for w in words)


def _matches_provider(group: ModelGroup, words: list[str]) -> bool:
    if not words:
        return True
    return any(_matches(words, m, group.title) for m in group.models) or all(
        w in group.title.casefold() for w in words
    )


def _add_key_entry(group: ModelGroup) -> PickerEntry:
    spec = group.provider
    assert spec is not None
    return PickerEntry(
        "add_key",
        spec.display_name,
        provider_id=spec.id,
        tooltip=f"Add your {spec.display_name} key in Settings to use its models.",
    )


def next_choosable(entries: list[PickerEntry], start: int, step: int) -> int | None:
    """The nearest row from `start` (inclusive) in direction `step` that can be chosen."""
    row = start
    while 0 <= row < len(entries):
        if entries[row].choosable:
            return row
        row += step
    return None
