"""The Hub client against the loopback Hub: documented request shapes, answers and errors."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from app.core.download_errors import (
    GatedModel,
    HubUnavailable,
    InvalidHubToken,
    NotFoundOnHub,
    UnexpectedFile,
)
from app.downloads.hub import HubClient
from app.downloads.hub_errors import same_origin
from app.downloads.hub_names import normalize_etag, quant_from_name, split_part
from app.providers.http_retry import RetryPolicy
from tests.hub_server import FakeHub, Fault

REPO = "bartowski/Llama-3.2-1B-Instruct-GGUF"
FILES = {
    "Llama-3.2-1B-Instruct-Q4_K_M.gguf": b"GGUF" + b"4" * 3000,
    "Llama-3.2-1B-Instruct-Q8_0.gguf": b"GGUF" + b"8" * 5000,
    "Llama-3.2-1B-Instruct-f16/Llama-3.2-1B-Instruct-f16-00001-of-00002.gguf": b"GGUF" + b"x" * 9,
    "mmproj-model-f16.gguf": b"GGUF" + b"m" * 10,
}
TOKEN = "hf_" + "t" * 34
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)


@pytest.fixture
def hub(monkeypatch):
    with FakeHub(tree_page_size=2) as hub:
        hub.add_repo(REPO, FILES, downloads=500, gguf={"total": 1_235_814_400,
                     "architecture": "llama", "context_length": 131072})  # fmt: skip
        hub.add_repo("Qwen/Qwen2.5-0.5B-Instruct-GGUF", {"q-q4_k_m.gguf": b"GGUF"}, downloads=900)
        hub.add_repo("someone/not-gguf", {}, readme=True)
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint + "/")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield hub


def call(coro_fn, **client_kw):
    return asyncio.run(coro_fn(HubClient(retry_policy=FAST, **client_kw)))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_search_sends_the_documented_query(hub):
    repos = call(lambda c: c.search("  instruct ", limit=5))
    assert [r.id for r in repos] == ["Qwen/Qwen2.5-0.5B-Instruct-GGUF", REPO]
    (seen,) = hub.hub_requests("/api/models")
    assert seen.path == "/api/models"
    assert seen.query == {"search": ["instruct"], "filter": ["gguf"], "sort": ["downloads"],
                          "limit": ["5"]}  # fmt: skip
    assert repos[1].downloads == 500 and "gguf" in repos[1].tags


def test_files_come_with_size_sha256_quant_and_the_commit(hub):
    files = call(lambda c: c.list_gguf_files(REPO))
    by_name = {f.name: f for f in files}
    assert "mmproj-model-f16.gguf" not in by_name  # a projector is not a model on its own
    q4 = by_name["Llama-3.2-1B-Instruct-Q4_K_M.gguf"]
    assert q4.size == len(FILES[q4.path]) and q4.sha256 == sha(FILES[q4.path])
    assert q4.quant == "Q4_K_M" and q4.revision == hub.repos[REPO].commit
    assert q4.parameters == 1_235_814_400 and q4.context_length == 131072
    shard = next(f for f in files if f.split)
    assert shard.split == (1, 2) and shard.quant == "F16"
    (seen,) = hub.hub_requests(f"/api/models/{REPO}")
    assert seen.query == {"blobs": ["true"]}


def test_a_mirror_without_blobs_is_read_from_the_paginated_tree(hub):
    hub.blobs_supported = False
    files = call(lambda c: c.list_gguf_files(REPO))
    assert {f.path: f.sha256 for f in files} == {
        p: sha(d) for p, d in FILES.items() if not p.startswith("mmproj")
    }
    tree_pages = hub.hub_requests("/tree/")
    assert len(tree_pages) >= 3 and tree_pages[0].query == {"recursive": ["true"]}
    assert "cursor" in tree_pages[1].query  # followed the Link: rel="next" header


def test_file_metadata_reads_the_linked_headers_without_following_the_cdn(hub):
    meta = call(lambda c: c.file_metadata(REPO, "Llama-3.2-1B-Instruct-Q8_0.gguf"))
    data = FILES["Llama-3.2-1B-Instruct-Q8_0.gguf"]
    assert meta.sha256 == sha(data) and meta.size == len(data)
    assert meta.commit == hub.repos[REPO].commit
    assert meta.location.startswith(f"http://127.0.0.1:{hub.cdn_port}/")
    assert hub.cdn_requests() == []
    (seen,) = hub.hub_requests("/resolve/")
    assert seen.method == "HEAD" and seen.headers["accept-encoding"] == "identity"


def test_a_small_git_file_etag_is_not_taken_for_a_sha256(hub):
    meta = call(lambda c: c.file_metadata(REPO, "README.md"))
    assert meta.etag and meta.sha256 is None and meta.size == len(b"# model card\n")


def test_describe_file_fills_in_what_a_download_needs(hub):
    name = "Llama-3.2-1B-Instruct-Q4_K_M.gguf"
    info = call(lambda c: c.describe_file(REPO, name))
    assert (info.sha256, info.size) == (sha(FILES[name]), len(FILES[name]))
    with pytest.raises(UnexpectedFile):
        call(lambda c: c.describe_file(REPO, name, sha256="f" * 64))


def test_describe_file_falls_back_to_the_resolve_headers(hub):
    hub.api_faults += [Fault("status", status=404)]  # a mirror that only serves files
    name = "Llama-3.2-1B-Instruct-Q8_0.gguf"
    info = call(lambda c: c.describe_file(REPO, name))
    assert info.sha256 == sha(FILES[name]) and info.revision == hub.repos[REPO].commit


@pytest.mark.parametrize(
    ("repo", "file", "revision", "error", "words"),
    [
        ("nobody/nothing", "x.gguf", "main", NotFoundOnHub, "There is no model"),
        (REPO, "nope.gguf", "main", NotFoundOnHub, "There is no file “nope.gguf”"),
        (REPO, "Llama-3.2-1B-Instruct-Q8_0.gguf", "v9", NotFoundOnHub, "no version “v9”"),
    ],
)
def test_errors_read_the_hub_error_codes(hub, repo, file, revision, error, words):
    with pytest.raises(error) as caught:
        call(lambda c: c.file_metadata(repo, file, revision=revision))
    assert words in caught.value.plain()


def test_gated_repo_and_tokens(hub):
    hub.add_repo("meta-llama/Gated-GGUF", {"g-Q4_K_M.gguf": b"GGUF"}, gated=True)
    with pytest.raises(GatedModel) as caught:
        call(lambda c: c.file_metadata("meta-llama/Gated-GGUF", "g-Q4_K_M.gguf"))
    assert "HF_TOKEN" in caught.value.plain()
    with pytest.raises(InvalidHubToken):
        call(lambda c: c.search("x"), hf_token="hf_wrong")
    hub.valid_tokens.add(TOKEN)
    with pytest.raises(GatedModel) as caught:
        call(lambda c: c.file_metadata("meta-llama/Gated-GGUF", "g-Q4_K_M.gguf"), hf_token=TOKEN)
    assert "not been granted" in caught.value.plain()
    hub.repos["meta-llama/Gated-GGUF"].authorized.add(TOKEN)
    meta = call(lambda c: c.file_metadata("meta-llama/Gated-GGUF", "g-Q4_K_M.gguf"), hf_token=TOKEN)
    assert meta.sha256 == sha(b"GGUF")
    assert hub.seen[-1].headers["authorization"] == f"Bearer {TOKEN}"


def test_api_server_errors_are_retried_then_reported(hub):
    hub.api_faults += [Fault("status", status=503), Fault("status", status=500)]
    assert call(lambda c: c.search("llama"))  # third try answers
    hub.api_faults += [Fault("status", status=500)] * 3
    with pytest.raises(HubUnavailable):
        call(lambda c: c.search("llama"))


def test_bad_names_are_refused_before_any_request(hub):
    with pytest.raises(NotFoundOnHub):
        call(lambda c: c.list_gguf_files("../etc"))
    with pytest.raises(NotFoundOnHub):
        HubClient().resolve_url(REPO, "../../secret.gguf")
    assert hub.seen == []


def test_resolve_url_quotes_the_revision_and_keeps_folders():
    url = HubClient(endpoint_url="https://hf-mirror.example").resolve_url(
        "o/r", "sub dir/m-Q4_K_M.gguf", "refs/pr/1"
    )
    assert url == "https://hf-mirror.example/o/r/resolve/refs%2Fpr%2F1/sub%20dir/m-Q4_K_M.gguf"


def test_the_token_is_only_for_the_hub_origin():
    client = HubClient(endpoint_url="https://huggingface.co", hf_token=TOKEN)
    assert client.headers_for("https://huggingface.co/o/r/resolve/main/f")["authorization"]
    assert "authorization" not in client.headers_for("https://cdn-lfs.hf.co/repos/x")
    assert "authorization" not in client.headers_for("http://huggingface.co/o/r")
    assert same_origin("https://a.example/x", "https://a.example:443/y") is False  # explicit port
    assert TOKEN not in repr(client)


@pytest.mark.parametrize(
    ("name", "quant"),
    [
        ("qwen2.5-0.5b-instruct-q4_k_m.gguf", "Q4_K_M"),
        ("Meta-Llama-3.1-8B-Instruct-Q5_K_M.gguf", "Q5_K_M"),
        ("Qwen2.5-7B-Instruct-IQ4_XS.gguf", "IQ4_XS"),
        ("phi-4-Q8_0.gguf", "Q8_0"),
        ("gemma-2-2b-it-f16.gguf", "F16"),
        ("Q6_K/model-Q6_K-00002-of-00003.gguf", "Q6_K"),
        ("llama-2-7b-chat.Q4_0.gguf", "Q4_0"),
        ("tinyllama.gguf", None),
    ],
)
def test_quantization_from_the_file_name(name, quant):
    assert quant_from_name(name) == quant


def test_small_parsers():
    assert split_part("m-Q8_0-00001-of-00003.gguf") == (1, 3) and split_part("m.gguf") is None
    assert normalize_etag('W/"abc"') == "abc" and normalize_etag('"abc"') == "abc"
    assert normalize_etag(None) is None
