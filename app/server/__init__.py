"""The local API server: a third front door over the same services, speaking the OpenAI and
Anthropic HTTP APIs to other apps on this computer (or the local network, with a token). No Qt.

`app` builds the Starlette application over a ServerService (app/services/serving.py), `runner`
the quiet uvicorn server it runs on, `auth` who is asking, `errors` each API's error shape,
`openai_api` and `anthropic_api` the routes, `wire_*` the request and event translations
(`wire_extras`: the `hearth` extension field, inline pictures and tool_choice for both APIs).
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.server.runner import Running
    from app.services.serving import ServerService


async def front_door(service: ServerService, sock: socket.socket) -> Running:
    """Serve `service` on the bound socket. Handed to ServerService by the composition root
    (app/__main__.py, `hearth serve`), since the services never import a front door; Starlette
    and uvicorn are imported here, when the user switches the server on."""
    from app.server.runner import start

    return await start(service, sock)
