"""`hearth serve`: starts on the asked port, logs one line per request, stops on Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import socket

import httpx

from app.cli import build_parser
from app.cli.serve import cmd_serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_parser_knows_serve():
    args = build_parser().parse_args(["serve", "--port", "9000", "--network"])
    assert (args.command, args.port, args.network) == ("serve", 9000, True)


def test_serve_logs_one_line_per_request(services, capsys):
    port = _free_port()

    async def main():
        task = asyncio.create_task(
            cmd_serve(services, argparse.Namespace(port=port, network=False))
        )
        while not services.server.running:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient() as raw:
            body = {"model": "missing", "messages": [{"role": "user", "content": "x"}]}
            got = await raw.post(
                f"http://127.0.0.1:{port}/v1/chat/completions",
                json=body,
                headers={"user-agent": "curl/8.5.0"},
            )
        task.cancel()  # what Ctrl+C does to asyncio.run's main task
        code = await task
        await services.close()
        return got, code

    got, code = asyncio.run(main())
    out, err = capsys.readouterr()
    assert got.status_code == 404 and code == 0
    (line,) = out.strip().splitlines()
    assert "curl" in line and "/v1/chat/completions" in line and "Model not served" in line
    assert "0 in · 0 out · —" in line  # refused before anything was sent: nothing to price
    assert f"127.0.0.1:{port}" in err and "stopped" in err
