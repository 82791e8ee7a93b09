"""Tools from MCP servers in the window: Settings → Tools (servers, their state and tools, a
switch per tool; add by form, pasted JSON or Claude Desktop's file; remove), the composer's
“Tools on / off” chip, and in a reply the card for each tool call (Allow once / Always allow this
tool / Deny, then the result collapsed under it) with its controller (ToolController)."""

# What other feature packages may use (import-linter forbids them this package's modules):
# resolved on first use, so importing the package costs nothing at start-up.
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.ui.tools.tool_actions import ToolController
    from app.ui.tools.tool_calls_panel import ToolCallsPanel
    from app.ui.tools.tools_page import ToolsPage

_EXPORTS = {
    "ToolController": "app.ui.tools.tool_actions",
    "ToolCallsPanel": "app.ui.tools.tool_calls_panel",
    "ToolsPage": "app.ui.tools.tools_page",
}

__all__ = ["ToolCallsPanel", "ToolController", "ToolsPage"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
