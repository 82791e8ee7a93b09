"""A DocumentService over a real database file in the test's data folder."""

from __future__ import annotations

import asyncio

import pytest

from app.paths import db_path
from app.services.documents import DocumentService
from app.services.worker import DbWorker
from app.store.settings import Settings


class Docs:
    """The service, its database worker, and a way to reopen both (a restart)."""

    def __init__(self, data_dir) -> None:
        self.data_dir = data_dir
        self.open()

    def open(self) -> None:
        self.db = DbWorker(db_path(self.data_dir))
        self.service = DocumentService(self.db, Settings(self.data_dir / "settings.json"))

    def close(self) -> None:
        self.service.close()
        self.db.close()

    def restart(self) -> None:
        self.close()
        self.open()

    def run(self, coro):
        return asyncio.run(coro)

    def sql(self, query: str, *params) -> list[tuple]:
        return self.db.call_sync(lambda store: store.db.execute(query, params).fetchall())


@pytest.fixture
def docs(data_dir):
    d = Docs(data_dir)
    yield d
    d.close()
