"""`hearth models`, `add`, `pull`, `rm`: list, register, download and remove models. No Qt here.

    hearth models                            # the models you can use
    hearth models --provider openai --refresh
    hearth add ~/models/phi.gguf             # register a file where it is

    hearth pull Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf
    hearth pull qwen2.5-1.5b-instruct        # a catalog name: the best file for this computer
    hearth pull bartowski/phi-4-GGUF         # a repo: the best file for this computer
    hearth pull --list                       # the suggested models, judged for this computer
    hearth rm qwen2.5-0.5b-instruct-q4_k_m

Ctrl-C pauses: running the same command again continues from where it stopped.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.cli.common import counted
from app.core.chat import human_bytes
from app.core.download_errors import DownloadFailed, NotFoundOnHub
from app.core.errors import HearthError, ModelNotFound

# The downloader (httpx) is imported when a command here runs, not when `hearth` builds its parser.
if TYPE_CHECKING:
    from app.downloads.queue import DownloadProgress
    from app.services import Listings, Services
    from app.services.downloads import DownloadService

PLAIN_EVERY = 10.0  # seconds between progress lines when output is not a terminal


def add_models_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    models = sub.add_parser("models", parents=[common], help="list the models you can use")
    models.add_argument(
        "--provider", metavar="ID", help="list this provider's models (e.g. openai, ollama)"
    )
    models.add_argument(
        "--refresh", action="store_true", help="ask the provider for its current list"
    )


def add_add_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    add = sub.add_parser("add", parents=[common], help="register .gguf model files where they are")
    add.add_argument("paths", nargs="+", metavar="FILE")
    add.add_argument(
        "--projector",
        metavar="MMPROJ",
        help="the image projector (mmproj .gguf) that lets the model see pictures, when "
        "several lie beside it",
    )


def add_pull_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    pull = sub.add_parser(
        "pull", parents=[common], help="download a model from Hugging Face (Ctrl-C pauses)"
    )
    pull.add_argument(
        "target",
        nargs="?",
        metavar="MODEL",
        help="OWNER/REPO/FILE.gguf, OWNER/REPO, or a name from `hearth pull --list`",
    )
    pull.add_argument("--revision", default="main", help="branch, tag or commit (default: main)")
    pull.add_argument(
        "--list", action="store_true", help="list suggested models and how they run here"
    )
    rm = sub.add_parser(
        "rm", parents=[common], help="remove a model (its file too, if Hearth downloaded it)"
    )
    rm.add_argument("name", help="a model name from `hearth models`")


async def cmd_models(services: Services | Listings, args: argparse.Namespace) -> int:
    if args.provider:
        return await _provider_models(services, args.provider, refresh=args.refresh)
    models = await services.models.list_models()
    if not models:
        print("No models yet. Add one with: hearth add /path/to/model.gguf", file=sys.stderr)
    for m in models:
        missing = "" if m.path and Path(m.path).exists() else "  (file missing)"
        print(f"{m.id}\t{m.where}\t{_details(m)}{missing}")
    for group in (await services.models.all_models())[1:]:
        state = "add a key: hearth keys set " + group.provider.id if group.needs_key else ""
        print(
            f"{group.provider.id}:…\t{group.models[0].where if group.models else ''}\t"
            f"{counted(len(group.models), 'model')} {state}".rstrip()
        )
    return 0


def _details(m) -> str:
    from app.core.chat import human_params

    parts = (
        m.architecture,
        human_params(m.parameters),
        m.quantization,
        f"{m.context_length} ctx" if m.context_length else "",
        human_bytes(m.size_bytes),
    )
    return ", ".join(x for x in parts if x)


async def _provider_models(
    services: Services | Listings, provider_id: str, *, refresh: bool
) -> int:
    from app.providers.registry import get_provider

    spec = get_provider(provider_id)
    if refresh:
        models = await services.models.refresh_provider(spec.id)
    else:
        group = next(g for g in await services.models.all_models() if g.provider == spec)
        models = group.models
    for m in models:
        print(f"{m.id}\t{m.where}\t{_details(m)}")
    return 0


async def cmd_add(services: Services, args: argparse.Namespace) -> int:
    added, failed = await services.models.add_from_disk(args.paths)
    for m in added:
        if getattr(args, "projector", None):
            m = await services.models.choose_projector(m.id, args.projector)
        print(f"Added {m.id} ({m.where})")
        if m.projector:
            print(f"  sees pictures, with {Path(m.projector).name}")
        elif choices := await services.models.projector_choices(m.id):
            names = ", ".join(Path(c).name for c in choices)
            print(f"  several image projectors lie beside it ({names}); to let it see pictures,")
            print("  add it again with --projector and the one that belongs to it.")
    for path, err in failed:
        print(f"hearth: {path}: {err.plain()}", file=sys.stderr)
    return 1 if failed else 0


def _downloads(services) -> tuple[DownloadService, bool]:
    """The container's DownloadService, or one made here (then closed by the caller)."""
    existing = getattr(services, "downloads", None)
    if existing is not None:
        return existing, False
    from app.services.downloads import DownloadService

    made = DownloadService(
        models=services.models, settings=services.settings, data_dir=services.data_dir
    )
    return made, True


