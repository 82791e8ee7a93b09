"""A small MCP server for the tests, written with the SDK's MCPServer (FastMCP in mcp 1.x).

Run with sys.executable: `mcp_test_server.py` speaks stdio; `mcp_test_server.py http PORT` serves
streamable HTTP on 127.0.0.1. Tools: add (normal), slow (sleeps), fail (raises), crash (exits the
process), secret (returns a text that looks like an API key), env (reads an environment value).
"""

from __future__ import annotations

import asyncio
import os
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("hearth-test")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two whole numbers."""
    return str(a + b)


@server.tool()
async def slow(seconds: float) -> str:
    """Wait, then answer."""
    await asyncio.sleep(seconds)
    return "finally"


@server.tool()
def fail(why: str) -> str:
    """Always fails."""
    raise ValueError(f"failed on purpose: {why}")


@server.tool()
def crash() -> str:
    """Ends the server process."""
    print("crashing now", file=sys.stderr, flush=True)
    os._exit(3)


@server.tool()
def secret() -> str:
    """Returns something that looks like a key."""
    return "the key is sk-proj-" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0"


@server.tool()
def env(name: str) -> str:
    """The value of one environment variable."""
    return os.environ.get(name, "")


if __name__ == "__main__":
    print("test server starting", file=sys.stderr, flush=True)
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run("stdio")
