"""Draws one search result: the chat's title and when on top, who said it and the snippet below."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QColor, QFont, QPainter, QTextDocument
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.store.history import SearchHit
from app.ui.search.search_text import highlight_colours, snippet_html, speaker, when_text
from app.ui.shell.theme import Theme, current_theme

HIT_ROLE = Qt.ItemDataRole.UserRole

SIDE_MARGIN = 4
PADDING_X = 12
PADDING_Y = 8
LINE_GAP = 3
SNIPPET_LINES = 2


class SearchHitDelegate(QStyledItemDelegate):
    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        hit: SearchHit | None = index.data(HIT_ROLE)
        width = self._view.viewport().width()
        if hit is None:
            return QSize(width, 0)
        doc = self._snippet(hit, option.font, width, current_theme())
        height = PADDING_Y * 2 + option.fontMetrics.height() + LINE_GAP + _snippet_height(doc)
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        hit: SearchHit | None = index.data(HIT_ROLE)
        if hit is None:
            return
        theme = current_theme()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect.adjusted(SIDE_MARGIN, 1, -SIDE_MARGIN, -1)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.selected if selected else theme.hover))
            painter.drawRoundedRect(rect, 8, 8)
        inner = rect.adjusted(PADDING_X, PADDING_Y, -PADDING_X, -PADDING_Y)
        line = QRect(inner.left(), inner.top(), inner.width(), option.fontMetrics.height())
        self._paint_top_line(painter, option, hit, line, theme)
        doc = self._snippet(hit, option.font, option.rect.width(), theme)
        painter.translate(inner.left(), line.bottom() + 1 + LINE_GAP)
        clip = QRectF(0, 0, inner.width(), _snippet_height(doc))
        painter.setClipRect(clip)
        context = QAbstractTextDocumentLayout.PaintContext()
        context.clip = clip
        context.palette.setColor(context.palette.ColorRole.Text, QColor(theme.muted))
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def _paint_top_line(self, painter, option, hit: SearchHit, line: QRect, theme: Theme) -> None:
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        painter.setPen(QColor(theme.faint))
        when = when_text(hit.created)
        when_width = painter.fontMetrics().horizontalAdvance(when) + 4
        align = Qt.AlignmentFlag.AlignVCenter
        painter.drawText(line, align | Qt.AlignmentFlag.AlignRight, when)
        title_font = QFont(option.font)
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(QColor(theme.text))
        room = line.width() - when_width - 12
        title = painter.fontMetrics().elidedText(
            hit.title or "Untitled", Qt.TextElideMode.ElideRight, room
        )
        painter.drawText(line, align | Qt.AlignmentFlag.AlignLeft, title)

    def _snippet(self, hit: SearchHit, font: QFont, row_width: int, theme: Theme) -> QTextDocument:
        match_background, _current = highlight_colours(theme)
        who = f"<span style='color:{theme.faint}'>{speaker(hit.role)}:</span>&nbsp; "
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(font)
        doc.setDefaultStyleSheet(f"body {{ color: {theme.muted}; }}")
        doc.setHtml(f"<body>{who}{snippet_html(hit, match_background)}</body>")
        doc.setTextWidth(max(40, row_width - 2 * (SIDE_MARGIN + PADDING_X)))
        return doc


def _snippet_height(doc: QTextDocument) -> int:
    """At most SNIPPET_LINES lines: a result is a glimpse, the chat has the rest."""
    height = doc.size().height()  # lays the text out, so the line count below is known
    lines = doc.begin().layout().lineCount() or 1
    return int(min(height, height / lines * SNIPPET_LINES) + 0.5)
