"""Hearth: a private desktop chat app."""

import sys

# httpx imports its command-line tool (click, rich, pygments: ~70 ms at every start) whenever
# those packages happen to be installed; Hearth never uses it. None makes that import fail, and
# httpx then goes without it, as it does where they are not installed.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
