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
          "best in English and 7 other languages.", LLAMA, ("Q4_K_M", "Q6_K", "Q8_0")),
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
    # Sees pictures: the text model and its image projector ("mmproj"), downloaded as one model.
    # 256M parameters as published, the vision tower included (it lives in the projector file);
    # the text half is SmolLM2-135M's shape: 30 layers, 3 KV heads of 64, 8192 tokens.
    {**_spec("smolvlm-256m-instruct", "SmolVLM 256M Instruct", "SmolVLM",
             "ggml-org/SmolVLM-256M-Instruct-GGUF", "SmolVLM-256M-Instruct", "apache-2.0",
             256_000_000, 8192, _kv(30, 3, 64),
             "The smallest model that sees pictures: reads screenshots and describes photos on "
             "this computer, roughly; English only.", ["English"], ("Q8_0",)),
     "projector": "mmproj-SmolVLM-256M-Instruct-Q8_0.gguf"},
    # For document search, not chat ("kind": the chat lists and "what fits" never offer it). The
    # default embedding model of GPT4All and LM Studio; its file names use "." before the quant.
    {"id": "nomic-embed-text-v1.5", "name": "Nomic Embed Text v1.5", "family": "Nomic",
     "repo": "nomic-ai/nomic-embed-text-v1.5-GGUF", "license": "apache-2.0",
     "parameters": 137_000_000, "context_length": 2048, "kv_bytes_per_token": None,
     "description": "Lets Hearth find passages of your documents by meaning, not only by their "
                    "words. Small, and runs on this computer only; it is not a chat model.",
     "languages": ["English"], "kind": "embedding",
     "files": ["nomic-embed-text-v1.5.Q4_K_M.gguf", "nomic-embed-text-v1.5.Q8_0.gguf"]},
]  # fmt: skip


# -- published sizes and hashes -------------------------------------------------------------------
# Without the Hub at hand, the size and sha256 of a curated file come only from a published source
# that names the same repo (uploader) and file: another app's pinned catalog, or a Hub API listing
# quoted in a repository. Nothing here is estimated; a file no such source covers stays null and
# gets its values from the Hub when it is downloaded. `revision` is the commit the source pinned,
# where it gave one. Source keys are explained in SOURCES ("index" ids are the stored-copy ids of
# the public files the values were read from).

CHECKED = (
    "Sizes and sha256 (git-LFS oid) of the curated files read from published sources naming the "
    "same repo and file, since the Hub was not reachable; see 'sources'. A null is unknown, never "
    "a guess: it is filled from the Hub on download or by rebuilding online."
)

SOURCES: dict[str, str] = {
    "huggingface-api": "Hugging Face /api/models/{repo}?blobs=true (lfs.size, lfs.oid)",
    "finch": "finch daemon, managed_gguf_artifact() (Rust): repo, revision, file, expected_size, "
             "sha256 per Q4_K_M/Q5_K_M (index 68282522519)",
    "masterai": "masterai C++ model catalog: resolve URL pinned to a commit, sha256, size "
                "(index 70961367493)",
    "pocketpal": "a-ghorbani/pocketpal-ai src/store/defaultModels.ts: hfModelFile.lfs.oid and "
                 "lfs.size (index 54617154664)",
    "rampart": "aflin/rampart-langtools rampart-models.js built-in catalog: repo, revision, file "
               "sizes from the Hub API, no sha256 (index 61492418159)",
    "von": "kindling 'von' Go catalog: Repo, Revision, File, SHA256, Size (index 69403186498)",
    "gguf-presets": "GGUF preset source list: pinned repo revision, size, publisher LFS SHA-256 "
                    "(index 71516227580)",
    "tempest": "Tempest DOWNLOAD_INFO (JS), values 'confirmed against the Hub API lfs.oid': url, "
               "sha256, sizeBytes (index 59814217473)",
    "registry-ts": "BUILT_IN_MODELS (TypeScript): repoId, filename, commitSha, sha256, "
                   "expectedSize (index 53423116872)",
    "kotlin-variants": "AiModelVariant catalog (Kotlin): downloadUrl, fileSizeBytes, "
                       "sha256Checksum (index 70931945601)",
    "phi4-starter": "Starter catalog (Rust) and model JSON: repo, revision, file, sha256, size "
                    "(index 56177413879, 70097131525)",
    "nemo-catalog": "model catalogs (Rust, Python): repo, revision, file, sha256, size_bytes "
                    "(index 56118877475, 70960182246)",
    "smolvlm-pins": "SmolVLM-256M pins in public app catalogs and scripts (C++ x2, PowerShell, "
                    "a README table), all agreeing: repo, file, sha256, size, no revision "
                    "(index 55683798912, 55914503398, 68849088712, 69443193573)",
    "embed-pins": "embedding-model pins in public app catalogs (Go, Python, TypeScript, Rust): "
                  "repo, revision, file, sha256, size (index 63272119790, 70478373046, "
                  "71481936524, 58113693103)",
}  # fmt: skip


