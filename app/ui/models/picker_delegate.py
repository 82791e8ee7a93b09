"""Draws one row of the model picker: name, a local/cloud mark, plain words (the file's size, or
about what a message costs) and a star. The numbers (context, price per million tokens) are in
the row's tooltip, not in front."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.ui.models.picker_entries import PickerEntry, plain_text, sees_images_mark
from app.ui.shell.theme import Theme, current_theme

ENTRY_ROLE = Qt.ItemDataRole.UserRole

ROW_HEIGHT = 36
SECTION_HEIGHT = 30
# Right-hand columns, from the right edge inwards.
STAR_WIDTH = 30
PLAIN_WIDTH = 192
MARK_WIDTH = 60
SIDE_MARGIN = 6
CHECK_WIDTH = 22

STAR_ON, STAR_OFF = "★", "☆"
ADD_KEY_TEXT = "Add key…"


def star_rect(row: QRect) -> QRect:
    return QRect(row.right() - SIDE_MARGIN - STAR_WIDTH, row.top(), STAR_WIDTH, row.height())


class PickerDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        entry: PickerEntry = index.data(ENTRY_ROLE)
        height = SECTION_HEIGHT if entry is not None and entry.kind == "section" else ROW_HEIGHT
        return QSize(option.rect.width(), height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        entry: PickerEntry = index.data(ENTRY_ROLE)
        if entry is None:
            return
        theme = current_theme()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if entry.kind == "section":
            self._paint_section(painter, option, entry, theme)
        else:
            self._paint_row(painter, option, entry, theme)
        painter.restore()

    def _paint_section(self, painter, option, entry: PickerEntry, theme: Theme) -> None:
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor(theme.faint))
        rect = option.rect.adjusted(SIDE_MARGIN + 10, 8, -12, 0)
        painter.drawText(
            rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, entry.title
        )

    def _paint_row(self, painter, option, entry: PickerEntry, theme: Theme) -> None:
        rect = option.rect.adjusted(SIDE_MARGIN, 1, -SIDE_MARGIN, -1)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if entry.enabled and (selected or hovered):
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(theme.selected if selected else theme.hover))
            painter.drawRoundedRect(rect, 7, 7)
        text_colour = QColor(theme.text if entry.enabled else theme.faint)
        quiet_colour = QColor(theme.muted if entry.enabled else theme.faint)
        middle = Qt.AlignmentFlag.AlignVCenter
        plain_box, mark_box = _columns(rect)

        if entry.current:
            painter.setPen(QColor(theme.accent))
            painter.setFont(option.font)
            check = QRect(rect.left() + 6, rect.top(), CHECK_WIDTH - 6, rect.height())
            painter.drawText(check, middle | Qt.AlignmentFlag.AlignLeft, "✓")
        name_box = QRect(
            rect.left() + CHECK_WIDTH,
            rect.top(),
            mark_box.left() - rect.left() - CHECK_WIDTH - 8,
            rect.height(),
        )
        self._paint_name(painter, option, entry, name_box, text_colour, quiet_colour)

        local = entry.model.is_local if entry.model is not None else False
        self._paint_mark(painter, option, mark_box, local, entry.enabled, theme)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        painter.setFont(small)
        if entry.kind == "add_key":
            painter.setPen(QColor(theme.link))
            link_box = QRect(
                plain_box.left(), rect.top(), rect.right() - plain_box.left() - 8, rect.height()
            )
            painter.drawText(link_box, middle | Qt.AlignmentFlag.AlignRight, ADD_KEY_TEXT)
            return
        assert entry.model is not None
        painter.setPen(quiet_colour)
        words_box = plain_box.adjusted(0, 0, -8, 0)
        words = painter.fontMetrics().elidedText(
            plain_text(entry.model), Qt.TextElideMode.ElideRight, words_box.width()
        )
        painter.drawText(words_box, middle | Qt.AlignmentFlag.AlignRight, words)
        star = star_rect(option.rect)
        painter.setFont(option.font)
        painter.setPen(QColor(theme.accent if entry.favourite else theme.faint))
        if entry.favourite or hovered or selected:
            painter.drawText(
                star,
                middle | Qt.AlignmentFlag.AlignHCenter,
                STAR_ON if entry.favourite else STAR_OFF,
            )

    def _paint_name(self, painter, option, entry, box: QRect, text_colour, quiet_colour) -> None:
        painter.setFont(option.font)
        metrics = option.fontMetrics
        name = metrics.elidedText(entry.title, Qt.TextElideMode.ElideRight, box.width())
        painter.setPen(text_colour)
        painter.drawText(box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, name)
        used = metrics.horizontalAdvance(name) + 10
        # Quiet words after the name: where it is (Favourites, Recent), and "sees images".
        words = " · ".join(w for w in (entry.detail, sees_images_mark(entry.model)) if w)
        if words and used < box.width() - 30:
            painter.setPen(quiet_colour)
            detail_box = box.adjusted(used, 0, 0, 0)
            detail = metrics.elidedText(words, Qt.TextElideMode.ElideRight, detail_box.width())
            painter.drawText(
                detail_box, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, detail
            )

    def _paint_mark(self, painter, option, box: QRect, local: bool, enabled: bool, theme) -> None:
        """A small pill: green “Local” (stays here) or amber “Cloud” (sent away)."""
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 2))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        text = "Local" if local else "Cloud"
        width = painter.fontMetrics().horizontalAdvance(text) + 14
        pill = QRect(box.right() - width - 6, box.center().y() - 9, width, 18)
        if enabled:
            fill = theme.local_badge_bg if local else theme.cloud_badge_bg
            ink = theme.local_badge_fg if local else theme.cloud_badge_fg
        else:
            fill, ink = theme.hover, theme.faint
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(fill))
        painter.drawRoundedRect(pill, 9, 9)
        painter.setPen(QColor(ink))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)


def _columns(rect: QRect) -> tuple[QRect, QRect]:
    """The plain-words and local/cloud mark boxes of a row, right to left."""
    right = rect.right() - STAR_WIDTH
    plain = QRect(right - PLAIN_WIDTH, rect.top(), PLAIN_WIDTH, rect.height())
    mark = QRect(plain.left() - MARK_WIDTH, rect.top(), MARK_WIDTH, rect.height())
    return plain, mark
