"""`hearth --self-test`: does this installation work? One line per check, no Qt, no user data.

Run in a throwaway data folder, so it can be run on a user's machine (or in CI, on the frozen
bundle) without touching their conversations. Exit status 0 only when every check passed.
"""

from __future__ import annotations

import json
import platform
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app import secrets
from app.paths import db_path, resource_path
from app.version import UNKNOWN, app_version

# What the app loads through resource_path(); build.spec ships the whole resources/ folder.
SHIPPED_RESOURCES = (
    ("ui", "hearth.qss"),
    ("ui", "hearth.svg"),
    ("catalog.json",),
    ("prices.json",),
)
NO_KEYCHAIN = "none: keys for this session only"
# keyring finds its backends through entry points at run time; these modules are what the
# platform's own keychain needs, so a bundle that lost them fails here rather than quietly
# storing nothing.
KEYCHAIN_MODULES = {
    "darwin": ("keyring.backends.macOS",),
    "win32": ("keyring.backends.Windows", "win32ctypes.pywin32.win32cred"),
    "linux": ("keyring.backends.SecretService", "secretstorage"),
}
# llama_print_system_info() lists each compiled-in backend as "NAME : features |".
_GPU_BACKENDS = re.compile(r"\b(CUDA|Metal|MTL|Vulkan|ROCm|HIP|SYCL)\s*:")


class CheckFailed(Exception):
    """A check's plain-words reason for failing."""


def check_version() -> str:
    version = app_version()
    if version == UNKNOWN:
        raise CheckFailed("the package metadata is missing, so the version is unknown")
    frozen = " (installed app)" if getattr(sys, "frozen", False) else ""
    return f"Hearth {version}{frozen} on {sys.platform} {platform.machine()}"


def check_database() -> str:
    from app.store.migrations import MIGRATIONS, pending
    from app.store.store import Store

    with tempfile.TemporaryDirectory(prefix="hearth-selftest-") as folder:
        store = Store(db_path(Path(folder)))
        try:
            left = pending(store.db)
            store.create_conversation("self-test")
            count = len(store.conversations())
        finally:
            store.close()
    if left or count != 1:
        raise CheckFailed(f"{len(left)} migrations left unapplied")
    return f"database opens and migrates ({len(MIGRATIONS)} migrations)"


def llama_backend(system_info: str, gpu_offload: bool) -> str:
    """'CPU', or the GPU backend compiled in, saying so when no GPU was found to use it."""
    found = _GPU_BACKENDS.search(system_info)
    if found is None:
        return "CPU"
    name = "Metal" if found.group(1) == "MTL" else found.group(1)
    return name if gpu_offload else f"{name} build, no GPU found: runs on the CPU"


def check_llama() -> str:
    from app.providers.llama_glue import llama_cpp_module

    llama_cpp = llama_cpp_module()  # loads the native library and its backends: the point

    info = llama_cpp.llama_print_system_info().decode("utf-8", errors="replace")
    backend = llama_backend(info, bool(llama_cpp.llama_supports_gpu_offload()))
    if sys.platform == "darwin" and platform.machine() == "arm64" and "Metal" not in backend:
        raise CheckFailed("this Apple silicon build of llama.cpp has no Metal support")
    return f"llama.cpp {llama_cpp.__version__} loads, backend: {backend}"


def check_quantized_generation() -> str:
    """The probe's child process (this same program) and a quantized generation in-process.

    Loading a model alone never runs llama.cpp's quantized matrix kernels; generating does, and
    that is where a processor that advertises what it cannot do (AMX in a VM) kills the app.
    """
    from app.providers import llama_glue, llama_probe
    from app.providers.llama_probe_model import LAYER_TYPES, write_probe_model

    with tempfile.TemporaryDirectory(prefix="hearth-selftest-") as folder:
        entry = llama_probe.probe(Path(folder))  # fresh folder: the child always runs
        chosen = entry["config"]
        if chosen is None:
            raise CheckFailed(f"every llama.cpp configuration crashed here: {entry['tried']}")
        config = llama_probe.CpuConfig(**chosen)
        if config.cpu_backend and not llama_glue.use_cpu_backend(config.cpu_backend):
            # llama.cpp is loaded already (the check above) with its own backend choice, which
            # crashed in the child: the child's generation with this backend is the proof.
            return f"quantized generation in a child process: {config.describe()}"
        llama = llama_glue.llama_class()(
            str(write_probe_model(Path(folder) / "probe.gguf")),
            on_progress=lambda _fraction: True,
            use_extra_bufts=config.use_extra_bufts,
            n_ctx=128,
            verbose=False,
        )
        try:
            out = llama.create_completion("ab ac ad", max_tokens=4, temperature=0.0)
        finally:
            llama.close()
    tokens = out["usage"]["completion_tokens"]
    if tokens < 1:
        raise CheckFailed("the quantized test model generated nothing")
    avoided = [f"{name}: {what}" for name, what in entry["tried"].items() if what != "ok"]
    note = f" (avoided {'; '.join(avoided)})" if avoided else ""
    types = ", ".join(LAYER_TYPES)
    return f"quantized generation ({types}): {tokens} tokens, {config.describe()}{note}"


