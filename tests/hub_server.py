"""A loopback Hugging Face Hub and CDN, byte for byte as the documented API answers, with faults.

Two raw asyncio HTTP/1.1 servers in a background thread (like tests/wire_servers.py): the Hub
(API JSON, resolve redirects, error headers) and a CDN on another port (so the redirect changes
origin, as huggingface.co → cdn-lfs.hf.co does). The Hub side follows the documented formats:

- GET /api/models?search=&filter=gguf&sort=downloads&limit= → [{_id, id, modelId, downloads,
  likes, private, gated, tags, pipeline_tag, library_name, createdAt}]
- GET /api/models/{repo}[/revision/{rev}][?blobs=true] → {id, sha, gated, cardData, gguf, tags,
  siblings: [{rfilename}] or, with blobs, [{rfilename, blobId, size, lfs: {sha256, size,
  pointerSize}}]}
- GET /api/models/{repo}/tree/{rev}?recursive=true → [{type, oid, size, path, lfs: {oid, size,
  pointerSize}}], `tree_page_size` entries a page with a `Link: <…>; rel="next"` header
- HEAD/GET /{repo}/resolve/{rev}/{file} → LFS: 302 to the CDN with X-Linked-Size,
  X-Linked-Etag ("sha256", quoted), X-Repo-Commit; small git files: 200 with a git-blob ETag
- errors: X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo),
  X-Error-Message and {"error": "..."}; 401 for a missing or gated repo without a token, 403
  for a gated repo whose terms the token's owner has not accepted

The CDN answers Range requests with 206 + Content-Range, 416 with `bytes */size`, and takes
scripted faults (one per GET, in order): cut part-way, ignore Range, corrupt bytes, any status,
a slow trickle, a Content-Range that does not continue where asked.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from tests.loopback import LoopbackServers

POINTER_SIZE = 134
_REASONS = {200: "OK", 206: "Partial Content", 302: "Found", 307: "Temporary Redirect",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 416: "Range Not Satisfiable",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable"}  # fmt: skip


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class HubFile:
    path: str
    size: int
    sha256: str
    data: bytes | None = None  # in memory, or...
    source: Path | None = None  # ...served from disk (the benchmark's big file)
    lfs: bool = True

    def read(self, start: int, end: int) -> bytes:
        if self.data is not None:
            return self.data[start:end]
        assert self.source is not None
        with self.source.open("rb") as f:
            f.seek(start)
            return f.read(end - start)


@dataclass
class Repo:
    id: str
    commit: str
    files: dict[str, HubFile]
    gated: bool = False
    license: str = "apache-2.0"
    downloads: int = 0
    gguf: dict[str, Any] | None = None
    authorized: set[str] = field(default_factory=set)  # tokens whose owners accepted the terms


@dataclass
class Fault:
    """What the CDN does instead of a clean answer, for one GET."""

    kind: str  # cut | ignore_range | corrupt | status | trickle | bad_content_range
    after: int = 0  # cut: bytes of body sent before the connection drops
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    chunk: int = 1024  # trickle: bytes per write
    pause: float = 0.01  # trickle: seconds between writes


@dataclass
class Seen:
    server: str  # "hub" or "cdn"
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class FakeHub(LoopbackServers):
    """Use as a context manager; `endpoint` is what HF_ENDPOINT should be."""

    thread_name = "fake-hub"

    def __init__(self, *, tree_page_size: int = 1000, blobs_supported: bool = True) -> None:
        super().__init__()
        self.repos: dict[str, Repo] = {}
        self.renamed: dict[str, str] = {}
        self.valid_tokens: set[str] = set()
        self.faults: list[Fault] = []  # CDN GETs
        self.api_faults: list[Fault] = []  # Hub API GETs (status only)
        self.seen: list[Seen] = []
        self.tree_page_size = tree_page_size
        self.blobs_supported = blobs_supported

    # -- setup ------------------------------------------------------------------------------------

    def add_repo(
        self,
        repo_id: str,
        files: dict[str, bytes | Path],
        *,
        gated: bool = False,
        license: str = "apache-2.0",
        downloads: int = 0,
        gguf: dict[str, Any] | None = None,
        readme: bool = True,
    ) -> Repo:
        entries = {name: self._file(name, content) for name, content in files.items()}
        if readme:
            entries["README.md"] = self._file("README.md", b"# model card\n", lfs=False)
            entries[".gitattributes"] = self._file(".gitattributes", b"*.gguf filter=lfs\n", False)
        commit = hashlib.sha1("".join([repo_id, *sorted(entries)]).encode()).hexdigest()
        repo = Repo(repo_id, commit, entries, gated, license, downloads, gguf)
        self.repos[repo_id] = repo
        return repo

    @staticmethod
    def _file(name: str, content: bytes | Path, lfs: bool = True) -> HubFile:
        if isinstance(content, Path):
            digest = hashlib.sha256()
            with content.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
            return HubFile(name, content.stat().st_size, digest.hexdigest(), source=content)
        return HubFile(name, len(content), hashlib.sha256(content).hexdigest(), content, lfs=lfs)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.hub_port}"

    def hub_requests(self, path_part: str = "") -> list[Seen]:
        return [s for s in self.seen if s.server == "hub" and path_part in s.path]

    def cdn_requests(self) -> list[Seen]:
        return [s for s in self.seen if s.server == "cdn"]

    # -- lifecycle --------------------------------------------------------------------------------

    def handlers(self) -> list:
        return [lambda r, w: self._serve(r, w, "hub"), lambda r, w: self._serve(r, w, "cdn")]

    @property
    def hub_port(self) -> int:
        return self.ports[0]

    @property
    def cdn_port(self) -> int:
        return self.ports[1]

    # -- HTTP -------------------------------------------------------------------------------------

    async def _serve(self, reader, writer, server: str) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                seen = _parse(head, server)
                self.seen.append(seen)
                handler = self._hub if server == "hub" else self._cdn
                if not await handler(seen, writer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _hub(self, req: Seen, writer) -> bool:
        if req.path.startswith("/api/") and self.api_faults:
            fault = self.api_faults.pop(0)
            return await _send(writer, fault.status, {"error": "scripted"}, fault.headers)
        status, body, headers = self._route(req)
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
            headers = {"content-type": "application/json; charset=utf-8", **headers}
        data = b"" if req.method == "HEAD" else body
        return await _send(writer, status, data, headers, length=len(body))

    def _route(self, req: Seen) -> tuple[int, Any, dict[str, str]]:
        parts = [unquote(p) for p in req.path.strip("/").split("/")]
        auth = req.headers.get("authorization", "")
        if auth and auth.removeprefix("Bearer ").strip() not in self.valid_tokens:
            message = "Invalid credentials in Authorization header"
            return 401, {"error": message}, {"x-error-message": message}
        if parts[:2] == ["api", "models"] and len(parts) == 2:
            return 200, self._search(req), {}
        if parts[:2] == ["api", "models"] and len(parts) >= 4:
            repo_id = "/".join(parts[2:4])
            repo, error = self._access(repo_id, req)
            if error:
                return error
            rest = parts[4:]
            if not rest:
                return self._info(repo, req, repo.commit)
            if rest[0] == "revision" and len(rest) >= 2:
                return self._info(repo, req, rest[1])
            if rest[0] == "tree" and len(rest) >= 2:
                return self._tree(repo, req, rest[1])
        if len(parts) >= 5 and parts[2] == "resolve":
            return self._resolve(req, "/".join(parts[:2]), parts[3], "/".join(parts[4:]))
        return 404, {"error": "Sorry, we can't find the page you are looking for."}, {}

    def _access(self, repo_id: str, req: Seen, *, files: bool = False):
        """(repo, None) or (None, error answer), as the Hub decides who sees what."""
        auth = req.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        if token is not None and token not in self.valid_tokens:
            message = "Invalid credentials in Authorization header"
            return None, (401, {"error": message}, {"x-error-message": message})
        repo = self.repos.get(repo_id)
        if repo is None:
            message = "Repository not found"
            status = 404 if token else 401
            return None, (status, {"error": message}, _error_headers("RepoNotFound", message))
        if files and repo.gated and token not in repo.authorized:
            if token is None:
                message = (
                    f"Access to model {repo_id} is restricted. You must have access to it and "
                    "be authenticated to access it. Please log in."
                )
                return None, (401, {"error": message}, _error_headers("GatedRepo", message))
            message = (
                f"Access to model {repo_id} is restricted and you are not in the authorized "
                f"list. Visit https://huggingface.co/{repo_id} to ask for access."
            )
            return None, (403, {"error": message}, _error_headers("GatedRepo", message))
        return repo, None

    def _revision_ok(self, repo: Repo, revision: str) -> bool:
        return revision in ("main", repo.commit)

    def _search(self, req: Seen) -> list[dict[str, Any]]:
        query = (req.query.get("search") or [""])[0].lower()
        wanted = (req.query.get("filter") or [""])[0]
        limit = int((req.query.get("limit") or ["1000"])[0])
        found = [
            r
            for r in self.repos.values()
            if query in r.id.lower() and (not wanted or wanted in _tags(r))
        ]
        found.sort(key=lambda r: -r.downloads)
        return [
            {
                "_id": hashlib.md5(r.id.encode()).hexdigest()[:24],
                "id": r.id,
                "likes": r.downloads // 100,
                "downloads": r.downloads,
                "private": False,
                "gated": "manual" if r.gated else False,
                "tags": _tags(r),
                "pipeline_tag": "text-generation",
                "library_name": "gguf",
                "createdAt": "2024-09-19T00:00:00.000Z",
                "modelId": r.id,
            }
            for r in found[:limit]
        ]

    def _info(self, repo: Repo, req: Seen, revision: str):
        if not self._revision_ok(repo, revision):
            message = f"Invalid rev id: {revision}"
            return 404, {"error": message}, _error_headers("RevisionNotFound", message)
        blobs = self.blobs_supported and (req.query.get("blobs") or [""])[0].lower() == "true"
        siblings = [_sibling(f, blobs) for f in sorted(repo.files.values(), key=lambda f: f.path)]
        return (
            200,
            {
                "_id": hashlib.md5(repo.id.encode()).hexdigest()[:24],
                "id": repo.id,
                "modelId": repo.id,
                "author": repo.id.split("/")[0],
                "sha": repo.commit,
                "lastModified": "2024-09-20T10:00:00.000Z",
                "private": False,
                "disabled": False,
                "gated": "manual" if repo.gated else False,
                "downloads": repo.downloads,
                "likes": repo.downloads // 100,
                "library_name": "gguf",
                "tags": _tags(repo),
                "pipeline_tag": "text-generation",
                "cardData": {"license": repo.license, "tags": ["chat"]},
                "gguf": repo.gguf
                or {"total": 1000, "architecture": "llama", "context_length": 2048},  # fmt: skip
                "siblings": siblings,
                "spaces": [],
                "createdAt": "2024-09-19T00:00:00.000Z",
                "usedStorage": sum(f.size for f in repo.files.values()),
            },
            {},
        )

    def _tree(self, repo: Repo, req: Seen, revision: str):
        if not self._revision_ok(repo, revision):
            message = f"Invalid rev id: {revision}"
            return 404, {"error": message}, _error_headers("RevisionNotFound", message)
        entries = _tree_entries(repo, recursive=(req.query.get("recursive") or [""])[0] == "true")
        start = int((req.query.get("cursor") or ["0"])[0])
        page = entries[start : start + self.tree_page_size]
        headers = {}
        if start + self.tree_page_size < len(entries):
            query = f"recursive=true&cursor={start + self.tree_page_size}"
            url = f"{self.endpoint}/api/models/{repo.id}/tree/{quote(revision, safe='')}?{query}"
            headers["link"] = f'<{url}>; rel="next"'
        return 200, page, headers

    def _resolve(self, req: Seen, repo_id: str, revision: str, path: str):
        if repo_id in self.renamed:  # a renamed repo redirects relatively, on the same host
            new = f"/{self.renamed[repo_id]}/resolve/{quote(revision, safe='')}/{quote(path)}"
            return 307, b"", {"location": new}
        repo, error = self._access(repo_id, req, files=True)
        if error:
            return error
        if not self._revision_ok(repo, revision):
            message = f"Invalid rev id: {revision}"
            return 404, {"error": message}, _error_headers("RevisionNotFound", message)
        file = repo.files.get(path)
        if file is None:
            message = "Entry not found"
            return 404, {"error": message}, _error_headers("EntryNotFound", message)
        common = {"x-repo-commit": repo.commit, "accept-ranges": "bytes"}
        if not file.lfs:
            blob = git_blob_id(file.read(0, file.size))
            return 200, file.read(0, file.size), {**common, "etag": f'"{blob}"'}
        location = f"http://127.0.0.1:{self.cdn_port}/blobs/{file.sha256}?expires=9999999999"
        headers = {
            **common,
            "location": location,
            "x-linked-size": str(file.size),
            "x-linked-etag": f'"{file.sha256}"',
            "etag": f'"{git_blob_id(file.sha256.encode())}"',
            "content-type": "text/plain; charset=utf-8",
        }
        return 302, f"Found. Redirecting to {location}".encode(), headers

    # -- the CDN ----------------------------------------------------------------------------------

    def _blob(self, sha256: str) -> HubFile | None:
        for repo in self.repos.values():
            for file in repo.files.values():
                if file.sha256 == sha256:
                    return file
        return None

    async def _cdn(self, req: Seen, writer) -> bool:
        parts = req.path.strip("/").split("/")
        file = self._blob(parts[1]) if len(parts) == 2 and parts[0] == "blobs" else None
        if file is None:
            return await _send(writer, 404, b"NoSuchKey", {"content-type": "application/xml"})
        fault = self.faults.pop(0) if self.faults and req.method == "GET" else None
        if fault is not None and fault.kind == "status":
            return await _send(writer, fault.status, b"scripted failure", fault.headers)
        start, end = 0, file.size
        wanted = req.headers.get("range")
        ignore = fault is not None and fault.kind == "ignore_range"
        headers = {"etag": f'"{file.sha256}"', "accept-ranges": "bytes",
                   "content-type": "application/octet-stream"}  # fmt: skip
        status = 200
        if wanted and not ignore:
            first, last = _parse_range(wanted, file.size)
            if first >= file.size:
                headers["content-range"] = f"bytes */{file.size}"
                return await _send(writer, 416, b"", headers)
            start, end, status = first, last + 1, 206
            shown = start + 7 if fault is not None and fault.kind == "bad_content_range" else start
            headers["content-range"] = f"bytes {shown}-{end - 1}/{file.size}"
        headers["content-length"] = str(end - start)
        await _write_head(writer, status, headers)
        if req.method == "HEAD":
            return True
        return await self._body(writer, file, start, end, fault)

    async def _body(self, writer, file: HubFile, start: int, end: int, fault: Fault | None):
        if fault is not None and fault.kind == "cut":
            writer.write(file.read(start, min(end, start + fault.after)))
            await writer.drain()
            writer.transport.abort()
            return False
        if fault is not None and fault.kind == "corrupt":
            data = bytearray(file.read(start, end))
            data[len(data) // 2] ^= 0xFF
            writer.write(bytes(data))
            await writer.drain()
            return True
        if fault is not None and fault.kind == "trickle":
            for at in range(start, end, fault.chunk):
                writer.write(file.read(at, min(end, at + fault.chunk)))
                await writer.drain()
                await asyncio.sleep(fault.pause)
            return True
        if file.source is not None:
            with file.source.open("rb") as f:
                await asyncio.get_running_loop().sendfile(writer.transport, f, start, end - start)
            return True
        step = 1 << 20
        for at in range(start, end, step):
            writer.write(file.read(at, min(end, at + step)))
            await writer.drain()
        return True


# -- small helpers ---------------------------------------------------------------------------------


def _parse(head: bytes, server: str) -> Seen:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    url = urlsplit(target)
    return Seen(server, method, url.path, parse_qs(url.query), headers)


def _parse_range(value: str, size: int) -> tuple[int, int]:
    spec = value.strip().removeprefix("bytes=")
    first, _, last = spec.partition("-")
    start = int(first) if first else max(0, size - int(last))
    end = min(size - 1, int(last)) if first and last else size - 1
    return start, end


def _error_headers(code: str, message: str) -> dict[str, str]:
    return {"x-error-code": code, "x-error-message": message}


def _tags(repo: Repo) -> list[str]:
    return ["gguf", "text-generation", f"license:{repo.license}", "conversational"]


def _sibling(file: HubFile, blobs: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"rfilename": file.path}
    if blobs:
        entry["blobId"] = git_blob_id(file.sha256.encode())
        entry["size"] = file.size
        if file.lfs:
            entry["lfs"] = {"sha256": file.sha256, "size": file.size, "pointerSize": POINTER_SIZE}
    return entry


def _tree_entries(repo: Repo, *, recursive: bool) -> list[dict[str, Any]]:
    entries, folders = [], set()
    for file in sorted(repo.files.values(), key=lambda f: f.path):
        if "/" in file.path:
            folders.add(file.path.split("/")[0])
            if not recursive:
                continue
        entry = {"type": "file", "oid": git_blob_id(file.sha256.encode()), "size": file.size,
                 "path": file.path}  # fmt: skip
        if file.lfs:
            entry["lfs"] = {"oid": file.sha256, "size": file.size, "pointerSize": POINTER_SIZE}
        entries.append(entry)
    entries += [{"type": "directory", "oid": "0" * 40, "size": 0, "path": d} for d in folders]
    return entries


async def _write_head(writer, status: int, headers: dict[str, str]) -> None:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()


async def _send(writer, status: int, body: Any, headers: dict[str, str], length=None) -> bool:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
        headers = {"content-type": "application/json; charset=utf-8", **headers}
    head = {**headers, "content-length": str(length if length is not None else len(body))}
    await _write_head(writer, status, head)
    writer.write(body)
    await writer.drain()
    return True


def main(argv: list[str]) -> int:
    """`python -m tests.hub_server FILE`: serve one file as repo bench/bench-GGUF until stdin
    closes; prints the endpoint (the benchmark runs the server in its own process)."""
    path = Path(argv[0])
    with FakeHub() as hub:
        hub.add_repo("bench/bench-GGUF", {path.name: path}, readme=False)
        file = hub.repos["bench/bench-GGUF"].files[path.name]
        print(json.dumps({"endpoint": hub.endpoint, "cdn": f"http://127.0.0.1:{hub.cdn_port}",
                          "sha256": file.sha256, "size": file.size}), flush=True)  # fmt: skip
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