def _pub(size: int | None, sha256: str | None, revision: str | None, source: str) -> dict:
    return {"size": size, "sha256": sha256, "revision": revision, "source": source}


QWEN05, QWEN15, QWEN3 = (
    "9217f5db79a29953eb74d5343926648285ec7e67",
    "91cad51170dc346986eccefdc2dd33a9da36ead9",
    "7dabda4d13d513e3e842b20f0d435c732f172cbe",
)
QWEN7 = "8911e8a47f92bac19d6f5c64a2e2095bd2f7d031"
QWEN14 = "05244aa5d871c661c80082a15d3bce44714d068d"
LLAMA1 = "067b946cf014b7c697f3654f621d577a3e3afd1c"
LLAMA3 = "5ab33fa94d1d04e903623ae72c95d1696f09f9e8"
LLAMA8 = "bf5b95e96dac0462e2a09145ec66cae9a3f12067"
GEMMA2 = "855f67caed130e1befc571b52bd181be2e858883"
GEMMA9 = "d731033f3dc4018261fd39896e50984d398b4ac5"
PHI35 = "6d70da17e749a471ccb62ade694486011a75cda3"
PHI4 = "19cd65f97c2f1712a81c506611d3f9c94b16a1e1"
MISTRAL = "61fd4167fff3ab01ee1cfe0da183fa27a944db48"
NEMO = "a2dd64a0a76ea1bdb2bb6ab6fa5496b003c7c908"
SMOL = "1f03464768bfcc0319fc50da8ff5fb20b6417ba2"
NOMIC = "0188c9bf409793f810680a5a431e7b899c46104c"

