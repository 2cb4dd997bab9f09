"""How each state looks: its own colour and its own icon shape, so that no state is told by colour alone.

Colours from the Okabe–Ito palette, which stays apart for the common colour-blindnesses; success is green-blue,
never red; 失败 (a vermillion cross) and 结果未知 (a purple diamond with a question mark) differ in hue and shape.
Icons are painted here, at the screen's pixel ratio, rather than shipped as files.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QIcon, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from core.states import ReturnState

COLOURS: dict[ReturnState, str] = {
    ReturnState.READY: "#0072B2",  # blue
    ReturnState.BLOCKED: "#6B6B6B",  # grey
    ReturnState.SENDING: "#B36B00",  # orange, darkened to read on white
    ReturnState.POSTED: "#007A5A",  # bluish green, darkened
    ReturnState.FAILED: "#D55E00",  # vermillion
    ReturnState.UNKNOWN: "#A0457E",  # reddish purple, darkened
    ReturnState.CHANGED: "#8A6D00",  # dark yellow
}


@cache
def colour(state: ReturnState) -> QColor:
    return QColor(COLOURS[state])


def _paint(painter: QPainter, state: ReturnState, size: float) -> None:
    pen = QPen(colour(state), size / 8, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    m = size / 8  # margin
    box = QRectF(m, m, size - 2 * m, size - 2 * m)
    c = box.center()
    if state is ReturnState.READY:  # an empty circle: waiting to go
        painter.drawEllipse(box)
    elif state is ReturnState.BLOCKED:  # a circle struck through: may not go
        painter.drawEllipse(box)
        painter.drawLine(QPointF(box.left() + m, box.bottom() - m), QPointF(box.right() - m, box.top() + m))
    elif state is ReturnState.SENDING:  # an arrow: on its way
        painter.drawLine(QPointF(box.left(), c.y()), QPointF(box.right(), c.y()))
        painter.drawLine(QPointF(box.right(), c.y()), QPointF(c.x() + m, box.top() + m))
        painter.drawLine(QPointF(box.right(), c.y()), QPointF(c.x() + m, box.bottom() - m))
    elif state is ReturnState.POSTED:  # a tick in a filled disc
        painter.setBrush(QBrush(colour(state)))
        painter.drawEllipse(box)
        painter.setPen(QPen(QColor("white"), size / 7, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        tick = QPainterPath(QPointF(box.left() + 2.2 * m, c.y()))
        tick.lineTo(QPointF(c.x() - m * 0.5, box.bottom() - 2.2 * m))
        tick.lineTo(QPointF(box.right() - 1.8 * m, box.top() + 2.2 * m))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(tick)
    elif state is ReturnState.FAILED:  # a cross
        painter.drawLine(box.topLeft() + QPointF(m, m), box.bottomRight() - QPointF(m, m))
        painter.drawLine(QPointF(box.right() - m, box.top() + m), QPointF(box.left() + m, box.bottom() - m))
    else:  # UNKNOWN: a diamond with "?"; CHANGED: a triangle with "!"
        if state is ReturnState.UNKNOWN:
            shape = QPolygonF([QPointF(c.x(), box.top()), QPointF(box.right(), c.y()), QPointF(c.x(), box.bottom()),
                               QPointF(box.left(), c.y())])
            mark = "?"
        else:
            shape = QPolygonF([QPointF(c.x(), box.top()), QPointF(box.right(), box.bottom()),
                               QPointF(box.left(), box.bottom())])
            mark = "!"
        painter.setBrush(QBrush(colour(state)))
        painter.drawPolygon(shape)
        font = QFont()
        font.setBold(True)
        font.setPixelSize(int(size * 0.55))
        painter.setFont(font)
        painter.setPen(QColor("white"))
        text_box = QRectF(box.left(), box.top() + (m if mark == "!" else 0), box.width(), box.height())
        painter.drawText(text_box, Qt.AlignmentFlag.AlignCenter, mark)


_SIZES = (16, 24, 32, 48)  # crisp at 100 % and at 150–200 % scaling


@cache
def _images(state: ReturnState, selected: bool = False) -> tuple[QImage, ...]:
    """The state's icon painted at each size on images, which any thread may paint (a pixmap only the GUI thread).
    ``selected``: on a white disc, so that it keeps its colour and shape on a selected row's highlight (Qt's own
    selected icon is tinted with the highlight: the blue circle of 待推送 all but vanished on a blue row)."""
    images = []
    for size in _SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("white"))
            painter.drawEllipse(QRectF(0, 0, size, size))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        _paint(painter, state, size)
        painter.end()
        images.append(image)
    return tuple(images)


def prepare() -> None:
    """Paint every state's icon now, off the GUI thread (the app's opening thread does, while the window shows): made
    when the table is built, they took 20 ms of it."""
    for state in ReturnState:  # called as icon() calls it: a cache tells _images(s) from _images(s, False)
        for selected in (False, True):
            _images(state, selected)


@cache
def icon(state: ReturnState) -> QIcon:
    """The state's icon, crisp at 100 % and at 150–200 % scaling, and as clear on a selected row."""
    result = QIcon()
    for selected, mode in ((False, QIcon.Mode.Normal), (True, QIcon.Mode.Selected)):
        for image in _images(state, selected):
            result.addPixmap(QPixmap.fromImage(image), mode)
    return result
