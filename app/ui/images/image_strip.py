"""The pictures attached to the message being written: a thumbnail each with × to remove it,
"Preparing…" until it is made safe, "location removed" under a photo that carried one, and a
plain line when a picture could not be attached (damaged, unsupported, too large)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

COMPOSER_THUMB = 72  # px, the longest side of a thumbnail in the composer
_REMOVE_SIZE = 18
# The × sits on the picture's corner, readable on any photo: white on a dark round patch.
_REMOVE_STYLE = (
    "QToolButton#removeImage { background: rgba(0, 0, 0, 150); color: white; border: none;"
    f" border-radius: {_REMOVE_SIZE // 2}px; font-weight: bold; padding: 0; }}"
    " QToolButton#removeImage:hover { background: rgba(180, 30, 30, 220); }"
)
_THUMB_STYLE = (
    "QLabel#attachedThumb { border: 1px solid rgba(0, 0, 0, 40); border-radius: 6px;"
    " background: rgba(0, 0, 0, 12); color: gray; font-size: 10px; }"
)


def paperclip_icon(colour: QColor, size: int = 20) -> QIcon:
    """A paperclip drawn with lines (no emoji font needed, crisp at any scale)."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(colour, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    painter.translate(size / 2, size / 2)
    painter.rotate(40)
    painter.translate(-size / 2, -size / 2)
    s = size / 20
    path = QPainterPath(QPointF(12 * s, 6 * s))
    path.lineTo(12 * s, 15 * s)
    path.arcTo(QRectF(7 * s, 12.5 * s, 5 * s, 5 * s), 0, -180)
    path.lineTo(7 * s, 4.5 * s)
    path.arcTo(QRectF(7 * s, 1 * s, 7 * s, 7 * s), 180, -180)
    path.lineTo(14 * s, 15 * s)
    path.arcTo(QRectF(5 * s, 10.5 * s, 9 * s, 9 * s), 0, -180)
    path.lineTo(5 * s, 7 * s)
    painter.drawPath(path)
    painter.end()
    return QIcon(pixmap)


class AttachedChip(QWidget):
    """One attached picture in the composer."""

    remove_requested = Signal(int)  # the attachment's number

    def __init__(self, number: int, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.setObjectName("attachedImage")
        self.setToolTip(name)
        self.picture = QLabel("Preparing…", self)
        self.picture.setObjectName("attachedThumb")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setFixedSize(QSize(COMPOSER_THUMB, COMPOSER_THUMB))
        self.picture.setStyleSheet(_THUMB_STYLE)
        self.remove_button = QToolButton(self.picture)  # on the picture's top right corner
        self.remove_button.setObjectName("removeImage")
        self.remove_button.setStyleSheet(_REMOVE_STYLE)
        self.remove_button.setFixedSize(_REMOVE_SIZE, _REMOVE_SIZE)
        self.remove_button.move(COMPOSER_THUMB - _REMOVE_SIZE - 3, 3)
        self.remove_button.setText("×")
        self.remove_button.setToolTip(f"Remove {name}")
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self.number))
        self.note = QLabel(self)
        self.note.setObjectName("imageNote")
        self.note.setStyleSheet("color: gray; font-size: 10px;")
        self.note.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(self.note, 0, Qt.AlignmentFlag.AlignHCenter)

    def set_thumbnail(self, image: QImage) -> None:
        if not image.isNull():
            self.picture.setPixmap(QPixmap.fromImage(image))

    def set_ready(self, location_removed: bool) -> None:
        if self.picture.pixmap().isNull():
            self.picture.setText("Ready")
        if location_removed:
            self.note.setText("location removed")
            self.note.setToolTip("The photo said where it was taken; that was taken out of it.")
            self.note.show()

    @property
    def shown_text(self) -> str:
        return " ".join(t for t in (self.picture.text(), self.note.text()) if t)


class AttachmentStrip(QWidget):
    """The row of attached pictures above the composer's words; hidden while empty."""

    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentStrip")
        self.chips: dict[int, AttachedChip] = {}
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(10)
        self._row.addStretch(1)
        self.problem = QLabel(self)
        self.problem.setObjectName("imageProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 6)
        column.setSpacing(4)
        column.addLayout(self._row)
        column.addWidget(self.problem)
        self.hide()

    def add(self, number: int, name: str) -> AttachedChip:
        chip = AttachedChip(number, name, self)
        chip.remove_requested.connect(self.remove_requested)
        self.chips[number] = chip
        self._row.insertWidget(self._row.count() - 1, chip, 0, Qt.AlignmentFlag.AlignTop)
        self.problem.hide()
        self.show()
        return chip

    def remove(self, number: int) -> None:
        chip = self.chips.pop(number, None)
        if chip is not None:
            chip.hide()
            chip.deleteLater()
        self._update_shown()

    def clear(self) -> None:
        for number in list(self.chips):
            self.remove(number)
        self.problem.hide()
        self.hide()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()
        self.show()

    def _update_shown(self) -> None:
        self.setVisible(bool(self.chips) or self.problem.isVisible())
