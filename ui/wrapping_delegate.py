"""Rows of a list that wrap their text over as many lines as it needs.

Qt's own size hint for a wrapped item is exactly the height of its lines, with no room around them; painting a check
that mixes Latin and Chinese at 100 %, Qt then found its last line did not fit and cut the text before it off with
"…" (seen in the sheet pane's checks, in English). Here the item is the height of the same line-by-line layout the
painting makes, at its width, and the style's focus margin above and below.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QFont, QTextLayout, QTextOption
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem


def wrapped_height(text: str, font: QFont, width: int) -> int:
    """The height of ``text`` laid out in lines at most ``width`` wide, broken between words, as an item view paints
    it."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    height = 0.0
    layout.beginLayout()
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        height += line.height()
    layout.endLayout()
    return math.ceil(height)


def text_width(view: QAbstractItemView) -> int:
    """The width an item's text is painted in: the view's, less the style's margin on either side."""
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return max(1, view.viewport().width() - 2 * margin)


class WrappingDelegate(QStyledItemDelegate):
    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        return QSize(size.width(), max(size.height(), item_height(self._view, text, option.font)))


def item_height(view: QAbstractItemView, text: str, font: QFont) -> int:
    """An item's height for ``text`` wrapped at the view's width: its lines and the focus margin above and below."""
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameVMargin, None, view) + 1
    return wrapped_height(text, font, text_width(view)) + 2 * margin
