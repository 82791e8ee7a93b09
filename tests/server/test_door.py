"""The server's door and its other endpoint: CORS (off by default; a listed origin gets the
headers, others do not; preflight), the Host guard against DNS rebinding, and /v1/embeddings on
a real tiny embedding GGUF through the OpenAI SDK."""

from __future__ import annotations

import math

import httpx
import openai
import pytest

from tests.documents.embed_gguf import write_tiny_embed_gguf

NOTES = "http://notes.example"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "content-type",
}


def models_from(base: str, **headers: str) -> httpx.Response:
    """GET /v1/models with these headers (sync: httpx sets Host from the URL unless given)."""
    with httpx.Client() as raw:
        return raw.get(base + "/v1/models", headers=headers)


def test_cors_is_off_by_default(services, serve):
    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            simple = await raw.get(base + "/v1/models", headers={"origin": NOTES})
            preflight = await raw.options(
                base + "/v1/chat/completions", headers={"origin": NOTES} | PREFLIGHT
            )
            plain = await raw.get(base + "/v1/models")  # no Origin: an app, not a web page
        return simple, preflight, plain

    simple, preflight, plain = serve(scenario)
    assert simple.status_code == 403 and "access-control-allow-origin" not in simple.headers
    assert simple.json()["error"]["code"] == "origin_not_allowed"
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers
    assert plain.status_code == 200


def test_a_listed_origin_gets_cors_headers_and_others_do_not(services, serve):
    services.settings.set("server_cors_origins", [NOTES])

    async def scenario(base):
        async with httpx.AsyncClient() as raw:
            listed = await raw.get(base + "/v1/models", headers={"origin": NOTES})
            preflight = await raw.options(
                base + "/v1/chat/completions", headers={"origin": NOTES} | PREFLIGHT
            )
            other = await raw.get(base + "/v1/models", headers={"origin": "http://evil.example"})
            other_preflight = await raw.options(
                base + "/v1/chat/completions", headers={"origin": "http://evil.example"} | PREFLIGHT
            )
        return listed, preflight, other, other_preflight

    listed, preflight, other, other_preflight = serve(scenario)
    assert listed.status_code == 200 and listed.headers["access-control-allow-origin"] == NOTES
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == NOTES
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    assert other.status_code == 403 and "access-control-allow-origin" not in other.headers
    assert other_preflight.status_code >= 400
    assert "access-control-allow-origin" not in other_preflight.headers


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 403),  # a page that re-pointed its own name at 127.0.0.1
        ("evil.example:8745", 403),
        ("127.0.0.1.nip.io", 403),
        ("192.168.1.20:8745", 403),
        ("localhost:8745", 200),
        ("127.0.0.1", 200),
        ("[::1]:8745", 200),
    ],
)
def test_host_header_guard_refuses_other_names_on_loopback(services, serve, host, status):
    async def scenario(base):
        import asyncio

        return await asyncio.to_thread(models_from, base, host=host)

    got = serve(scenario)
    assert got.status_code == status
    if status == 403:
        assert got.json()["error"]["code"] == "host_not_allowed"
        assert services.server.requests[-1].status == "HostNotAllowed"


@pytest.fixture(scope="module")
def embed_gguf(tmp_path_factory):
    return write_tiny_embed_gguf(tmp_path_factory.mktemp("embed") / "tiny-embed.gguf")


def test_embeddings_from_a_local_embedding_model(services, serve, embed_gguf, local):
    async def scenario(base):
        (model,), _ = await services.models.add_from_disk([embed_gguf])
        client = openai.AsyncOpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        floats = await client.embeddings.create(
            model=model.id,
            input=["the kettle warranty", "the kettle warranty", "blue whales"],
            encoding_format="float",
        )
        packed = await client.embeddings.create(model=model.id, input="the kettle warranty")
        with pytest.raises(openai.NotFoundError) as not_one:
            await client.embeddings.create(model=local.id, input="x")
        listed = [m.id for m in (await client.models.list()).data]
        return model, floats, packed, not_one.value, listed

    model, floats, packed, not_one, listed = serve(scenario)
    a, b, c = (d.embedding for d in floats.data)
    assert len(a) == 64 and a == b and a != c
    assert math.isclose(sum(x * x for x in a), 1.0, rel_tol=1e-3)  # unit length, as documents
    assert packed.data[0].embedding == pytest.approx(a, rel=1e-5)  # base64 float32, decoded
    assert floats.usage.prompt_tokens > 0 and floats.model == model.id
    assert "embedding model" in not_one.message
    assert listed == [local.id, model.id]  # chat models, then embedding models
    done = services.server.requests[-1]
    assert done.endpoint == "/v1/embeddings" and done.status != "ok"
    assert services.server.requests[0].cost_usd == 0
