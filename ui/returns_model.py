"""The returns table: one row per pulled 退货单 (:class:`core.overview.Row`), with a tick box.

Each row carries what the push would decide (mapped and reviewed against the ledger): only a
ready row can be ticked, and the reasons of a blocked one are its tooltip. Rows pulled while a
pull runs are merged in as they are stored — appended with ``beginInsertRows`` or changed in
place — so the table fills window by window without a reset. Loading every row maps every return,
seconds on a large store, so the window runs :func:`core.overview.load_rows` on a worker and hands the rows to
:meth:`ReturnsModel.set_rows` on the GUI thread.
"""

from __future__ import annotations

from dataclasses import astuple

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from core.i18n import t
from core.overview import Row
from core.states import SheetStatus

Index = QModelIndex | QPersistentModelIndex


_COLUMNS = 7
_STATUS_COLOURS = {
    SheetStatus.POSTED: "#1b7f3b",
    SheetStatus.FAILED: "#b3261e",
    SheetStatus.UNKNOWN: "#b3261e",
    SheetStatus.SENDING: "#8a5a00",
}


class ReturnsModel(QAbstractTableModel):
    CODE, LEDGER, STATE, SHOP, RECEIVED, CREATED, PLATFORM = range(_COLUMNS)

    checked_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._index: dict[str, int] = {}
        self._checked: set[str] = set()

    def headers(self) -> list[str]:
        return [
            t("单据编号", "Code"),
            t("推送状态", "Push status"),
            t("单据状态", "State"),
            t("店铺", "Shop"),
            t("入库时间", "Received"),
            t("创建时间", "Created"),
            t("平台单号", "Platform order"),
        ]

    def set_rows(self, rows: list[Row]) -> None:
        """Show exactly ``rows`` (e.g. from :func:`load_rows` run on a worker); ticks stay on ready rows."""
        self.beginResetModel()
        self._rows = list(rows)
        self._index = {row.code: i for i, row in enumerate(self._rows)}
        self.endResetModel()
        self._drop_unready_ticks()

    def merge(self, rows: list[Row]) -> None:
        """Change known rows in place and append new ones."""
        new = []
        for row in rows:
            at = self._index.get(row.code)
            if at is None:
                new.append(row)
            elif self._rows[at] != row:
                self._rows[at] = row
                self.dataChanged.emit(self.index(at, 0), self.index(at, self.columnCount() - 1))
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, row in enumerate(new):
                self._index[row.code] = first + offset
            self._rows.extend(new)
            self.endInsertRows()
        self._drop_unready_ticks()

    def _drop_unready_ticks(self) -> None:
        ready = {row.code for row in self._rows if row.ready}
        if self._checked - ready:
            self._checked &= ready
            self.checked_changed.emit()

    def code_at(self, row: int) -> str:
        return self._rows[row].code

    def checked_codes(self) -> list[str]:
        """Ticked codes, in table order."""
        return [row.code for row in self._rows if row.code in self._checked]

    def set_checked(self, codes: set[str]) -> None:
        """Tick exactly ``codes`` among the ready rows."""
        self._checked = {row.code for row in self._rows if row.ready and row.code in codes}
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))
        self.checked_changed.emit()

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if index.isValid() and index.column() == self.CODE and self._rows[index.row()].ready:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or index.column() != self.CODE:
            return False
        row = self._rows[index.row()]
        if not row.ready:
            return False
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self._checked.add(row.code)
        else:
            self._checked.discard(row.code)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.checked_changed.emit()
        return True

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else _COLUMNS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            return astuple(row)[column]
        if role == Qt.ItemDataRole.CheckStateRole and column == self.CODE and row.ready:  # no box: cannot post
            return Qt.CheckState.Checked if row.code in self._checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole and column in (self.CODE, self.LEDGER) and row.reasons:
            return row.reasons
        if role == Qt.ItemDataRole.ForegroundRole and column == self.LEDGER:
            colour = _STATUS_COLOURS.get(row.status) or (None if row.ready else "#6b6b6b")
            return QBrush(QColor(colour)) if colour else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None
