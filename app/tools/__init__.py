"""Tools from MCP servers: the servers' settings (`config`: the `{"mcpServers": ...}` JSON,
Claude Desktop's file, secrets to the keychain), one connection per server (`client`: stdio or
streamable HTTP through the official `mcp` SDK, started on demand, restarted after a crash) and
plain-words errors (`errors`). The chat's tool loop and `hearth tools` use it through
app/services/tools.py."""
