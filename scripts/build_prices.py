"""Rebuild resources/prices.json from a maintained public price dataset.

    python scripts/build_prices.py                          # fetch https://models.dev/api.json
    python scripts/build_prices.py --input api.json         # a saved copy (offline)
    python scripts/build_prices.py --input model_prices_and_context_window.json   # LiteLLM's

Both datasets are MIT-licensed. models.dev (github.com/sst/models.dev) lists USD per million
tokens per provider; LiteLLM (github.com/BerriAI/litellm) lists USD per token per model. The
format is recognised from the file. Only Hearth's cloud providers are kept, mapped to Hearth's
provider ids; every price is written as text so it loads as an exact Decimal. The source and its
date are recorded in the file, and aliases are derived (family -> newest dated version) plus the
few below that no rule finds.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.money import Price  # noqa: E402
from app.providers.model_vision import vision_from_models_dev  # noqa: E402
from app.providers.prices import (  # noqa: E402
    PriceTable,
    derive_aliases,
    table_from_litellm,
    table_from_models_dev,
)

MODELS_DEV_URL = "https://models.dev/api.json"
DEFAULT_OUTPUT = ROOT / "resources" / "prices.json"
LICENSE = "MIT"

# Names people and providers use that no suffix rule maps to a dated entry.
EXTRA_ALIASES = {
    "anthropic:claude-opus-4-0": "anthropic:claude-opus-4-20250514",
    "openrouter:google/gemini-2.0-flash": "openrouter:google/gemini-2.0-flash-001",
}


class DatasetError(Exception):
    """The input is neither models.dev's api.json nor LiteLLM's price file."""


def detect_format(data: Any) -> str:
    if not isinstance(data, Mapping):
        raise DatasetError("the dataset is not a JSON object")
    if "sample_spec" in data or any(
        isinstance(v, Mapping) and "litellm_provider" in v for v in list(data.values())[:50]
    ):
        return "litellm"
    if any(isinstance(v, Mapping) and isinstance(v.get("models"), Mapping) for v in data.values()):
        return "models.dev"
    raise DatasetError("neither models.dev's api.json nor LiteLLM's price file")


def convert(data: Any) -> dict[str, Price]:
    kind = detect_format(data)
    return table_from_litellm(data) if kind == "litellm" else table_from_models_dev(data)


def aliases_for(models: Mapping[str, Price]) -> dict[str, str]:
    aliases = derive_aliases(models)
    for alias, target in EXTRA_ALIASES.items():
        if target in models and alias not in models:
            aliases[alias] = target
    return aliases


def build(data: Any, *, source: str, source_date: str, notes: str = "") -> PriceTable:
    models = convert(data)
    if not models:
        raise DatasetError("no priced models for Hearth's providers were found")
    vision = vision_from_models_dev(data) if detect_format(data) == "models.dev" else {}
    return PriceTable(
        models=models,
        aliases=aliases_for(models),
        vision={k: v for k, v in vision.items() if k in models},
        source=source,
        source_date=source_date,
        notes=notes,
    )


def fetch(url: str) -> Any:  # pragma: no cover - needs the internet
    import certifi
    import httpx

    response = httpx.get(url, timeout=60, verify=certifi.where(), follow_redirects=True)
    response.raise_for_status()
    return response.json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, help="a saved api.json or LiteLLM price file")
    parser.add_argument("--url", default=MODELS_DEV_URL, help="where to fetch when no --input")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--source", help="what to record as the source (default: file or URL)")
    parser.add_argument("--source-date", help="the dataset's date (default: today, UTC)")
    parser.add_argument("--notes", default="", help="anything a reader of the table should know")
    args = parser.parse_args(argv)

    data = json.loads(args.input.read_text(encoding="utf-8")) if args.input else fetch(args.url)
    source = args.source or (args.input.name if args.input else args.url)
    date = args.source_date or datetime.now(UTC).date().isoformat()
    try:
        table = build(data, source=source, source_date=date, notes=args.notes)
    except DatasetError as err:
        print(f"build_prices: {err}", file=sys.stderr)
        return 1
    table.write(args.output, extra={"license": LICENSE, "format": detect_format(data)})
    print(f"Wrote {len(table.models)} models, {len(table.aliases)} aliases to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
