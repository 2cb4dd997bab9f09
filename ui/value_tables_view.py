"""The value tables of the mapping (shop → customer, goods code → GoodsID) as editable tables.

Every edit goes straight to the database through core.value_tables, which checks each cell and logs each
change; an import or export goes through core.mapping.tables_csv. So the tables do not wait for the dialog's
Save, and the tab says so.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.errors import ConfigError
from core.i18n import t
from core.mapping import tables_csv, value_tables
from core.mapping.value_tables import Table
from ui.settings_fields import ERROR_STYLE, OK_STYLE

MERGE, REPLACE = "merge", "replace"
AnyIndex = QModelIndex | QPersistentModelIndex


class ValueTableModel(QAbstractTableModel):
    """The rows of one table, ordered by key; ``failed`` carries the sentence of a refused edit."""

    failed = Signal(str)

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self._rows: list[dict[str, str]] = []
        self._names = [column.name for column in table.columns]

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = value_tables.list_rows(self.table)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._names)

    def key_at(self, row: int) -> str:
        return self._rows[row][self.table.key.name]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._rows[index.row()][self._names[index.column()]]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _capitalised(self.table.columns[section].label())
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        old = self._rows[index.row()]
        new = dict(old)
        new[self._names[index.column()]] = str(value).strip()
        if new == old:
            return True
        try:
            stored = value_tables.change_row(self.table, old[self.table.key.name], new)
        except ConfigError as exc:
            self.failed.emit(str(exc))
            return False
        self._rows[index.row()] = stored
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(self._names) - 1))
        return True

    def put(self, values: dict[str, str]) -> bool:
        """Add a row, or change the one of the same key; True when it was new. Raises ConfigError."""
        created = value_tables.set_row(self.table, values)
        row, _ = value_tables.check_row(self.table, values)
        keys = [existing[self.table.key.name] for existing in self._rows]
        key = row[self.table.key.name]
        if created:
            # Kept in key order, as a reload would give (the view sorts on its own anyway).
            position = bisect.bisect_left(keys, key)
            self.beginInsertRows(QModelIndex(), position, position)
            self._rows.insert(position, row)
            self.endInsertRows()
        elif key in keys:
            position = keys.index(key)
            self._rows[position] = row
            self.dataChanged.emit(self.index(position, 0), self.index(position, len(self._names) - 1))
        else:  # added meanwhile by someone else (the command line): show the table as it is now
            self.reload()
        return created

    def remove(self, rows: list[int]) -> int:
        """Delete these rows (all or none); return how many."""
        value_tables.delete_rows(self.table, [self.key_at(row) for row in rows])
        for row in sorted(rows, reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        return len(rows)


class _EnterKey(QObject):
    """Enter in a line of the pane does the pane's action (or nothing) instead of pressing the dialog's Save:
    a line edit passes Enter on to its dialog, which would save and close it."""

    def __init__(self, action: Callable[[], None] | None, parent: QObject) -> None:
        super().__init__(parent)
        self._action = action

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._action is not None:
                self._action()
            return True
        return False


def _capitalised(label: str) -> str:
    # The core's English labels are written for the middle of a sentence; a heading starts with a capital.
    return label[:1].upper() + label[1:]


def ask_import_mode(parent: QWidget, table: Table) -> str | None:
    """Merge the file into the table, or make the table the file; ``None`` when the user backs out."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(t("导入 CSV", "Import CSV"))
    box.setText(t(f"如何导入到{table.zh}？", f"How should the file go into the {table.en}?"))
    box.setInformativeText(t(
        "合并：文件中的编码新增或更新，表中其他行保留。\n替换：表中只留下文件里的行。",
        "Merge: codes in the file are added or updated; other rows stay.\nReplace: the table keeps only "
        "the rows of the file.",
    ))
    merge = box.addButton(t("合并", "Merge"), QMessageBox.ButtonRole.AcceptRole)
    replace = box.addButton(t("替换", "Replace"), QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(merge)
    box.exec()
    clicked = box.clickedButton()
    return MERGE if clicked is merge else REPLACE if clicked is replace else None


class ValueTablePane(QWidget):
    """One table: search, the rows, a line to add one, delete, import and export."""

    def __init__(self, table: Table, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self.model = ValueTableModel(table, self)
        self.model.failed.connect(self._fail)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)

        title = QLabel(f"<b>{_capitalised(table.label())}</b>")
        self.count = QLabel()
        self.search = QLineEdit(placeholderText=t("搜索…", "Search…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)

        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.new_edits = {
            column.name: QLineEdit(placeholderText=_capitalised(column.label())) for column in table.columns
        }
        self.add_button = QPushButton(t("添加或修改", "Add or change"))
        self.add_button.clicked.connect(self.add_row)
        self.delete_button = QPushButton(t("删除所选", "Delete selected"))
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button = QPushButton(t("导入 CSV…", "Import CSV…"))
        self.import_button.clicked.connect(self.import_csv)
        self.export_button = QPushButton(t("导出 CSV…", "Export CSV…"))
        self.export_button.clicked.connect(self.export_csv)
        self.status = QLabel(wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.count)
        add = QHBoxLayout()
        for edit in self.new_edits.values():
            add.addWidget(edit, 1)
        self.search.installEventFilter(_EnterKey(None, self))
        adds = _EnterKey(self.add_row, self)
        for edit in self.new_edits.values():
            edit.installEventFilter(adds)
        add.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addLayout(add)
        layout.addLayout(buttons)
        layout.addWidget(self.status)

        for signal in (self.model.modelReset, self.model.rowsInserted, self.model.rowsRemoved):
            signal.connect(self._count)
        self.model.reload()

    def _count(self) -> None:
        self.count.setText(t(f"{self.model.rowCount()} 行", f"{self.model.rowCount()} rows"))

    def _say(self, text: str, style: str = OK_STYLE) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

    def _fail(self, message: str) -> None:
        self._say("✖ " + message, ERROR_STYLE)

    def add_row(self) -> None:
        values = {name: edit.text() for name, edit in self.new_edits.items()}
        try:
            created = self.model.put(values)
        except ConfigError as exc:
            self._fail(str(exc))
            return
        key = values[self.table.key.name].strip()
        self._say(t(f"已{'新增' if created else '修改'} {key}。", f"{'Added' if created else 'Changed'} {key}."))
        for edit in self.new_edits.values():
            edit.clear()
        self.new_edits[self.table.key.name].setFocus()

    def delete_selected(self) -> None:
        rows = sorted({self.proxy.mapToSource(index).row() for index in self.view.selectionModel().selectedRows()})
        if not rows:
            self._fail(t("请先选中要删除的行。", "Select the rows to delete first."))
            return
        keys = [self.model.key_at(row) for row in rows]
        shown = "、".join(keys[:5]) + (t(f" 等 {len(keys)} 行", f" and {len(keys) - 5} more") if len(keys) > 5 else "")
        answer = QMessageBox.question(
            self,
            t("删除对照", "Delete mappings"),
            t(f"从{self.table.zh}删除 {shown}？", f"Delete {shown} from the {self.table.en}?"),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        count = self.model.remove(rows)
        self._say(t(f"已删除 {count} 行。", f"Deleted {count} rows."))

    def import_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, t(f"导入{self.table.zh}", f"Import the {self.table.en}"), "", "CSV (*.csv);;* (*)"
        )
        if not path:
            return
        mode = ask_import_mode(self, self.table)
        if mode is None:
            return
        try:
            result = tables_csv.import_csv(self.table, path, replace=mode == REPLACE)
        except ConfigError as exc:
            self._fail(t("未导入，详见提示。", "Not imported; see the message."))
            QMessageBox.warning(self, t("导入失败", "Import failed"), str(exc))
            return
        self.model.reload()
        changes = result.changes
        self._say(t(
            f"已导入 {result.rows} 行（{result.encoding}）：新增 {changes.added}，修改 {changes.changed}，"
            f"未变 {changes.unchanged}，删除 {changes.removed}。",
            f"Imported {result.rows} rows ({result.encoding}): {changes.added} added, {changes.changed} changed, "
            f"{changes.unchanged} unchanged, {changes.removed} removed.",
        ))

    def export_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, t(f"导出{self.table.zh}", f"Export the {self.table.en}"), f"{self.table.name}.csv", "CSV (*.csv)"
        )
        if not path:
            return
        try:
            count = tables_csv.export_csv(self.table, path)
        except ConfigError as exc:
            self._fail(str(exc))
            return
        self._say(t(f"已导出 {count} 行到 {path}。", f"Exported {count} rows to {path}."))


class ValueTablesTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        note = QLabel(t(
            "对照表的修改、删除和导入立即生效，不需要点“保存”，点“取消”也不会撤销。双击单元格即可修改。",
            "Changes, deletions and imports of the value tables take effect at once: they need no Save, and "
            "Cancel does not undo them. Double-click a cell to edit it.",
        ), wordWrap=True)
        self.shops = ValueTablePane(value_tables.SHOPS)
        self.goods = ValueTablePane(value_tables.GOODS)
        panes = QHBoxLayout()
        panes.addWidget(self.shops, 3)
        panes.addSpacing(12)
        panes.addWidget(self.goods, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(panes, 1)
