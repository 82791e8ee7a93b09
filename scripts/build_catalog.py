"""Rebuild resources/catalog.json from the Hugging Face API.

    python scripts/build_catalog.py                      # the curated list below, from the Hub
    python scripts/build_catalog.py OWNER/REPO ... --quants Q4_K_M,Q8_0 --output FILE
    python scripts/build_catalog.py --offline            # names only: sizes and sha256 null

For each repo it reads `/api/models/{repo}?blobs=true`: the commit (`sha`) becomes the revision,
each file's size and sha256 come from its `lfs` fields, and the context length and parameter
count from the `gguf` summary (the curated values are the fallback). HF_ENDPOINT and HF_TOKEN are
honoured, so the tests run it against a loopback Hub. Exit status 1 when a repo or a wanted
quantization is missing; the catalog is then written only with --partial.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.core.errors import HearthError  # noqa: E402
from app.downloads.hub import HubClient, HubFile  # noqa: E402

DEFAULT_OUTPUT = ROOT / "resources" / "catalog.json"
DEFAULT_QUANTS = ("Q4_K_M", "Q5_K_M", "Q8_0")
BIG_QUANTS = ("Q4_K_M", "Q5_K_M", "Q6_K")  # 12-14B: Q8_0 would need 16 GB of memory
FIRST_RUN = "qwen2.5-1.5b-instruct"


def _kv(layers: int, kv_heads: int, head_dim: int) -> int:
    """KV-cache bytes per token of context: keys and values, f16, every layer."""
    return layers * kv_heads * head_dim * 2 * 2


def _spec(id_, name, family, repo, stem, license_, params, ctx, kv, description, languages,
          quants=DEFAULT_QUANTS, case=str.upper) -> dict[str, Any]:  # fmt: skip
    return {
        "id": id_,
        "name": name,
        "family": family,
        "repo": repo,
        "license": license_,
        "parameters": params,
        "context_length": ctx,
        "kv_bytes_per_token": kv,
        "description": description,
        "languages": languages,
        "files": [f"{stem}-{case(q)}.gguf" for q in quants],
    }


MANY = ["English", "Chinese", "French", "Spanish", "German", "Italian", "Russian", "Japanese",
        "Korean", "Vietnamese", "Thai", "Arabic", "and more"]  # fmt: skip
LLAMA = ["English", "German", "French", "Italian", "Portuguese", "Hindi", "Spanish", "Thai"]

# The curated list: what a non-developer should be offered first, small to large.
CURATED: list[dict[str, Any]] = [
    _spec("qwen2.5-0.5b-instruct", "Qwen2.5 0.5B Instruct", "Qwen",
          "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct", "apache-2.0",
          494_032_768, 32768, _kv(24, 2, 64),
          "Tiny and very fast, even on old laptops; fine for short questions and rewording, "
          "weak at facts and reasoning. Many languages.", MANY, case=str.lower),
    _spec("qwen2.5-1.5b-instruct", "Qwen2.5 1.5B Instruct", "Qwen",
          "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct", "apache-2.0",
          1_543_714_304, 32768, _kv(28, 2, 128),
          "Small and quick on any recent computer; good for everyday questions, summaries and "
          "drafts in many languages. A good first model.", MANY, case=str.lower),
    _spec("qwen2.5-3b-instruct", "Qwen2.5 3B Instruct", "Qwen",
          "Qwen/Qwen2.5-3B-Instruct-GGUF", "qwen2.5-3b-instruct", "other (qwen-research)",
          3_085_938_688, 32768, _kv(36, 2, 128),
          "Noticeably smarter than the small ones and still fast on a laptop; writing, "
          "summaries, light coding, many languages. Research licence.", MANY, case=str.lower),
    _spec("qwen2.5-7b-instruct", "Qwen2.5 7B Instruct", "Qwen",
          "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct", "apache-2.0",
          7_615_616_512, 32768, _kv(28, 4, 128),
          "A strong all-rounder: writing, reasoning, coding and maths in many languages; wants "
          "16 GB of memory or a graphics card.", MANY),
    _spec("qwen2.5-14b-instruct", "Qwen2.5 14B Instruct", "Qwen",
          "bartowski/Qwen2.5-14B-Instruct-GGUF", "Qwen2.5-14B-Instruct", "apache-2.0",
          14_770_033_664, 32768, _kv(48, 8, 128),
          "The most capable model in this list for reasoning, coding and long answers in many "
          "languages; needs 16-32 GB of memory or a large graphics card.", MANY, BIG_QUANTS),
    _spec("llama-3.2-1b-instruct", "Llama 3.2 1B Instruct", "Llama",
          "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct", "llama3.2",
          1_235_814_400, 131072, _kv(16, 8, 64),
          "Meta's smallest chat model: quick answers and summaries on modest computers; "
          "mainly English.", LLAMA),
    _spec("llama-3.2-3b-instruct", "Llama 3.2 3B Instruct", "Llama",
          "bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct", "llama3.2",
          3_212_749_824, 131072, _kv(28, 8, 128),
          "Friendly, capable small assistant from Meta for writing, summaries and questions; "
          "best in English and 7 other languages.", LLAMA),
    _spec("llama-3.1-8b-instruct", "Llama 3.1 8B Instruct", "Llama",
          "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct", "llama3.1",
          8_030_261_248, 131072, _kv(32, 8, 128),
          "Meta's popular all-round model: good writing, reasoning and coding help; best in "
          "English and 7 other languages.", LLAMA),
    _spec("gemma-2-2b-it", "Gemma 2 2B", "Gemma",
          "bartowski/gemma-2-2b-it-GGUF", "gemma-2-2b-it", "gemma",
          2_614_341_888, 8192, _kv(26, 4, 256),
          "Google's small model: natural, well-written answers for its size; mainly English.",
          ["English"]),
    _spec("gemma-2-9b-it", "Gemma 2 9B", "Gemma",
          "bartowski/gemma-2-9b-it-GGUF", "gemma-2-9b-it", "gemma",
          9_241_705_984, 8192, _kv(42, 8, 256),
          "Google's mid-size model: excellent writing and explanations; mainly English, "
          "shorter memory (8K tokens).", ["English"]),
    _spec("phi-3.5-mini-instruct", "Phi-3.5 mini", "Phi",
          "bartowski/Phi-3.5-mini-instruct-GGUF", "Phi-3.5-mini-instruct", "mit",
          3_821_079_552, 131072, _kv(32, 32, 96),
          "Microsoft's small model, strong at reasoning, maths and code for its size; "
          "mainly English; long documents use a lot of memory.", ["English", "and some others"]),
    _spec("phi-4", "Phi-4 14B", "Phi",
          "bartowski/phi-4-GGUF", "phi-4", "mit",
          14_659_507_200, 16384, _kv(40, 10, 128),
          "Microsoft's 14B model: very good at reasoning, maths and code; mainly English; "
          "needs 16-32 GB of memory or a large graphics card.", ["English"], BIG_QUANTS),
    _spec("mistral-7b-instruct-v0.3", "Mistral 7B Instruct v0.3", "Mistral",
          "bartowski/Mistral-7B-Instruct-v0.3-GGUF", "Mistral-7B-Instruct-v0.3", "apache-2.0",
          7_248_023_552, 32768, _kv(32, 8, 128),
          "Mistral AI's classic 7B model: solid writing and chat, mainly English and European "
          "languages.", ["English", "French", "German", "Spanish", "Italian"]),
    _spec("mistral-nemo-instruct-2407", "Mistral Nemo 12B", "Mistral",
          "bartowski/Mistral-Nemo-Instruct-2407-GGUF", "Mistral-Nemo-Instruct-2407",
          "apache-2.0", 12_247_782_400, 131072, _kv(40, 8, 128),
          "Mistral AI and NVIDIA's 12B model: rich writing, good multilingual chat and long "
          "documents; needs 16 GB of memory or a graphics card.",
          ["English", "French", "German", "Spanish", "Italian", "Portuguese", "Chinese",
           "Japanese", "Korean", "Arabic", "Hindi"], BIG_QUANTS),  # fmt: skip
    _spec("smollm2-1.7b-instruct", "SmolLM2 1.7B Instruct", "SmolLM",
          "bartowski/SmolLM2-1.7B-Instruct-GGUF", "SmolLM2-1.7B-Instruct", "apache-2.0",
          1_711_376_384, 8192, _kv(24, 32, 64),
          "Hugging Face's small open model: quick, light answers and rewriting; English only.",
          ["English"]),
]  # fmt: skip


# -- building -------------------------------------------------------------------------------------


def spec_for(repo: str, quants: tuple[str, ...] | None) -> dict[str, Any]:
    """The curated entry for a repo, or a bare one for a repo given on the command line."""
    for spec in CURATED:
        if spec["repo"].lower() == repo.lower():
            return {**spec, "quants": quants}
    name = repo.split("/")[-1].removesuffix("-GGUF").removesuffix("-gguf")
    return {"id": name.lower(), "name": name, "family": "", "repo": repo, "license": None,
            "parameters": None, "context_length": None, "kv_bytes_per_token": None,
            "description": "", "languages": [], "files": [],
            "quants": quants or DEFAULT_QUANTS}  # fmt: skip


def offline_entry(spec: dict[str, Any]) -> dict[str, Any]:
    from app.downloads.hub import quant_from_name

    files = [{"file": f, "quant": quant_from_name(f), "size": None, "sha256": None}
             for f in spec["files"]]  # fmt: skip
    return _entry(spec, "main", files)


def _entry(spec: dict[str, Any], revision: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("id", "name", "family", "repo", "license", "parameters", "context_length",
            "kv_bytes_per_token", "description", "languages")  # fmt: skip
    return {**{k: spec[k] for k in keys}, "revision": revision, "files": files}


async def online_entry(hub: HubClient, spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The entry with the Hub's commit, sizes and sha256; and the problems found."""
    info = await hub.model_info(spec["repo"])
    files = await hub.list_gguf_files(spec["repo"], revision=info.get("sha") or "main")
    wanted = spec.get("quants") or [_quant_of(f) for f in spec["files"]]
    chosen, problems = [], []
    for quant in wanted:
        match = _pick(files, quant, spec["files"])
        if match is None:
            problems.append(f"{spec['repo']}: no single-file {quant} .gguf")
            continue
        if match.sha256 is None or match.size is None:
            problems.append(f"{spec['repo']}/{match.path}: the API gave no lfs size/sha256")
        chosen.append(
            {"file": match.path, "quant": match.quant, "size": match.size, "sha256": match.sha256}
        )
    gguf = info.get("gguf") if isinstance(info.get("gguf"), dict) else {}
    spec = {
        **spec,
        "license": _license(info) or spec["license"],
        "parameters": gguf.get("total") or spec["parameters"],
        "context_length": gguf.get("context_length") or spec["context_length"],
    }
    revision = files[0].revision if files else info.get("sha") or "main"
    return _entry(spec, revision, chosen), problems


