"""What a pull or a push came to: a short message (counts) over a details list that scrolls, so a push of hundreds
of sheets gives a box that fits the screen, not one line a sheet down past its bottom."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from core.i18n import t

_MOST_LINES_SHOWN = 12  # the list is as tall as this many lines at most, then it scrolls
_WIDTH = 600


class SummaryDialog(QDialog):
    def __init__(self, window_title: str, text: str, details: Sequence[str], *, problem: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(window_title)
        icon = QLabel()
        kind = QStyle.StandardPixmap.SP_MessageBoxWarning if problem else QStyle.StandardPixmap.SP_MessageBoxInformation
        icon.setPixmap(self.style().standardIcon(kind).pixmap(32, 32))
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.details = QListWidget()
        self.details.setWordWrap(True)
        self.details.setUniformItemSizes(False)
        self.details.addItems(list(details))
        self.details.setVisible(bool(details))
        # As tall as its lines once wrapped at the dialog's width, up to a dozen; then it scrolls.
        metrics = self.details.fontMetrics()
        room = _WIDTH - 80  # the dialog's margins, the list's frame and its scroll bar
        wrapped = sum(-(-max(metrics.horizontalAdvance(text), 1) // room) for text in details[:_MOST_LINES_SHOWN])
        shown = min(_MOST_LINES_SHOWN, max(wrapped, 1))
        self.details.setFixedHeight(metrics.lineSpacing() * shown + 6 * min(len(details), shown)
                                    + 2 * self.details.frameWidth() + 4)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t("确定", "OK"))
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.text, 1)
        layout.addLayout(top)
        if details:
            layout.addWidget(QLabel(t(f"明细（{len(details)} 条）：", f"Details ({len(details)}):")))
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(_WIDTH, self.sizeHint().height())


def show_summary(parent: QWidget, window_title: str, text: str, details: Sequence[str], *,
                 problem: bool = False) -> None:
    dialog = SummaryDialog(window_title, text, details, problem=problem, parent=parent)
    dialog.exec()
    dialog.deleteLater()