# (repo, file) -> published values. Where sources disagreed the newer/more specific one is kept and
# the other noted: qwen2.5-1.5b q4_k_m is 1_117_320_736 in the Hub API listing and five catalogs
# (one report says 1_117_315_456, a typo: same sha256).
PUBLISHED: dict[tuple[str, str], dict[str, Any]] = {
    ("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf"): _pub(
        491_400_032, "74a4da8c9fdbcd15bd1f6d01d621410d31c6fc00986f5eb687824e7b93d7a9db", QWEN05,
        "von"),
    ("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q5_k_m.gguf"): _pub(
        522_186_592, "041474553fcabfc2a2d67903f9d2c2e50bd92528e670da4f33b5d0ce6e59fd55", QWEN05,
        "kotlin-variants (size and revision also rampart)"),
    ("Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q8_0.gguf"): _pub(
        675_710_816, "ca59ca7f13d0e15a8cfa77bd17e65d24f6844b554a7b6c12e07a5f89ff76844e", QWEN05,
        "von"),
    ("Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q4_k_m.gguf"): _pub(
        1_117_320_736, "6a1a2eb6d15622bf3c96857206351ba97e1af16c30d7a74ee38970e434e9407e", QWEN15,
        "finch"),
    ("Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q5_k_m.gguf"): _pub(
        1_285_494_304, "b46661073c18e5b56a41fa320975f866a00def1ff08feef4718e013258896f8c", QWEN15,
        "finch"),
    ("Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q8_0.gguf"): _pub(
        1_894_532_128, "d7efb072e7724d25048a4fda0a3e10b04bdef5d06b1403a1c93bd9f1240a63c8", QWEN15,
        "masterai (also pocketpal)"),
    ("Qwen/Qwen2.5-3B-Instruct-GGUF", "qwen2.5-3b-instruct-q4_k_m.gguf"): _pub(
        2_104_932_768, "626b4a6678b86442240e33df819e00132d3ba7dddfe1cdc4fbb18e0a9615c62d", QWEN3,
        "finch"),
    ("Qwen/Qwen2.5-3B-Instruct-GGUF", "qwen2.5-3b-instruct-q5_k_m.gguf"): _pub(
        2_438_740_384, "2c63dde5f2c9ab1fd64d47dee2d34dade6ba9ff62442d1d20b5342310c982081", QWEN3,
        "finch (also pocketpal)"),
    ("Qwen/Qwen2.5-3B-Instruct-GGUF", "qwen2.5-3b-instruct-q8_0.gguf"): _pub(
        3_616_088_480, "6dcc22694c8654b045ec40bbe350212b88893fd9010e8474bae5b19a43578ba1", QWEN3,
        "masterai"),
    ("bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q4_K_M.gguf"): _pub(
        4_683_074_240, "65b8fcd92af6b4fefa935c625d1ac27ea29dcb6ee14589c55a8f115ceaaa1423", QWEN7,
        "masterai (also gguf-presets)"),
    ("bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q5_K_M.gguf"): _pub(
        5_444_831_936, "2e998d7e181c8756c5ffc55231b9ee1cdc9d3acec4245d6e27d32bd8e738c474", None,
        "tempest"),
    ("bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q8_0.gguf"): _pub(
        8_098_525_888, "9c6a6e61664446321d9c0dd7ee28a0d03914277609e21bc0e1fce4abe780ce1b", QWEN7,
        "masterai"),
    ("bartowski/Qwen2.5-14B-Instruct-GGUF", "Qwen2.5-14B-Instruct-Q4_K_M.gguf"): _pub(
        8_988_110_976, "e47ad95dad6ff848b431053b375adb5d39321290ea2c638682577dafca87c008", QWEN14,
        "gguf-presets"),
    ("bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf"): _pub(
        807_694_464, "6f85a640a97cf2bf5b8e764087b1e83da0fdb51d7c9fab7d0fece9385611df83", LLAMA1,
        "masterai (also registry-ts, gguf-presets, pocketpal)"),
    ("bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q5_K_M.gguf"): _pub(
        911_503_488, None, LLAMA1, "rampart"),
    ("bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q8_0.gguf"): _pub(
        1_321_083_008, "432f310a77f4650a88d0fd59ecdd7cebed8d684bafea53cbff0473542964f0c3", LLAMA1,
        "masterai (size also rampart)"),
    ("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf"): _pub(
        2_019_377_696, "6c1a2b41161032677be168d354123594c0e6e67d2b9227c84f296ad037c728ff", LLAMA3,
        "masterai (also registry-ts, gguf-presets)"),
    ("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q6_K.gguf"): _pub(
        2_643_853_856, "1771887c15fc3d327cfee6fd593553b2126e88834bf48eae50e709d3f70dd998", None,
        "pocketpal"),
    ("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q8_0.gguf"): _pub(
        3_421_899_296, "b5607b5090a8280063fff2d706bb3408ca6542341b06aab39c3eca0a28575921", LLAMA3,
        "masterai"),
    ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf"): _pub(
        4_920_739_232, "7b064f5842bf9532c91456deda288a1b672397a54fa729aa665952863033557c", LLAMA8,
        "masterai (also gguf-presets)"),
    ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q5_K_M.gguf"): _pub(
        5_732_992_416, "14e10feba0c82a55da198dcd69d137206ad22d116a809926d27fa5f2398c69c7", None,
        "tempest"),
    ("bartowski/Meta-Llama-3.1-8B-Instruct-GGUF", "Meta-Llama-3.1-8B-Instruct-Q8_0.gguf"): _pub(
        8_540_775_840, "9da71c45c90a821809821244d4971e5e5dfad7eb091f0b8ff0546392393b6283", LLAMA8,
        "masterai"),
    ("bartowski/gemma-2-2b-it-GGUF", "gemma-2-2b-it-Q4_K_M.gguf"): _pub(
        1_708_582_752, "e0aee85060f168f0f2d8473d7ea41ce2f3230c1bc1374847505ea599288a7787", GEMMA2,
        "finch (also masterai)"),
    ("bartowski/gemma-2-2b-it-GGUF", "gemma-2-2b-it-Q5_K_M.gguf"): _pub(
        1_923_278_688, "be65d5966f7efd40d9d8c9d5f6667582d861de52df20133991e2e9cb491150da", GEMMA2,
        "finch"),
    ("bartowski/gemma-2-2b-it-GGUF", "gemma-2-2b-it-Q8_0.gguf"): _pub(
        2_784_495_456, "2d448a9aab894b8e8e18168cf3f490cb9f65632222f29f93514ac9ecc754debe", GEMMA2,
        "masterai"),
    ("bartowski/gemma-2-9b-it-GGUF", "gemma-2-9b-it-Q4_K_M.gguf"): _pub(
        5_761_057_728, "13b2a7b4115bbd0900162edcebe476da1ba1fc24e718e8b40d32f6e300f56dfe", GEMMA9,
        "finch"),
    ("bartowski/gemma-2-9b-it-GGUF", "gemma-2-9b-it-Q5_K_M.gguf"): _pub(
        6_647_366_592, "a4b0b55ce809a09baaefb789b0046ac77ecd502aba8aeb2ed63cc237d9f40ce7", GEMMA9,
        "finch"),
    ("bartowski/Phi-3.5-mini-instruct-GGUF", "Phi-3.5-mini-instruct-Q4_K_M.gguf"): _pub(
        2_393_232_672, None, PHI35, "rampart"),
    ("bartowski/Phi-3.5-mini-instruct-GGUF", "Phi-3.5-mini-instruct-Q5_K_M.gguf"): _pub(
        2_815_276_320, None, PHI35, "rampart"),
    ("bartowski/Phi-3.5-mini-instruct-GGUF", "Phi-3.5-mini-instruct-Q8_0.gguf"): _pub(
        4_061_222_688, None, PHI35, "rampart"),
    ("bartowski/phi-4-GGUF", "phi-4-Q4_K_M.gguf"): _pub(
        9_053_114_816, "009aba717c09d4a35890c7d35eb59d54e1dba884c7c526e7197d9c13ab5911d9", PHI4,
        "phi4-starter"),
    ("bartowski/Mistral-7B-Instruct-v0.3-GGUF", "Mistral-7B-Instruct-v0.3-Q4_K_M.gguf"): _pub(
        4_372_812_000, "1270d22c0fbb3d092fb725d4d96c457b7b687a5f5a715abe1e818da303e562b6", MISTRAL,
        "masterai"),
    ("bartowski/Mistral-7B-Instruct-v0.3-GGUF", "Mistral-7B-Instruct-v0.3-Q8_0.gguf"): _pub(
        7_702_565_088, "404857e776114baada71a08ebd3bba79d721ec7fca99705e7e7b892ae8bc583f", MISTRAL,
        "masterai"),
    ("bartowski/Mistral-Nemo-Instruct-2407-GGUF", "Mistral-Nemo-Instruct-2407-Q4_K_M.gguf"): _pub(
        7_477_208_192, "7c1a10d202d8788dbe5628dc962254d10654c853cae6aaeca0618f05490d4a46", NEMO,
        "nemo-catalog"),
    ("bartowski/SmolLM2-1.7B-Instruct-GGUF", "SmolLM2-1.7B-Instruct-Q4_K_M.gguf"): _pub(
        1_055_609_824, "77665ea4815999596525c636fbeb56ba8b080b46ae85efef4f0d986a139834d7", SMOL,
        "registry-ts"),
    ("bartowski/SmolLM2-1.7B-Instruct-GGUF", "SmolLM2-1.7B-Instruct-Q8_0.gguf"): _pub(
        1_820_414_944, "0c6e8955788b1253f418c354a4bdc4cf507b8cfe49c48bb10c7c58ae713cfa2a", None,
        "pocketpal"),
    ("ggml-org/SmolVLM-256M-Instruct-GGUF", "SmolVLM-256M-Instruct-Q8_0.gguf"): _pub(
        175_054_528, "2a31195d3769c0b0fd0a4906201666108834848db768af11de1d2cef7cd35e65", None,
        "smolvlm-pins"),
    ("ggml-org/SmolVLM-256M-Instruct-GGUF", "mmproj-SmolVLM-256M-Instruct-Q8_0.gguf"): _pub(
        103_769_856, "7e943f7c53f0382a6fc41b6ee0c2def63ba4fded9ab8ed039cc9e2ab905e0edd", None,
        "smolvlm-pins"),
    ("nomic-ai/nomic-embed-text-v1.5-GGUF", "nomic-embed-text-v1.5.Q4_K_M.gguf"): _pub(
        84_106_624, "d4e388894e09cf3816e8b0896d81d265b55e7a9fff9ab03fe8bf4ef5e11295ac", NOMIC,
        "embed-pins"),
    ("nomic-ai/nomic-embed-text-v1.5-GGUF", "nomic-embed-text-v1.5.Q8_0.gguf"): _pub(
        146_146_432, "3e24342164b3d94991ba9692fdc0dd08e3fd7362e0aacc396a9a5c54a544c3b7", NOMIC,
        "embed-pins"),
}  # fmt: skip

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
    from app.downloads.hub_names import quant_from_name

    def published(name: str) -> dict[str, Any]:
        known = PUBLISHED.get((spec["repo"], name)) or {}
        return {"file": name, "quant": quant_from_name(name), "size": known.get("size"),
                "sha256": known.get("sha256"), "revision": known.get("revision") or "main",
                "source": known.get("source")}  # fmt: skip

    files = [published(name) for name in spec["files"]]
    projector = published(spec["projector"]) if spec.get("projector") else None
    pinned = {f["revision"] for f in files}
    return _entry(spec, pinned.pop() if len(pinned) == 1 else "main", files, projector)