async def cmd_pull(services, args: argparse.Namespace) -> int:
    downloads, owned = _downloads(services)
    try:
        if args.list:
            return _print_catalog(downloads)
        if not args.target:
            raise HearthError(
                "Say which model to download.",
                action="Give OWNER/REPO/FILE.gguf, or see the suggestions: hearth pull --list",
            )
        choice = await resolve_target(downloads, args.target, revision=args.revision)
        return await _pull(downloads, choice)
    finally:
        if owned:
            await downloads.close()


@dataclass(frozen=True, slots=True)
class Choice:
    repo: str
    file: str
    revision: str = "main"
    sha256: str | None = None
    size: int | None = None


_URL = re.compile(
    r"^https?://[^/]+/(?P<repo>[^/]+/[^/]+)/(?:resolve|blob)/(?P<rev>[^/]+)/(?P<f>.+)$"
)


async def resolve_target(downloads: DownloadService, target: str, *, revision: str) -> Choice:
    """A catalog name, OWNER/REPO/FILE, OWNER/REPO (best file here) or a Hub file URL."""
    target = target.strip()
    if m := _URL.match(target):
        return Choice(m["repo"], m["f"], m["rev"])
    hit = downloads.catalog().find(target)
    if hit is not None:
        model, file = hit
        file = (
            file
            or downloads.recommend(files=model.files)
            or min(model.files, key=lambda f: f.size_bytes or 0)
        )
        return Choice(file.repo, file.file, file.revision, file.sha256, file.size)
    parts = target.strip("/").split("/")
    if len(parts) >= 3:
        return Choice("/".join(parts[:2]), "/".join(parts[2:]), revision)
    if len(parts) == 2:
        files = [f for f in await downloads.files(repo=target, revision=revision) if not f.split]
        if not files:
            raise NotFoundOnHub(f"“{target}” has no single-file GGUF model to download.")
        best = downloads.recommend(files=files) or min(files, key=lambda f: f.size or 0)
        return Choice(best.repo, best.path, best.revision, best.sha256, best.size)
    raise ModelNotFound(
        f"“{target}” is not a model Hearth knows.",
        action="Use OWNER/REPO/FILE.gguf, or a name from `hearth pull --list`.",
    )