def _quant_of(file: str) -> str | None:
    from app.downloads.hub import quant_from_name

    return quant_from_name(file)


def _pick(files: list[HubFile], quant: str, preferred: list[str]) -> HubFile | None:
    matches = [f for f in files if (f.quant or "") == quant.upper() and not f.split]
    named = [f for f in matches if f.path in preferred]
    return min(named or matches, key=lambda f: (f.path.count("/"), len(f.path)), default=None)


def _license(info: dict[str, Any]) -> str | None:
    card = info.get("cardData") if isinstance(info.get("cardData"), dict) else {}
    license_ = card.get("license")
    if license_ == "other" and card.get("license_name"):
        return f"other ({card['license_name']})"
    if isinstance(license_, str):
        return license_
    tags = [t for t in info.get("tags") or [] if isinstance(t, str) and t.startswith("license:")]
    return tags[0].split(":", 1)[1] if tags else None


async def build(specs: list[dict[str, Any]], *, offline: bool) -> tuple[dict, list[str]]:
    models, problems = [], []
    if offline:
        models = [offline_entry(s) for s in specs]
    else:
        hub = HubClient()
        for spec in specs:
            try:
                entry, found = await online_entry(hub, spec)
            except HearthError as err:
                problems.append(f"{spec['repo']}: {err.plain()}")
                continue
            models.append(entry)
            problems += found
    first = FIRST_RUN if any(m["id"] == FIRST_RUN for m in models) else None
    catalog = {
        "schema": 1,
        "generated": None if offline else datetime.now(UTC).isoformat(timespec="seconds"),
        "source": "Hugging Face model repositories; rebuilt by scripts/build_catalog.py",
        "first_run": first or (models[0]["id"] if models else None),
        "models": models,
    }
    return catalog, problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="*", metavar="OWNER/REPO", help="default: the curated list")
    parser.add_argument("--quants", help="comma-separated, e.g. Q4_K_M,Q5_K_M,Q8_0")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--offline", action="store_true", help="do not ask the Hub: nulls")
    parser.add_argument("--partial", action="store_true", help="write even when a repo failed")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quants = tuple(q.strip().upper() for q in args.quants.split(",")) if args.quants else None
    repos = args.repos or [s["repo"] for s in CURATED]
    specs = [spec_for(r, quants) for r in repos]
    catalog, problems = asyncio.run(build(specs, offline=args.offline))
    for problem in problems:
        print(f"build_catalog: {problem}", file=sys.stderr)
    if problems and not args.partial:
        print("build_catalog: nothing written (use --partial to write anyway)", file=sys.stderr)
        return 1
    text = json.dumps(catalog, indent=2, ensure_ascii=False) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    count = sum(len(m["files"]) for m in catalog["models"])
    print(f"Wrote {len(catalog['models'])} models, {count} files to {args.output}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
