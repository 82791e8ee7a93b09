"""The desktop window. The only package that imports PySide6 or qasync.

One package per feature; each owns its widgets and its controller, and its `__init__` docstring
says what lives there. Map:

- shell/          the application and event loop, MainWindow (lays out the features and wires
                  their controllers), window layout, theme, crash and startup-error dialogs,
                  toasts, small shared widgets, task keeper, window state, PySide6 workarounds
- chat/           one conversation on screen: chat view and pages, messages, markdown, composer,
                  find in chat, the empty chat; sending (SendController) and history paging
                  (HistoryController)
- conversations/  the sidebar list of chats, exporting them; new, open, rename, pin, delete
                  (ConversationController)
- models/         the picker, header and where-badge, model manager, add from disk, loading;
                  which models can answer and which one will (ModelController)
- downloads/      the downloads window and indicator, and their controller (DownloadController)
- welcome/        the first-run screen and its one-click download
- costs/          usage bar, dashboard, charts, cost texts, budget, the costs settings page
                  (CostController)
- memory/         memories (manager, suggestions, switches, settings page) and personas
                  (MemoryController, PersonaController)
- search/         search across all chats and find in this chat (SearchController)
- compare/        the same message answered by several models side by side
                  (CompareController)
- images/         pictures attached to a message: paperclip, paste and drop, thumbnails in the
                  composer and in sent messages, the viewer with zoom, the offer of models that
                  see images (ImageController)
- settings/       the settings dialog and its general pages (providers, privacy, appearance, chats)
- documents/      the Documents window (collections, reading progress), files dropped on the
                  window, the documents chip by the composer, the passages-sent confirmation,
                  the cited passage's side panel (DocumentController)
- tools/          tools from MCP servers: Settings → Tools (servers, state, a switch per tool,
                  add by form / pasted JSON / Claude Desktop's file), the “Tools on / off”
                  chip by the composer, the approval card of each call in a reply (ToolController)
- server/         the local API server: Settings → Local server (switch, port, address and
                  sample code, tokens, CORS, the live list of requests), the status bar's
                  “Local server on :PORT”, closing to the tray while it serves (ServerController)

A new feature gets its own package here. Features use one another only through the names a
package exports in its `__init__` (a lazy table, so importing a package costs nothing); the
import-linter contracts in pyproject.toml enforce it. shell may use any feature to compose the
window, and every feature may use shell's shared widgets.

Controllers are objects MainWindow composes (it has no mixin bases): each is given in its
constructor the services, the widgets it drives and the other controllers it asks, and talks
to the rest through Qt signals the window wires, or through the narrow `…Host` Protocol it
declares, which the window implements by handing over to the controller that owns the answer.
A feature's controller lives in its package (`<feature>_actions.py`).
"""

from __future__ import annotations

from app.ui.shell.app import create_main_window, run_app

__all__ = ["create_main_window", "run_app"]