async def _pull(downloads: DownloadService, choice: Choice) -> int:
    import asyncio

    job_id = await downloads.start(
        repo=choice.repo,
        file=choice.file,
        revision=choice.revision,
        sha256=choice.sha256,
        size=choice.size,
    )
    printer = ProgressPrinter(sys.stderr)
    unsubscribe = downloads.subscribe(lambda p: printer.update(p) if p.job_id == job_id else None)
    try:
        final = await downloads.wait(job_id=job_id)
    except asyncio.CancelledError:  # Ctrl-C: keep the part file for next time
        downloads.pause(job_id=job_id)
        printer.close()
        print("Paused. Run the same command again to continue.", file=sys.stderr)
        raise
    finally:
        unsubscribe()
        printer.close()
    if final.state == "done":
        name = final.model_id or final.name
        print(f'Installed {name}. Chat with it: hearth ask --model {name} "Hello"')
        return 0
    raise final.error or DownloadFailed(final.message or "The download did not finish.")


class ProgressPrinter:
    """A one-line bar redrawn in place on a terminal; otherwise a plain line now and then."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._drawn = False
        self._last_plain = 0.0
        self._last_state = ""
        self._last_message = ""

    def update(self, p: DownloadProgress) -> None:
        if self.tty:
            self._draw(p)
        else:
            self._plain(p)

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    def _draw(self, p: DownloadProgress) -> None:
        width = shutil.get_terminal_size((80, 20)).columns - 1
        fraction = p.fraction or 0.0
        tail = f"{fraction:4.0%} {describe(p)}"
        room = width - len(tail) - 4  # the brackets and spaces
        name = p.name[: max(10, min(24, room - 8))]
        bar_width = max(8, min(30, room - len(name)))
        filled = int(bar_width * fraction)
        line = f"{name} [{'█' * filled}{'░' * (bar_width - filled)}] {tail}"
        self.stream.write("\r" + line[:width].ljust(width))
        self.stream.flush()
        self._drawn = True

    def _plain(self, p: DownloadProgress) -> None:
        if p.state in ("queued", "done", "failed", "paused", "cancelled"):
            return  # the final word is printed by the command itself
        if p.state == "downloading" and not p.done_bytes and "again" not in p.message:
            return  # nothing to report before the first bytes
        now = time.monotonic()
        retrying = "again" in p.message and p.message != self._last_message
        changed = p.state != self._last_state or retrying
        if not changed and now - self._last_plain < PLAIN_EVERY:
            return
        self._last_plain, self._last_state, self._last_message = now, p.state, p.message
        percent = f" {p.fraction:.0%}" if p.fraction is not None else ""
        print(f"{p.name}:{percent} {describe(p)}", file=self.stream, flush=True)


def describe(p: DownloadProgress) -> str:
    """ "120.3 MB of 400.0 MB, 12.4 MB/s, 23 s left" — or what is happening instead."""
    if p.state != "downloading" or "again" in p.message:
        return p.message
    total = f" of {human_bytes(p.total_bytes)}" if p.total_bytes else ""
    words = [f"{human_bytes(p.done_bytes)}{total}"]
    if p.speed:
        words.append(f"{human_bytes(int(p.speed))}/s")
    if p.eta is not None:
        words.append(f"{format_duration(p.eta)} left")
    return ", ".join(words)


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def _print_catalog(downloads: DownloadService) -> int:
    hardware = downloads.current_hardware()
    print(f"This computer: {hardware.summary()}", file=sys.stderr)
    for model in downloads.catalog().models:
        best = downloads.recommend(files=model.files) or model.files[0]
        fit = downloads.fit(file=best)
        size = ("~" if best.size_is_estimate else "") + human_bytes(best.size_bytes)
        print(f"{model.id}\t{best.quant}\t{size}\t{fit.verdict}\t{model.description}")
    return 0


async def cmd_rm(services, args: argparse.Namespace) -> int:
    downloads, owned = _downloads(services)
    try:
        models = await services.models.list_models()
        match = next((m for m in models if args.name in (m.id, m.display_name)), None)
        if match is None:
            raise ModelNotFound(f"There is no model called “{args.name}”.")
        deleted = await downloads.delete_model(model_id=match.id)
        print(deleted.message)
        return 0
    finally:
        if owned:
            await downloads.close()
