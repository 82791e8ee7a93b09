"""Names and addresses on the Hugging Face Hub: the endpoint and token from the environment,
repo ids and file paths checked, quantization and split parts read from file names, and small
readers of the Hub's JSON fields and Link headers."""

import os
import re
from typing import Any
from urllib.parse import urljoin

import httpx

from app.core.download_errors import NotFoundOnHub

DEFAULT_ENDPOINT = "https://huggingface.co"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def token() -> str | None:
    return (os.environ.get("HF_TOKEN") or "").strip() or None


_QUANT = re.compile(
    r"(?<![A-Za-z0-9])(UD-)?(I?Q[1-8](?:_[0-9A-Z]{1,3}){0,3}|BF16|F16|F32|TQ[12]_0|MXFP4)"
    r"(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.IGNORECASE)

# Average bits per weight of whole files (llama.cpp's quantize table, embeddings included);
# used to estimate sizes nobody has measured yet and to rank quality.
BITS_PER_WEIGHT = {
    "Q2_K": 3.0, "IQ3_XXS": 3.1, "IQ3_XS": 3.3, "Q3_K_S": 3.5, "IQ3_M": 3.7, "Q3_K_M": 3.9,
    "Q3_K_L": 4.3, "IQ4_XS": 4.3, "IQ4_NL": 4.5, "Q4_0": 4.5, "Q4_K_S": 4.6, "Q4_K_M": 4.9,
    "Q4_K_L": 5.1, "Q5_0": 5.5, "Q5_K_S": 5.5, "Q5_K_M": 5.7, "Q5_K_L": 5.9, "Q6_K": 6.6,
    "Q6_K_L": 6.8, "Q8_0": 8.5, "F16": 16.0, "BF16": 16.0, "F32": 32.0,
}  # fmt: skip


def quant_from_name(file_name: str) -> str | None:
    """ "Q4_K_M" from "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf" (the last match wins)."""
    stem = _SPLIT.sub("", file_name.rsplit("/", 1)[-1])
    stem = re.sub(r"\.gguf$", "", stem, flags=re.IGNORECASE)
    found = [m.group(2) for m in _QUANT.finditer(stem)]
    return found[-1].upper() if found else None


def split_part(file_name: str) -> tuple[int, int] | None:
    """(1, 3) for "...-00001-of-00003.gguf": one shard of a model split into several files."""
    m = _SPLIT.search(file_name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def is_model_file(path: str) -> bool:
    """A .gguf that is a model on its own (vision projectors need a model beside them)."""
    name = path.rsplit("/", 1)[-1].lower()
    return name.endswith(".gguf") and not name.startswith("mmproj")


def check_repo_id(repo: str) -> str:
    if not _REPO.match(repo or "") or ".." in repo:
        raise NotFoundOnHub(
            f"“{repo}” is not a Hugging Face model name.",
            action="Model names look like owner/name, e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF.",
        )
    return repo


def check_file_path(path: str) -> str:
    parts = (path or "").split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise NotFoundOnHub(f"“{path}” is not a file name in a Hugging Face model.")
    return path


def normalize_etag(value: str | None) -> str | None:
    """The value inside `W/"..."` or `"..."`; the Hub quotes its ETags."""
    if not value:
        return None
    value = value.strip()
    if value[:2].lower() == "w/":
        value = value[2:].strip()
    return value.strip('"') or None


def sha256_or_none(value: Any) -> str | None:
    text = str(value).lower() if isinstance(value, str) else ""
    return text if _SHA256.match(text) else None


def is_commit(revision: str | None) -> bool:
    return bool(revision and _COMMIT.match(revision))


def _next_link(headers: httpx.Headers, current: str) -> str | None:
    link = headers.get("link")
    if not link:
        return None
    for part in link.split(","):
        m = re.match(r'\s*<([^>]+)>\s*;.*rel="?next"?', part)
        if m:
            return urljoin(current, m.group(1))
    return None


def int_field(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def gated_field(value: Any) -> bool:
    return bool(value) and value not in ("false", "False")
