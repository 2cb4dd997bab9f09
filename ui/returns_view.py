"""The returns table with what finds rows in it: the search box, the state filter, "显示 x / 共 y" and the hint when
nothing matches. Sorting and filtering happen in the model (:mod:`ui.returns_model`); this keeps the selection on
the same return across them, and sizes the columns once, from a sample of rows.
"""

from __future__ import annotations

import heapq

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.i18n import t
from core.overview import Row
from core.states import ReturnState, state_text
from ui import state_style
from ui.returns_model import ReturnsModel, RowSet

HINT_STYLE = "color: #8a5a00;"
_SAMPLE = 200  # rows whose texts size the columns
_MEASURED = 5  # of each column's texts, the longest measured: wide characters make some a little wider than others
_WIDEST = {ReturnsModel.NOTE: 360, ReturnsModel.SHOP: 180}


class ReturnsTable(QWidget):
    current_changed = Signal(str)  # the code of the current row, "" when there is none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ReturnsModel(self)
        self._sized = False
        # The first row is selected, and its sheet mapped for the pane, in a turn of the event loop of its own: by a
        # timer — a queued call (QTimer.singleShot(0, …)) would run in the turn the rows arrive in, and the window
        # would wait for the two together.
        self._select_soon = QTimer(self, singleShot=True, interval=0)
        self._select_soon.timeout.connect(self._select_first)

        self.search = QLineEdit(placeholderText=t("搜索单据编号、店铺、平台单号、原因…",
                                                  "Search code, shop, platform order, reason…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.state_filter = QComboBox()
        self.state_filter.addItem(t("全部状态", "All states"), None)
        for state in ReturnState:
            self.state_filter.addItem(state_style.icon(state), state_text(state), state)
        self.state_filter.currentIndexChanged.connect(self._filter)
        self.count_label = QLabel()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # never ResizeToContents: it reads every row
        header.setStretchLastSection(True)
        header.setSortIndicator(ReturnsModel.RECEIVED, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.model.shown_changed.connect(self._count)
        self.model.modelAboutToBeReset.connect(self._remember_current)
        self.model.modelReset.connect(self._restore_current)
        # A sort moves the selected return somewhere among 50,000: the view follows it, as the sheet beside it does.
        self.model.layoutChanged.connect(self._show_current_row)
        self._kept = ""
        self._told: str | None = None  # the return last said to be current

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.state_filter)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._count()

    # --- rows -----------------------------------------------------------------------------------------------------

    def set_rows(self, rows: list[Row] | RowSet) -> None:
        self._told = None  # every row read anew: the current one's sheet too
        self.model.set_rows(rows)
        self._size_columns()
        self._select_soon.start()  # two short waits of the window, not one long one

    def _select_first(self) -> None:
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def update_rows(self, rows: list[Row]) -> None:
        self.model.update_rows(rows)
        self._size_columns()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def restore_header(self, state) -> bool:
        """The columns' widths, order and sort as saved; the widths then stay as they were, not sized anew."""
        header = self.table.horizontalHeader()
        restored = header.restoreState(state)
        self._sized = self._sized or restored
        if restored:  # widths kept in one language may not hold another's headers: each at least its own
            for column in range(self.model.columnCount()):
                header.resizeSection(column, max(header.sectionSize(column), self._header_width(column)))
        return restored

    def _header_width(self, column: int) -> int:
        """Room for a column's header text, the sort arrow beside it and a margin."""
        metrics = self.table.horizontalHeader().fontMetrics()
        text = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
        return metrics.horizontalAdvance(text) + metrics.horizontalAdvance("M") * 2

    def current_code(self) -> str:
        index = self.table.currentIndex()
        return self.model.code_at(index.row()) if index.isValid() else ""

    def select_code(self, code: str) -> bool:
        row = self.model.shown_row_of(code)
        if row < 0:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._tell_current(self.model.code_at(current.row()) if current.isValid() else "")

    def _tell_current(self, code: str) -> None:
        """Say which return is current when it is another one: a filter or a sort selects the same return again after
        the reset, and its sheet need not be mapped again (the window shows a changed row again itself)."""
        if code != self._told:
            self._told = code
            self.current_changed.emit(code)

    def _show_current_row(self) -> None:
        current = self.table.currentIndex()
        if current.isValid():
            self.table.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _remember_current(self) -> None:
        # A search that matches nothing leaves no current row: the one before it is selected again once it shows.
        self._kept = self.current_code() or self._kept

    def _restore_current(self) -> None:
        # A reset (a filter, a new load) forgets the selection: the same return is selected again if still shown.
        if not (self._kept and self.select_code(self._kept)):
            self._tell_current("")

    # --- finding rows ---------------------------------------------------------------------------------------------

    def _filter(self) -> None:
        self.model.set_filter(self.state_filter.currentData(), self.search.text())

    def _count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total_rows()
        if total and not shown:
            self.count_label.setText(t(f"没有匹配的退货单（共 {total} 张）：换个关键词，或把状态选为“全部状态”",
                                       f"No return matches ({total} in all): try other words, or “All states”"))
            self.count_label.setStyleSheet(HINT_STYLE)
        else:
            self.count_label.setText(t(f"显示 {shown} / 共 {total}", f"Showing {shown} of {total}"))
            self.count_label.setStyleSheet("")

    def _size_columns(self) -> None:
        """Widths from the header and a sample of rows, once: measuring every row on every change is what froze
        the window with tens of thousands of rows. After that the user's widths stay."""
        if self._sized or not self.model.rowCount():
            return
        self._sized = True
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        rows = range(min(_SAMPLE, self.model.rowCount()))
        padding = metrics.horizontalAdvance("M") * 2
        for column in range(self.model.columnCount()):
            texts = heapq.nlargest(_MEASURED, {self.model.text_at(row, column) for row in rows}, key=len)
            width = max([metrics.horizontalAdvance(text) + padding for text in texts] + [self._header_width(column)])
            if column == ReturnsModel.STATE:
                width += 40  # the tick box and the icon
            header.resizeSection(column, min(width, _WIDEST.get(column, 240)))