def check_keychain() -> str:
    import importlib

    for module in KEYCHAIN_MODULES.get(sys.platform, ()):
        try:
            importlib.import_module(module)
        except ImportError as err:
            raise CheckFailed(f"keychain support is missing ({module}: {err})") from None
    name = secrets.keychain_name() if secrets.keychain_available() else NO_KEYCHAIN
    return f"keychain: {name}"


def check_resources() -> str:
    for parts in SHIPPED_RESOURCES:
        path = resource_path(*parts)
        if not path.is_file() or path.stat().st_size == 0:
            raise CheckFailed(f"{path} is missing or empty")
        if path.suffix == ".json":
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except ValueError as err:
                raise CheckFailed(f"{path} is not valid JSON ({err})") from None
    return f"resources present ({len(SHIPPED_RESOURCES)} files in {resource_path()})"


def check_document_readers() -> str:
    """A PDF and a Word file made on the fly, read back: pypdf, python-docx (and its lxml) and
    BeautifulSoup load in this installation, with the data files they need."""
    from app.documents.html_text import html_sections
    from app.documents.readers import open_document
    from app.documents.samples import sample_docx, sample_pdf

    with tempfile.TemporaryDirectory(prefix="hearth-selftest-") as folder:
        pdf = Path(folder) / "check.pdf"
        pdf.write_bytes(sample_pdf(["Hearth reads PDF files."]))
        docx = sample_docx(Path(folder) / "check.docx", [("h1", "Check"), ("p", "Word too.")])
        texts = []
        for path in (pdf, docx):
            document = open_document(path)
            try:
                texts.append(" ".join(s.text for s in document.sections()))
            finally:
                document.close()
    texts.append(html_sections(b"<p>And HTML.</p>")[0].text)
    if "PDF files" not in texts[0] or "Word too" not in texts[1] or "HTML" not in texts[2]:
        raise CheckFailed(f"the sample documents read back wrong: {texts!r}")
    return "document readers load (PDF, Word, HTML)"


def check_document_search() -> str:
    """Passages embedded by llama.cpp (a tiny model made on the fly, mean pooling) and found
    again through the vectors table and numpy: the search by meaning works in this install."""
    import asyncio

    from app.providers.llama_embed import LlamaEmbedder
    from app.providers.llama_probe_model import write_probe_model
    from app.store import doc_vectors
    from app.store.store import Store

    texts = ["ab ac ad", "ba bc bd", "ca cb cd"]
    with tempfile.TemporaryDirectory(prefix="hearth-selftest-") as folder:
        model = write_probe_model(Path(folder) / "embed.gguf", pooling=True)
        embedder = LlamaEmbedder(model, config_dir=Path(folder))

        async def embed():
            try:
                return await embedder.embed_documents(texts), await embedder.embed_query(texts[1])
            finally:
                await embedder.close()

        vectors, query = asyncio.run(embed())
        store = Store(Path(folder) / "check.db")
        try:
            with store.db.conn:
                store.db.execute("INSERT INTO doc_collections VALUES (1, 'Check', 1, '')")
                store.db.execute(
                    "INSERT INTO doc_files (id, collection_id, path, state) "
                    "VALUES (1, 1, 'check.txt', 'ready')"
                )
                for i, text in enumerate(texts, start=1):
                    store.db.execute(
                        "INSERT INTO doc_chunks VALUES (?, 1, ?, NULL, NULL, 0, ?, ?)",
                        [i, i, len(text), text],
                    )
            rows = list(zip([1, 2, 3], vectors, strict=True))
            doc_vectors.save_vectors(store, embedder.key, rows)
            found = doc_vectors.vector_search(store, embedder.key, query, limit=3)
        finally:
            store.close()
    if len(found) != 3:
        raise CheckFailed(f"the embedded passages were not found again: {found!r}")
    return f"document search by meaning ({embedder.dim}-wide vectors, numpy)"


