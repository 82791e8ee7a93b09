"""The live list of requests the local server answered: time, app, model, tokens, cost, status.
Rows are added as requests end (newest on top); the detail of a refusal is in the tooltip."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QHeaderView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from app.services.serve_records import ServedRequest
from app.ui.server.server_text import ALLOW_SECRETS, COLUMNS, request_cells, request_tip

MAX_ROWS = 200  # as many as the service keeps
EMPTY = "No requests yet."


SECRETS_REFUSED = "SecretsInRequest"  # the privacy check's refusal (serving_errors)
CLIENT = Qt.ItemDataRole.UserRole
STATUS = Qt.ItemDataRole.UserRole + 1


class RequestList(QTreeWidget):
    allow_requested = Signal(str)  # “Allow this app to send secrets to cloud models”

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.menu: QMenu | None = None
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)
        self.setObjectName("serverRequests")
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(COLUMNS)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)  # cheap to lay out however many come
        self.setAlternatingRowColors(True)
        self.setMinimumHeight(160)
        header = self.header()
        header.setStretchLastSection(False)
        for column in range(len(COLUMNS)):
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column == 2
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(column, mode)

    def fill(self, requests: Iterable[ServedRequest]) -> None:
        self.clear()
        for done in requests:
            self.add(done)

    def add(self, done: ServedRequest) -> None:
        item = QTreeWidgetItem(request_cells(done))
        item.setData(0, CLIENT, done.client)
        item.setData(0, STATUS, done.status)
        tip = request_tip(done)
        for column in range(len(COLUMNS)):
            item.setToolTip(column, tip)
        self.insertTopLevelItem(0, item)
        while self.topLevelItemCount() > MAX_ROWS:
            self.takeTopLevelItem(self.topLevelItemCount() - 1)

    def menu_for(self, item: QTreeWidgetItem | None) -> QMenu | None:
        """A refused row's menu: a request the privacy check stopped offers to allow its app."""
        if item is None or item.data(0, STATUS) != SECRETS_REFUSED:
            return None
        client = item.data(0, CLIENT)
        menu = QMenu(self)
        menu.addAction(ALLOW_SECRETS.format(app=client), lambda: self.allow_requested.emit(client))
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        self.menu = self.menu_for(self.itemAt(pos))
        if self.menu is not None:
            self.menu.popup(self.viewport().mapToGlobal(pos))

    def rows(self) -> list[list[str]]:
        """What is shown, newest first (for tests and the screenshot's checks)."""
        count = self.columnCount()
        return [
            [self.topLevelItem(i).text(c) for c in range(count)]
            for i in range(self.topLevelItemCount())
        ]
