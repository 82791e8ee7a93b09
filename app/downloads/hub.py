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
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from app.core.download_errors import HUB, DownloadFailed, HubUnavailable, NotFoundOnHub
from app.core.errors import HearthError
from app.downloads.hub_errors import hub_error, read_capped, same_origin, transport_error
from app.downloads.hub_names import (
    _next_link,
    check_file_path,
    check_repo_id,
    endpoint,
    int_field,
    is_commit,
    is_model_file,
    normalize_etag,
    quant_from_name,
    sha256_or_none,
    token,
)
from app.downloads.hub_records import (
    FileMeta,
    HubFile,
    HubRepo,
    check_agrees,
    file_from_sibling,
    repo_defaults,
    repo_from_json,
)
from app.providers.http_retry import RetryPolicy, backoff_delay
from app.providers.http_stream import LIST_TIMEOUT, make_client

log = logging.getLogger(__name__)

API_RETRY = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=4.0)
MAX_REDIRECTS = 5
MAX_TREE_PAGES = 50
REDIRECTS = (301, 302, 303, 307, 308)


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
                return transport_error(exc, self.endpoint)
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
        return [repo_from_json(item) for item in data if isinstance(item, dict) and "id" in item]

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
        base = repo_defaults(repo, commit, info)
        files = [
            file_from_sibling(base, s)
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
                size=int_field(lfs.get("size")) or int_field(entry.get("size")),
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
                raise transport_error(exc, self.endpoint) from None
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
            size=int_field(size),
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
        check_agrees(known, found)
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
