"""What the Hub tells about a repo and its .gguf files, and how its JSON answers are read."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from app.core.download_errors import UnexpectedFile
from app.downloads.hub_names import (
    gated_field,
    int_field,
    quant_from_name,
    sha256_or_none,
    split_part,
)


@dataclass(frozen=True, slots=True)
class HubRepo:
    id: str
    downloads: int = 0
    likes: int = 0
    gated: bool = False
    tags: tuple[str, ...] = ()
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class HubFile:
    """One .gguf file in a repo, with what the API said about it (size/sha256 may be None)."""

    repo: str
    path: str
    revision: str  # the commit when the API gave one, so a later resume gets the same bytes
    size: int | None = None
    sha256: str | None = None
    quant: str | None = None
    parameters: int | None = None
    context_length: int | None = None
    architecture: str | None = None
    gated: bool = False
    kv_bytes_per_token: int | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def short_name(self) -> str:
        """The name Hearth lists the model under once installed (file name without .gguf)."""
        return re.sub(r"\.gguf$", "", self.name, flags=re.IGNORECASE)

    @property
    def size_bytes(self) -> int | None:
        return self.size

    @property
    def split(self) -> tuple[int, int] | None:
        return split_part(self.path)


@dataclass(frozen=True, slots=True)
class FileMeta:
    """From the resolve endpoint's headers (HEAD, without following the CDN redirect)."""

    commit: str | None
    etag: str | None
    size: int | None
    location: str | None

    @property
    def sha256(self) -> str | None:
        # An LFS file's X-Linked-Etag is its sha256; a small git file's ETag is a git blob id.
        return sha256_or_none(self.etag)


def check_agrees(known: HubFile, found: HubFile) -> None:
    if known.sha256 and found.sha256 and known.sha256 != found.sha256:
        raise UnexpectedFile(detail=f"sha256 {found.sha256} != {known.sha256}")
    if known.size and found.size and known.size != found.size:
        raise UnexpectedFile(detail=f"size {found.size} != {known.size}")


def repo_from_json(item: dict[str, Any]) -> HubRepo:
    return HubRepo(
        id=str(item["id"]),
        downloads=int_field(item.get("downloads")) or 0,
        likes=int_field(item.get("likes")) or 0,
        gated=gated_field(item.get("gated")),
        tags=tuple(str(t) for t in item.get("tags") or ()),
        last_modified=item.get("lastModified") or item.get("createdAt"),
    )


def repo_defaults(repo: str, revision: str, info: dict[str, Any]) -> HubFile:
    gguf = info.get("gguf") if isinstance(info.get("gguf"), dict) else {}
    return HubFile(
        repo=repo,
        path="",
        revision=revision,
        parameters=int_field(gguf.get("total")),
        context_length=int_field(gguf.get("context_length")),
        architecture=arch if isinstance(arch := gguf.get("architecture"), str) else None,
        gated=gated_field(info.get("gated")),
    )


def file_from_sibling(base: HubFile, sibling: dict[str, Any]) -> HubFile:
    path = str(sibling["rfilename"])
    lfs = sibling.get("lfs") if isinstance(sibling.get("lfs"), dict) else {}
    return replace(
        base,
        path=path,
        size=int_field(lfs.get("size")) or int_field(sibling.get("size")),
        sha256=sha256_or_none(lfs.get("sha256") or lfs.get("oid")),
        quant=quant_from_name(path),
    )
