"""Settings → Providers: the services on the left (a tick where a key is set), details right."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.services import Services
from app.ui.settings.provider_panel import ProviderPanel
from app.ui.shell.tasks import TaskKeeper
from app.ui.shell.theme import current_theme

ID_ROLE = Qt.ItemDataRole.UserRole
READY_ROLE = Qt.ItemDataRole.UserRole + 1
HEADER_ROLE = Qt.ItemDataRole.UserRole + 2
LIST_WIDTH = 210


class ProvidersPage(QWidget):
    changed = Signal(str)  # provider id

    def __init__(self, services: Services, tasks: TaskKeeper, parent=None) -> None:
        super().__init__(parent)
        self._services = services
        self.list = QListWidget(self)
        self.list.setObjectName("settingsList")
        self.list.setFixedWidth(LIST_WIDTH)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setItemDelegate(_ProviderDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        self.panels: dict[str, ProviderPanel] = {}
        statuses = services.providers.statuses()
        sections = (
            ("Online services", [s for s in statuses if not s.spec.is_local_server]),
            ("Programs on this computer", [s for s in statuses if s.spec.is_local_server]),
        )
        for title, members in sections:
            self.list.addItem(_header(title))
            for status in members:
                panel = ProviderPanel(services, tasks, status, self.stack)
                panel.changed.connect(self._on_changed)
                self.panels[status.spec.id] = panel
                self.stack.addWidget(panel)
                self.list.addItem(_provider_item(status.spec.id, status.spec.display_name))
        self.list.currentItemChanged.connect(self._on_current)
        self._mark_ready()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.list)
        row.addWidget(self.stack, 1)
        self.select(statuses[0].spec.id)

    def panel(self, provider_id: str) -> ProviderPanel:
        return self.panels[provider_id]

    def select(self, provider_id: str) -> ProviderPanel:
        for i in range(self.list.count()):
            if self.list.item(i).data(ID_ROLE) == provider_id:
                self.list.setCurrentRow(i)
        return self.panels[provider_id]

    @property
    def current(self) -> ProviderPanel:
        return self.stack.currentWidget()

    def refresh(self) -> None:
        for status in self._services.providers.statuses():
            self.panels[status.spec.id].refresh(status)
        self._mark_ready()

    def _on_current(self, item: QListWidgetItem | None, _previous) -> None:
        if item is not None and item.data(ID_ROLE):
            self.stack.setCurrentWidget(self.panels[item.data(ID_ROLE)])

    def _on_changed(self, provider_id: str) -> None:
        self._mark_ready()
        self.changed.emit(provider_id)

    def _mark_ready(self) -> None:
        ready = {
            s.spec.id
            for s in (panel.last_status for panel in self.panels.values())
            if s.key_source is not None or (s.spec.is_local_server and s.base_url_overridden)
        }
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(ID_ROLE):
                item.setData(READY_ROLE, item.data(ID_ROLE) in ready)


def _header(title: str) -> QListWidgetItem:
    item = QListWidgetItem(title)
    item.setData(HEADER_ROLE, True)
    item.setToolTip(title)
    item.setFlags(Qt.ItemFlag.NoItemFlags)
    return item


def _provider_item(provider_id: str, name: str) -> QListWidgetItem:
    item = QListWidgetItem(name)
    item.setData(ID_ROLE, provider_id)
    item.setToolTip(name)
    return item


def shown_text(metrics: QFontMetrics, text: str, width: int) -> str:
    """The row's text as drawn: ending in “…” where it does not fit (the tooltip has it all)."""
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


class _ProviderDelegate(QStyledItemDelegate):
    """A calm row: the service's name, and a green tick once a key (or address) is set."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(option.rect.width(), 30 if index.data(HEADER_ROLE) else 31)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        theme = current_theme()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        middle_left = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        if index.data(HEADER_ROLE):
            font = QFont(option.font)
            font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
            font.setWeight(QFont.Weight.DemiBold)
            painter.setFont(font)
            painter.setPen(QColor(theme.faint))
            header_rect = option.rect.adjusted(14, 8, -8, 0)
            header = shown_text(painter.fontMetrics(), index.data(), header_rect.width())
            painter.drawText(header_rect, middle_left, header)
            painter.restore()
            return
        rect = option.rect.adjusted(6, 1, -6, -1)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.selected if selected else theme.hover))
            painter.drawRoundedRect(rect, 7, 7)
        painter.setFont(option.font)
        painter.setPen(QColor(theme.text))
        text_rect = rect.adjusted(10, 0, -28, 0)
        name = shown_text(option.fontMetrics, index.data(), text_rect.width())
        painter.drawText(text_rect, middle_left, name)
        if index.data(READY_ROLE):
            painter.setPen(QColor(theme.local_badge_fg))
            painter.drawText(
                rect.adjusted(0, 0, -10, 0),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                "✓",
            )
        painter.restore()