def check_images() -> str:
    """Pillow and its JPEG codec are in the bundle: a small photo made here, with an EXIF
    orientation and a GPS location, comes out upright and without them."""
    import io

    from PIL import Image

    from app.core.images import OPENAI_LIMIT
    from app.images.prepare import prepare_image

    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    exif.get_ifd(0x8825)[1] = "N"  # a GPS latitude reference is enough to count as a location
    photo = io.BytesIO()
    Image.new("RGB", (64, 32), (200, 30, 30)).save(photo, "JPEG", exif=exif.tobytes())
    ready = prepare_image(photo.getvalue(), OPENAI_LIMIT)
    with Image.open(io.BytesIO(ready.data)) as sent:
        left = dict(sent.getexif())
        size = sent.size
    if size != (32, 64) or left or not ready.had_location:
        raise CheckFailed(f"a test photo came out {size[0]}x{size[1]} with {len(left)} tags")
    return "a photo is turned upright and its location removed"


def check_tools() -> str:
    """The MCP SDK is in the bundle: a tool server made here, run in this process over memory
    streams (nothing external starts), lists its tool and answers a call through the client."""
    import asyncio

    from mcp import Client
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("self-test")

    @server.tool()
    def add(a: int, b: int) -> str:
        """Add two numbers."""
        return str(a + b)

    async def round_trip() -> tuple[list[str], str]:
        async with Client(server) as client:
            names = [tool.name for tool in (await client.list_tools()).tools]
            result = await client.call_tool("add", {"a": 2, "b": 3})
            return names, "".join(getattr(part, "text", "") for part in result.content)

    names, answer = asyncio.run(round_trip())
    if names != ["add"] or answer != "5":
        raise CheckFailed(f"a test tool server listed {names} and answered {answer!r}")
    return "a tool server (MCP) answers a tool call"


def check_local_tool_grammar() -> str:
    """A tool's schema becomes a GBNF grammar (llama-cpp-python's converter, in the bundle) that
    llama.cpp accepts for a model's vocabulary, lazy as a chat with tools uses it."""
    from app.core.tools import ToolSpec
    from app.providers import llama_glue
    from app.providers.llama_probe_model import write_probe_model
    from app.providers.llama_tool_grammar import tool_grammar

    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    grammar = tool_grammar("hermes", (ToolSpec("add", "", schema),), required=False)
    with tempfile.TemporaryDirectory(prefix="hearth-selftest-") as folder:
        llama = llama_glue.llama_class()(
            str(write_probe_model(Path(folder) / "probe.gguf")),
            on_progress=lambda _fraction: True,
            n_ctx=128,
            verbose=False,
        )
        try:
            sampler = llama_glue.grammar_sampler(
                llama, grammar, temp=0.7, top_k=40, top_p=0.95, min_p=0.05
            )
            sampler.close()
        finally:
            llama.close()
    return f"a tool-call grammar ({len(grammar.gbnf.splitlines())} rules) loads in llama.cpp"


def check_local_server() -> str:
    """Starlette and uvicorn are in the bundle: the local server's app, over services in a
    throw-away folder, answers GET /v1/models in process (no socket is opened)."""
    import asyncio

    import httpx
    import uvicorn.protocols.http.h11_impl  # noqa: F401 - what `hearth serve` runs on

    from app.server.app import build_app
    from app.services import open_services

    async def ask(folder: Path) -> httpx.Response:
        services = open_services(folder)
        try:
            transport = httpx.ASGITransport(app=build_app(services.server))
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
                return await c.get("/v1/models")
        finally:
            await services.close()

    import logging

    logging.disable(logging.INFO)  # the throw-away folder's migrations are not news
    try:
        with tempfile.TemporaryDirectory(prefix="hearth-selftest-") as folder:
            answer = asyncio.run(ask(Path(folder)))
    finally:
        logging.disable(logging.NOTSET)
    if answer.status_code != 200 or answer.json().get("object") != "list":
        raise CheckFailed(f"GET /v1/models answered {answer.status_code}")
    return "the local server answers GET /v1/models"


CHECKS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("version", check_version),
    ("database opens and migrates", check_database),
    ("llama.cpp library loads", check_llama),
    ("quantized generation", check_quantized_generation),
    ("keychain", check_keychain),
    ("resources present", check_resources),
    ("document readers", check_document_readers),
    ("document search", check_document_search),
    ("images", check_images),
    ("tools (MCP)", check_tools),
    ("local tool calls", check_local_tool_grammar),
    ("local server", check_local_server),
)


def run_self_test(out: TextIO | None = None) -> int:
    """Run every check, print "ok  ..." or "FAIL  ..." for each; 0 if all passed, else 1."""
    out = out or sys.stdout
    failed = 0
    for title, check in CHECKS:
        try:
            line = f"ok    {check()}"
        except CheckFailed as err:
            line, failed = f"FAIL  {title}: {err}", failed + 1
        except Exception as err:  # noqa: BLE001 - a broken check is reported, not raised
            line, failed = f"FAIL  {title}: {type(err).__name__}: {err}", failed + 1
        print(line, file=out, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_self_test())
