"""The ASGI application: both APIs' routes behind the guard, CORS only for listed origins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from app.server import anthropic_api, openai_api
from app.server.common import error_response
from app.server.guard import Guard
from app.services.serving_errors import BadRequest

if TYPE_CHECKING:
    from app.services.serving import ServerService


def build_app(service: ServerService) -> Any:
    async def not_found(request: Request, exc: Exception) -> Response:
        return error_response(
            BadRequest(f"This server has no {request.url.path}."), request.url.path
        )

    async def failed(request: Request, exc: Exception) -> Response:
        return error_response(exc, request.url.path)  # plain words; the traceback goes to the log

    app = Starlette(
        routes=openai_api.routes(service) + anthropic_api.routes(service),
        exception_handlers={404: not_found, 405: not_found, Exception: failed},
    )
    guarded: Any = Guard(app, service)
    origins = list(service.setting("server_cors_origins") or [])
    if origins:
        guarded = CORSMiddleware(
            guarded,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "x-api-key", "content-type", "anthropic-version"],
        )
    return guarded
