"""SQLite storage through sqlite-utils: conversations, messages, models, FTS."""

import sys

# sqlite-utils imports numpy (about 0.1 s, an eighth of the launch budget) only to map numpy
# scalar types to column types, and Hearth never stores numpy values. Its import is hidden while
# sqlite-utils loads; llama.cpp, which needs numpy, imports it normally later.
if "sqlite_utils" not in sys.modules and "numpy" not in sys.modules:
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del sys.modules["numpy"]

from app.store.store import Store  # noqa: E402

__all__ = ["Store"]
