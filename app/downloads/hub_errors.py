"""The Hub's and its CDN's error answers and failed connections, as typed download errors."""

import json
from urllib.parse import urlsplit

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
)
from app.core.errors import HearthError
from app.downloads.hub_names import DEFAULT_ENDPOINT, endpoint
from app.providers.http_errors import _is_tls_failure, error_for_transport, parse_retry_after

MAX_ERROR_BODY = 16 * 1024


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


def transport_error(exc: httpx.TransportError, base_url: str) -> HearthError:
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
