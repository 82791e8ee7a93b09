"""`hearth serve`: the local API server from a terminal, over the same services as the window.
No Qt here.

    hearth serve                 # http://127.0.0.1:8745 (Settings' port), loopback only
    hearth serve --port 9000
    hearth serve --network       # every interface; each request needs an access token

One line per request on standard output (time, app, endpoint, model, tokens, cost, status).
Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from app.cli.common import positive_int


def add_serve_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="serve local (and, if allowed, cloud) models to other apps on an OpenAI- and "
        "Anthropic-compatible address",
    )
    serve.add_argument("--port", type=positive_int, help="the port (default: Settings', 8745)")
    serve.add_argument(
        "--network",
        action="store_true",
        help="serve to the local network too (needs an access token; see Settings)",
    )


async def cmd_serve(services, args: argparse.Namespace) -> int:
    from app.server import front_door

    server = services.server
    server.front_door = front_door
    server.on_request.append(lambda done: print(done.log_line(), flush=True))
    address = await server.start(port=args.port, network=args.network or None)
    cloud = "on" if server.setting("server_cloud_models") else "off"
    print(
        f"Serving on {address}/v1 (OpenAI and Anthropic APIs; cloud models {cloud}). Ctrl+C stops.",
        file=sys.stderr,
        flush=True,
    )
    try:
        while server.running:
            await asyncio.sleep(0.5)
    except asyncio.CancelledError:
        pass
    finally:
        await server.stop()
        print("The local server stopped.", file=sys.stderr)
    return 0
