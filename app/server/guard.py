"""The door of the local server, as plain ASGI (no buffering, so streams and disconnects pass
through untouched): who may ask, from where, and how much they may send.

- Host header: loopback names only unless serving to the network, so a web page that re-points
  its own domain at 127.0.0.1 (DNS rebinding) is refused.
- Origin: a browser request from a page is refused unless that origin is listed (CORS is then
  answered by Starlette's CORSMiddleware, outside this guard).
- Token: required on every request while serving to the network; on loopback a known token only
  names the app (the OpenAI SDK always sends some key).
- Body: Content-Length over the cap is refused before reading; a body streamed without one is
  counted as it arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from app.netguard import is_loopback_host
from app.server.errors import BodyTooLarge, HostNotAllowed, OriginNotAllowed, error_parts
from app.services.serve_records import MAX_BODY_BYTES, RequestMeter, client_name
from app.services.serving_errors import TokenRequired

if TYPE_CHECKING:
    from app.services.serving import ServerService

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


def presented_token(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization") or ""
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return (_header(scope, b"x-api-key") or "").strip() or None


def _host_name(host_header: str | None) -> str | None:
    if not host_header:
        return None
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Guard:
    def __init__(self, app: Any, service: ServerService, max_body: int = MAX_BODY_BYTES) -> None:
        self.app, self.service, self.max_body = app, service, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = None
        try:
            client = self._admit(scope)
        except Exception as err:  # a refusal at the door: answered and listed, never raised
            await self._refuse(scope, send, err, client)
            return
        scope.setdefault("state", {})["client"] = client
        await self.app(scope, self._capped(receive), send)

    def _admit(self, scope: Scope) -> str:
        network = self.service.network
        if not network and not is_loopback_host(_host_name(_header(scope, b"host"))):
            raise HostNotAllowed()
        origin = _header(scope, b"origin")
        if origin and origin not in (self.service.setting("server_cors_origins") or []):
            raise OriginNotAllowed()
        length = _header(scope, b"content-length")
        if length and length.isdigit() and int(length) > self.max_body:
            raise BodyTooLarge()
        token_name = self.service.tokens.name_for(presented_token(scope))
        if network and token_name is None and scope.get("method") != "OPTIONS":
            raise TokenRequired(
                "A valid access token is needed to use this server over the network."
                if presented_token(scope)
                else None
            )
        return client_name(token_name=token_name, user_agent=_header(scope, b"user-agent"))

    def _capped(self, receive: Receive) -> Receive:
        seen = 0

        async def capped() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge()
            return message

        return capped

    async def _refuse(self, scope: Scope, send: Send, err: Exception, client: str | None) -> None:
        status, body, headers = error_parts(err, scope.get("path", ""))
        who = client or client_name(token_name=None, user_agent=_header(scope, b"user-agent"))
        meter = RequestMeter(client=who, endpoint=scope.get("path", ""))
        await self.service.gateway.refuse(meter, err)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