def _entry(
    spec: dict[str, Any],
    revision: str,
    files: list[dict[str, Any]],
    projector: dict[str, Any] | None = None,
) -> dict[str, Any]:
    keys = ("id", "name", "family", "repo", "license", "parameters", "context_length",
            "kv_bytes_per_token", "description", "languages")  # fmt: skip
    kind = {"kind": spec["kind"]} if spec.get("kind") else {}  # chat models leave it out
    # A vision model's projector, shared by every quantization (app/downloads/catalog.py).
    seeing = {"projector": projector} if projector else {}
    return {**{k: spec[k] for k in keys}, **kind, "revision": revision, **seeing, "files": files}


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
            {"file": match.path, "quant": match.quant, "size": match.size, "sha256": match.sha256,
             "revision": match.revision, "source": "huggingface-api"}
        )  # fmt: skip
    gguf = info.get("gguf") if isinstance(info.get("gguf"), dict) else {}
    spec = {
        **spec,
        "license": _license(info) or spec["license"],
        "parameters": gguf.get("total") or spec["parameters"],
        "context_length": gguf.get("context_length") or spec["context_length"],
    }
    revision = files[0].revision if files else info.get("sha") or "main"
    projector = None
    if spec.get("projector"):
        projector = await _projector_entry(hub, spec["repo"], spec["projector"], revision)
        if projector is None:
            problems.append(f"{spec['repo']}/{spec['projector']}: no such projector, or no lfs")
    return _entry(spec, revision, chosen, projector), problems


async def _projector_entry(
    hub: HubClient, repo: str, name: str, revision: str
) -> dict[str, Any] | None:
    """The projector's size and sha256 from the repo's file tree (the model list leaves
    mmproj files out: they are not models on their own)."""
    from app.downloads.hub_names import int_field, quant_from_name, sha256_or_none

    for entry in await hub.tree(repo, revision=revision):
        lfs = entry.get("lfs") if isinstance(entry.get("lfs"), dict) else {}
        if entry.get("path") != name or not lfs:
            continue
        size = int_field(lfs.get("size")) or int_field(entry.get("size"))
        sha256 = sha256_or_none(lfs.get("oid") or lfs.get("sha256"))
        if size is None or sha256 is None:
            return None
        return {"file": name, "quant": quant_from_name(name), "size": size, "sha256": sha256,
                "revision": revision, "source": "huggingface-api"}  # fmt: skip
    return None


def _quant_of(file: str) -> str | None:
    from app.downloads.hub_names import quant_from_name

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
        "checked": CHECKED if offline else "Sizes and sha256 read from the Hub API (lfs fields).",
        "sources": SOURCES,
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
