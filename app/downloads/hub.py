"""A small client for the Hugging Face Hub HTTP API: search, list GGUF files, file metadata.

Follows the Hub's documented formats:
- `GET /api/models?search=&filter=gguf&sort=downloads&limit=` lists repos (`id`, `downloads`,
  `likes`, `gated`, `tags`).
- `GET /api/models/{repo}[/revision/{rev}]?blobs=true` gives `sha` (the commit) and
  `siblings[{rfilename, size, blobId, lfs: {sha256, size, pointerSize}}]`, plus a `gguf` summary.
- `GET /api/models/{repo}/tree/{rev}?recursive=true` gives `[{type, oid, size, path,
  lfs: {oid, size, pointerSize}}]`, paginated with a `Link: <...>; rel="next"` header.
- `/{repo}/resolve/{rev}/{file}` answers 302 to a CDN, with `X-Repo-Commit`, `X-Linked-Size` and
  `X-Linked-Etag` (the quoted sha256 of an LFS file) on the redirect itself.
- Errors carry `X-Error-Code` (GatedRepo, RepoNotFound, EntryNotFound, RevisionNotFound) and
  `X-Error-Message`; a 401 without a code on a repo URL means "not found or private".

HF_ENDPOINT (a mirror) and HF_TOKEN (gated and private repos) are read from the environment.
The token goes only to the endpoint's own origin: a redirect to the CDN drops it, as
huggingface_hub and requests do. Every request passes the offline-mode guard first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from app.core.download_errors import (
    HUB,
    DownloadError,
    DownloadFailed,
    DownloadInterrupted,
    GatedModel,
    HubRefused,
    HubUnavailable,
    HubUnreachable,
    InvalidHubToken,
    NotFoundOnHub,
    UnexpectedFile,
)
from app.core.errors import HearthError
from app.providers.http_errors import _is_tls_failure, error_for_transport, parse_retry_after
from app.providers.http_retry import RetryPolicy, backoff_delay
from app.providers.http_stream import LIST_TIMEOUT, make_client

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
API_RETRY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=4.0)
MAX_REDIRECTS = 5
MAX_TREE_PAGES = 50
MAX_ERROR_BODY = 16 * 1024
REDIRECTS = (301, 302, 303, 307, 308)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def token() -> str | None:
    return (os.environ.get("HF_TOKEN") or "").strip() or None


# -- names ----------------------------------------------------------------------------------------

# Quantization names as llama.cpp and the people who publish GGUF files write them.
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


# -- what the Hub tells ---------------------------------------------------------------------------


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


# -- errors ---------------------------------------------------------------------------------------


def _server_message(headers: httpx.Headers, body: bytes) -> str:
    message = headers.get("x-error-message") or ""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        message = message or data["error"]
    return message.strip()


def hub_error(
    status: int,
    headers: httpx.Headers,
    body: bytes,
    *,
    repo: str,
    file: str | None = None,
    revision: str | None = None,
    has_token: bool = False,
    from_hub: bool = True,
) -> DownloadError:
    """The typed error for an error answer from the Hub (or, from_hub=False, from its CDN)."""
    code = headers.get("x-error-code") or ""
    message = _server_message(headers, body)
    retry_after = parse_retry_after(headers)
    page = f"{endpoint()}/{repo}"
    if code == "GatedRepo":
        return GatedModel(repo, page=page, has_token=has_token)
    if message == "Access to this resource is disabled.":
        return NotFoundOnHub(f"“{repo}” has been disabled on {HUB}.", detail=message)
    if status == 401 and "invalid credentials" in message.lower():
        return InvalidHubToken(detail=message)
    if code == "RevisionNotFound":
        return NotFoundOnHub(f"“{repo}” has no version “{revision}”.", detail=message)
    if code == "EntryNotFound" or (status == 404 and file and code != "RepoNotFound"):
        return NotFoundOnHub(f"There is no file “{file}” in “{repo}”.", detail=message)
    if code == "RepoNotFound" or (from_hub and status in (401, 404)):
        # The Hub answers 401 for a missing repo and a private one alike.
        action = (
            "Check the name; HF_TOKEN may not be allowed to read it."
            if has_token
            else "Check the name; a private model also needs an access token in HF_TOKEN."
        )
        return NotFoundOnHub(f"There is no model “{repo}” on {HUB}.", action=action, detail=message)
    if status == 429 or status >= 500:
        return HubUnavailable(detail=f"HTTP {status} {message}".strip(), retry_after=retry_after)
    if not from_hub and status in (401, 403, 404, 410):
        # A CDN link that expired (a long pause): a fresh one comes from the Hub on the next try.
        return DownloadInterrupted(detail=f"CDN answered HTTP {status}")
    if status == 403:
        return HubRefused(detail=message)
    return DownloadFailed(f"{HUB} answered with an error (HTTP {status}).", detail=message)


async def read_capped(response: httpx.Response, limit: int = MAX_ERROR_BODY) -> bytes:
    chunks, size = [], 0
    try:
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    except httpx.TransportError:
        pass
    return b"".join(chunks)[:limit]


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


# -- the client -----------------------------------------------------------------------------------


class HubClient:
    """Talks to HF_ENDPOINT. Cheap to make; each call opens and closes its own connection."""

    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        hf_token: str | None = None,
        retry_policy: RetryPolicy = API_RETRY,
    ) -> None:
        self.endpoint = (endpoint_url or endpoint()).rstrip("/")
        self._token = hf_token if hf_token is not None else token()
        self.retry_policy = retry_policy

    def __repr__(self) -> str:  # never show the token
        return f"HubClient({self.endpoint})"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    def client(self, timeout: httpx.Timeout | None = None) -> httpx.AsyncClient:
        return make_client(self.endpoint, provider=HUB, timeout=timeout)

    def headers_for(self, url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        """Authorization only for the Hub's own origin, never for the CDN it redirects to."""
        headers = dict(extra or {})
        if self._token and same_origin(url, self.endpoint):
            headers["authorization"] = f"Bearer {self._token}"
        return headers

    def resolve_url(self, repo: str, file: str, revision: str = "main") -> str:
        check_repo_id(repo)
        check_file_path(file)
        return f"{self.endpoint}/{repo}/resolve/{quote(revision, safe='')}/{quote(file)}"

    def page_url(self, repo: str) -> str:
        return f"{self.endpoint}/{repo}"

    async def send(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        follow_other_hosts: bool = True,
    ) -> httpx.Response:
        """Send, following redirects by hand so the token never leaves the Hub's origin.

        Returns the open response (the caller closes it): the final one, or the redirect itself
        when it points to another host and follow_other_hosts is False (the metadata HEAD).
        """
        for _ in range(MAX_REDIRECTS + 1):
            request = client.build_request(
                method, url, headers=self.headers_for(url, headers), params=params
            )
            response = await client.send(request, stream=True)
            location = response.headers.get("location")
            if response.status_code not in REDIRECTS or not location:
                return response
            target = urljoin(str(response.request.url), location)
            if not follow_other_hosts and not same_origin(target, url):
                return response
            await response.aclose()
            url, params = target, None
            if response.status_code == 303:
                method = "GET"
        raise DownloadFailed(f"{HUB} sent the download round in circles (too many redirects).")

    async def get_json(
        self, url: str, *, repo: str = "", params: dict[str, str] | None = None
    ) -> tuple[Any, httpx.Headers]:
        """GET a JSON document with a few quick retries on 429/5xx and dropped connections."""
        policy = self.retry_policy
        for attempt in range(1, policy.max_attempts + 1):
            outcome = await self._try_get_json(url, repo=repo, params=params)
            if not isinstance(outcome, HearthError):
                return outcome
            error = outcome
            retryable = getattr(error, "retryable", False)
            if not retryable or attempt == policy.max_attempts:
                raise error
            delay = getattr(error, "retry_after", None) or backoff_delay(attempt, policy)
            await asyncio.sleep(min(delay, policy.max_retry_after))
        raise AssertionError("unreachable")

    async def _try_get_json(
        self, url: str, *, repo: str, params: dict[str, str] | None
    ) -> tuple[Any, httpx.Headers] | HearthError:
        async with self.client(LIST_TIMEOUT) as client:
            try:
                response = await self.send(client, "GET", url, params=params)
                try:
                    if response.status_code != 200:
                        body = await read_capped(response)
                        return hub_error(
                            response.status_code,
                            response.headers,
                            body,
                            repo=repo,
                            has_token=self.has_token,
                        )
                    body = await response.aread()
                finally:
                    await response.aclose()
            except httpx.TransportError as exc:
                return _transport_error(exc, self.endpoint)
        try:
            return json.loads(body), response.headers
        except ValueError:
            raise HubUnavailable(f"{HUB} sent an answer Hearth could not read.") from None

    # -- the API ----------------------------------------------------------------------------------

    async def search(self, query: str, *, limit: int = 20) -> list[HubRepo]:
        """Repos with GGUF files matching the query, most downloaded first."""
        params = {"search": query.strip(), "filter": "gguf", "sort": "downloads"}
        params["limit"] = str(max(1, min(limit, 100)))
        data, _ = await self.get_json(f"{self.endpoint}/api/models", params=params)
        if not isinstance(data, list):
            raise HubUnavailable(f"{HUB} sent a search result Hearth could not read.")
        return [_repo_from_json(item) for item in data if isinstance(item, dict) and "id" in item]

    async def model_info(self, repo: str, *, revision: str | None = None) -> dict[str, Any]:
        check_repo_id(repo)
        url = f"{self.endpoint}/api/models/{repo}"
        if revision and revision != "main":
            url += f"/revision/{quote(revision, safe='')}"
        data, _ = await self.get_json(url, repo=repo, params={"blobs": "true"})
        if not isinstance(data, dict):
            raise HubUnavailable(f"{HUB} sent model details Hearth could not read.")
        return data

    async def tree(self, repo: str, *, revision: str = "main") -> list[dict[str, Any]]:
        """Every file entry of the repo (recursive), following the `Link: rel="next"` pages."""
        check_repo_id(repo)
        url: str | None = f"{self.endpoint}/api/models/{repo}/tree/{quote(revision, safe='')}"
        params: dict[str, str] | None = {"recursive": "true"}
        entries: list[dict[str, Any]] = []
        for _ in range(MAX_TREE_PAGES):
            if url is None:
                break
            data, headers = await self.get_json(url, repo=repo, params=params)
            entries += [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []
            url, params = _next_link(headers, url), None
        return entries

    async def list_gguf_files(self, repo: str, *, revision: str = "main") -> list[HubFile]:
        """The repo's .gguf model files with size, sha256 and quantization, by size."""
        info = await self.model_info(repo, revision=revision)
        commit = info.get("sha") if is_commit(info.get("sha")) else revision
        base = _repo_defaults(repo, commit, info)
        files = [
            _file_from_sibling(base, s)
            for s in info.get("siblings") or []
            if isinstance(s, dict) and is_model_file(str(s.get("rfilename", "")))
        ]
        if any(f.size is None or f.sha256 is None for f in files) or not info.get("siblings"):
            files = await self._files_from_tree(base, commit, files)
        return sorted(files, key=lambda f: (f.size or 0, f.path))

    async def _files_from_tree(
        self, base: HubFile, revision: str, known: list[HubFile]
    ) -> list[HubFile]:
        """Sizes and sha256 from the tree listing, for mirrors that ignore ?blobs=true."""
        by_path = {f.path: f for f in known}
        for entry in await self.tree(base.repo, revision=revision):
            path = str(entry.get("path", ""))
            if entry.get("type", "file") != "file" or not is_model_file(path):
                continue
            lfs = entry.get("lfs") if isinstance(entry.get("lfs"), dict) else {}
            found = replace(
                by_path.get(path) or replace(base, path=path, quant=quant_from_name(path)),
                size=_int(lfs.get("size")) or _int(entry.get("size")),
                sha256=sha256_or_none(lfs.get("oid") or lfs.get("sha256")),
            )
            by_path[path] = found
        return list(by_path.values())

    async def file_metadata(self, repo: str, file: str, *, revision: str = "main") -> FileMeta:
        """HEAD on the resolve URL: commit, sha256 (X-Linked-Etag) and size (X-Linked-Size)."""
        url = self.resolve_url(repo, file, revision)
        async with self.client(LIST_TIMEOUT) as client:
            try:
                response = await self.send(
                    client,
                    "HEAD",
                    url,
                    headers={"accept-encoding": "identity"},
                    follow_other_hosts=False,
                )
            except httpx.TransportError as exc:
                raise _transport_error(exc, self.endpoint) from None
            await response.aclose()
        headers = response.headers
        if response.status_code >= 400:
            raise hub_error(
                response.status_code,
                headers,
                b"",
                repo=repo,
                file=file,
                revision=revision,
                has_token=self.has_token,
            )
        redirected = response.status_code in REDIRECTS
        # A redirect's own Content-Length is the size of its little body, not of the file.
        own_length = None if redirected else headers.get("content-length")
        size = headers.get("x-linked-size") or own_length
        return FileMeta(
            commit=headers.get("x-repo-commit"),
            etag=normalize_etag(headers.get("x-linked-etag") or headers.get("etag")),
            size=_int(size),
            location=headers.get("location") or str(response.url),
        )

    async def describe_file(
        self,
        repo: str,
        file: str,
        *,
        revision: str = "main",
        sha256: str | None = None,
        size: int | None = None,
    ) -> HubFile:
        """Fill in the commit, sha256 and size a download needs from the API, then the headers.

        A sha256 or size given by the caller (the catalog) must agree with the Hub: a file that
        changed upstream is refused before a byte is downloaded.
        """
        check_repo_id(repo)
        check_file_path(file)
        known = HubFile(repo, file, revision, size=size, sha256=sha256_or_none(sha256))
        if known.sha256 and known.size:
            return replace(known, quant=quant_from_name(file))
        found = await self._from_api(repo, file, revision)
        if found is None or found.sha256 is None or found.size is None:
            meta = await self.file_metadata(repo, file, revision=revision)
            found = replace(
                found or replace(known, quant=quant_from_name(file)),
                revision=meta.commit if is_commit(meta.commit) else (found or known).revision,
                sha256=(found.sha256 if found else None) or meta.sha256,
                size=(found.size if found else None) or meta.size,
            )
        _check_agrees(known, found)
        return replace(found, sha256=known.sha256 or found.sha256, size=known.size or found.size)

    async def _from_api(self, repo: str, file: str, revision: str) -> HubFile | None:
        try:
            files = await self.list_gguf_files(repo, revision=revision)
        except (NotFoundOnHub, HubUnavailable):
            # A mirror without the API still serves files: the resolve headers decide.
            log.info("No file list for %s; using the resolve headers", repo)
            return None
        # A file the list does not show is left to the resolve endpoint, which says 404 itself.
        return next((f for f in files if f.path == file), None)


def _check_agrees(known: HubFile, found: HubFile) -> None:
    if known.sha256 and found.sha256 and known.sha256 != found.sha256:
        raise UnexpectedFile(detail=f"sha256 {found.sha256} != {known.sha256}")
    if known.size and found.size and known.size != found.size:
        raise UnexpectedFile(detail=f"size {found.size} != {known.size}")


def _transport_error(exc: httpx.TransportError, base_url: str) -> HearthError:
    unreachable = connect_failure(exc, base_url)
    if unreachable is not None:
        return unreachable  # offline stays offline: no point retrying a search
    error = error_for_transport(exc, provider=HUB, base_url=base_url)
    return DownloadInterrupted(error.message, detail=type(exc).__name__)


def connect_failure(exc: httpx.TransportError, base_url: str) -> HearthError | None:
    """The error for a connection that never opened (None for a failure after it opened).

    Not error_for_transport's "nothing is answering for … (check Settings → Providers)": the
    Hub's address is HF_ENDPOINT, which no Settings page holds, so the message names it.
    """
    if not isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
        return None
    detail = f"{type(exc).__name__}: {exc}"
    if _is_tls_failure(exc):
        return error_for_transport(exc, provider=HUB, base_url=base_url)
    custom = base_url.rstrip("/") != DEFAULT_ENDPOINT
    return HubUnreachable(base_url.rstrip("/") if custom else None, detail=detail)


def _next_link(headers: httpx.Headers, current: str) -> str | None:
    link = headers.get("link")
    if not link:
        return None
    for part in link.split(","):
        m = re.match(r'\s*<([^>]+)>\s*;.*rel="?next"?', part)
        if m:
            return urljoin(current, m.group(1))
    return None


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _gated(value: Any) -> bool:
    return bool(value) and value not in ("false", "False")


def _repo_from_json(item: dict[str, Any]) -> HubRepo:
    return HubRepo(
        id=str(item["id"]),
        downloads=_int(item.get("downloads")) or 0,
        likes=_int(item.get("likes")) or 0,
        gated=_gated(item.get("gated")),
        tags=tuple(str(t) for t in item.get("tags") or ()),
        last_modified=item.get("lastModified") or item.get("createdAt"),
    )


def _repo_defaults(repo: str, revision: str, info: dict[str, Any]) -> HubFile:
    gguf = info.get("gguf") if isinstance(info.get("gguf"), dict) else {}
    return HubFile(
        repo=repo,
        path="",
        revision=revision,
        parameters=_int(gguf.get("total")),
        context_length=_int(gguf.get("context_length")),
        architecture=arch if isinstance(arch := gguf.get("architecture"), str) else None,
        gated=_gated(info.get("gated")),
    )


def _file_from_sibling(base: HubFile, sibling: dict[str, Any]) -> HubFile:
    path = str(sibling["rfilename"])
    lfs = sibling.get("lfs") if isinstance(sibling.get("lfs"), dict) else {}
    return replace(
        base,
        path=path,
        size=_int(lfs.get("size")) or _int(sibling.get("size")),
        sha256=sha256_or_none(lfs.get("sha256") or lfs.get("oid")),
        quant=quant_from_name(path),
    )
