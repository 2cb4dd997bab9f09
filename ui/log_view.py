"""The sync log in the window: every pull, push, decision and export, newest first, found by date range, action,
state and text, or by one return (查看日志 on a row), and written to CSV exactly as shown (SPEC §8, §10).

Built for a log of 100,000 rows and more. The view never holds the whole log: a load reads the first page of the
filter (:mod:`core.synclog`) and how many rows it has, on a worker, so that a search that reads the whole log never
stops the window; more pages are read as the table is scrolled to its end (``canFetchMore``/``fetchMore``). Each load
fixes the last row logged then (``up_to_id``): its pages, its count and its 导出 CSV are the same rows, however much
is logged meanwhile, until the next load (刷新, or a change of a filter).

Usable inside the main window (a tab) or as a window of its own: ``LogView()`` without a parent has a title and a
size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core import export, synclog
from core.cancel import CancelCheck, CancelSource
from core.i18n import t
from core.states import ReturnState, action_text, status_text
from core.synclog import LogFilter, LogRow, PageKey
from core.timeutil import QUICK_RANGES, now_china, quick_range
from ui import state_style, worker
from ui.main_window import title

Index = QModelIndex | QPersistentModelIndex

PAGE_ROWS = synclog.PAGE  # rows a load or a scroll to the end reads
TYPING_PAUSE_MS = 300  # a search or a typed date starts once the typing pauses this long
HINT_STYLE = "color: #8a5a00;"
CHIP_STYLE = ("QPushButton#codeChip { background: #e3eefa; border: 1px solid #8fb3de; border-radius: 10px; "
              "padding: 2px 10px; } QPushButton#codeChip:hover { background: #cfe0f5; }")
_NEWLINE = " ↵ "  # a message's line breaks in its one-line cell; the tooltip keeps them

_DISPLAY, _DECORATION, _FOREGROUND = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole),
                                      int(Qt.ItemDataRole.ForegroundRole))
_TOOLTIP, _ALIGNMENT = int(Qt.ItemDataRole.ToolTipRole), int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@cache
def _blank_icon() -> QIcon:
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)


def _state(status: str) -> ReturnState | None:
    """The state a status is the word of (a sheet's status in the log is said as the state it gives its return)."""
    try:
        return ReturnState(status)
    except ValueError:
        return None


class LogModel(QAbstractTableModel):
    """The rows of a load, newest first, and how many the filter holds: the view asks for more as it scrolls.

    Rows are kept as read (:class:`core.synclog.LogRow`); a cell's text is made when the view asks for it, which is
    for the rows on the screen only, with each action's and status's word looked up once."""

    TIME, ACTION, CODE, STATE, MESSAGE, DURATION, USER = range(7)

    more_wanted = Signal()  # the table reached the last row read: the next page, please (LogView reads it)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[LogRow] = []
        self._more = False  # the filter may hold rows not read yet: the last page read was full
        self._fetching = False  # a next page was asked for and has not come
        self._actions: dict[str, str] = {}  # action -> its word
        self._statuses: dict[str, tuple[str, ReturnState | None]] = {}  # status -> its word and the state it names
        self._headers = [t(zh, en) for zh, en in export.LOG_HEADER]  # the CSV's columns, in its words

    # --- rows -----------------------------------------------------------------------------------------------------

    def set_rows(self, rows: list[LogRow], more: bool) -> None:
        """The first page of a filter; ``more``: it may hold more (the page was full)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._more = more
        self._fetching = False
        self.endResetModel()

    def append_rows(self, rows: list[LogRow], more: bool) -> None:
        """The next page, as asked for by :attr:`more_wanted`; ``more``: the filter may hold more still."""
        self._fetching = False
        self._more = more
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def fetch_failed(self) -> None:
        self._fetching = False

    def last_key(self) -> PageKey | None:
        return synclog.key_of(self._rows[-1]) if self._rows else None

    def row_at(self, row: int) -> LogRow:
        return self._rows[row]

    def text_at(self, row: int, column: int) -> str:
        return self._text(self._rows[row], column)

    # --- what the view asks ---------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._headers)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self.more_wanted.emit()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        return self._value(self._rows[index.row()], index.column(), int(role))

    def multiData(self, index: Index, roles: QModelRoleDataSpan) -> None:
        """Every role the view wants of a cell in one call from Qt into Python, not eight or so."""
        if not index.isValid():
            return
        row, column = self._rows[index.row()], index.column()
        for role_data in roles:
            role_data.setData(self._value(row, column, role_data.role()))

    def _value(self, row: LogRow, column: int, role: int):
        if role == _DISPLAY:
            return self._text(row, column)
        if role == _TOOLTIP and column == self.MESSAGE and row.message:
            return row.message  # whole, line breaks and all: the cell shows what fits
        if column == self.STATE and role in (_DECORATION, _FOREGROUND):
            state = self._status(row.status)[1]
            if role == _DECORATION:
                # A blank beside a status that is no state (成功, 已中止, …): the words stay in one column.
                return _blank_icon() if state is None else state_style.icon(state)
            return None if state is None else state_style.colour(state)
        if role == _ALIGNMENT and column == self.DURATION:
            return _RIGHT
        return None

    def _text(self, row: LogRow, column: int) -> str:
        if column == self.MESSAGE:
            message = row.message
            if "\n" in message or "\r" in message:
                return message.replace("\r\n", "\n").replace("\r", "\n").replace("\n", _NEWLINE)
            return message
        if column == self.TIME:
            return row.time[:19]  # a time stored with a fraction of a second shows to the second
        if column == self.ACTION:
            word = self._actions.get(row.action)
            if word is None:
                word = self._actions[row.action] = action_text(row.action)
            return word
        if column == self.STATE:
            return self._status(row.status)[0]
        if column == self.DURATION:
            return f"{row.duration_ms:,}" if row.duration_ms else ""
        if column == self.CODE:
            return row.code or ""
        return row.os_user

    def _status(self, status: str) -> tuple[str, ReturnState | None]:
        found = self._statuses.get(status)
        if found is None:
            found = self._statuses[status] = (status_text(status), _state(status))
        return found

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section == self.DURATION:
                return _RIGHT
        return None


@dataclass(frozen=True)
class Loaded:
    """What a load read, on a worker."""

    generation: int  # which load: a later one replaces an earlier one still running
    log_filter: LogFilter  # the filter, with the last row logged when it was read
    rows: list[LogRow]  # its first page
    matching: int | None  # its rows in all; None: not counted yet (the page is full)
    total: int  # the log's rows up to the same last row
    actions: list[str]  # the actions and statuses the log holds, for the filters
    statuses: list[str]


def load(generation: int, log_filter: LogFilter) -> Loaded:
    """The first page of the filter, over the log as it is now, and the counts the view says."""
    log_filter = log_filter.replace(up_to_id=synclog.latest_id())
    rows = synclog.page(log_filter, limit=PAGE_ROWS)
    total = synclog.count(LogFilter(up_to_id=log_filter.up_to_id))
    if len(rows) < PAGE_ROWS:
        matching: int | None = len(rows)  # a page not full is every row
    else:
        # Counting a filter reads every row it holds (a text, every row of the log): the rows show first.
        matching = None if log_filter.narrows() else total
    return Loaded(generation, log_filter, rows, matching, total, synclog.actions_present(), synclog.statuses_present())


def _more(generation: int, log_filter: LogFilter, after: PageKey | None) -> tuple[int, list[LogRow]]:
    return generation, synclog.page(log_filter, after, PAGE_ROWS)


def _export(path: str, log_filter: LogFilter, progress: Callable[[object], None], cancel: CancelSource) -> int:
    check = CancelCheck(cancel)

    def report(done: int, total: int) -> None:
        check.raise_if_set()
        progress((done, total))

    # In the order shown: the file reads as the table does.
    return export.export_log(path, log_filter, newest_first=True, progress=report)


class LogView(QWidget):
    """The sync log with its filters, 刷新 and 导出 CSV….

    ``show_code(code)`` shows one return's rows (查看日志 on a row of the returns table); ``refresh()`` reads the log
    again with the filters as they are. ``shown_changed`` is emitted when the rows shown changed (a load or a page);
    ``busy_changed(bool)`` when an export starts and ends: while one runs, :meth:`request_close` asks it to stop.
    """

    shown_changed = Signal()
    busy_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"{t('同步日志', 'Sync log')} - {title()}")
        self._generation = 0  # of the latest load asked for
        self._loading = False  # that load has not come yet
        self._counting = False  # the rows of the latest load are shown, and being counted
        self._shown_filter: LogFilter | None = None  # the filter of the rows shown, with their last row
        self._matching: int | None = 0  # the rows it holds; None until counted
        self._total = 0  # the rows of the log up to the same last row
        self._export: worker.Task | None = None
        self._export_path = ""
        self._on_closed: Callable[[], None] | None = None  # called once an export a close waited for has stopped
        self._close_requested = False
        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.refresh)

        self.model = LogModel(self)
        self.model.more_wanted.connect(self._read_more)
        self._build()
        if parent is None:
            self.resize(1180, 640)
        self.refresh()

    # --- building -------------------------------------------------------------------------------------------------

    def _build(self) -> None:
        today = QDate(now_china().date())  # the log is kept in China time, whatever the PC's zone
        self.date_range = QComboBox()
        self.date_range.addItem(t("全部日期", "All dates"), "all")
        for name, words in QUICK_RANGES.items():
            self.date_range.addItem(t(*words), name)
        self.date_range.addItem(t("自定义", "Custom"), "custom")
        self.date_range.currentIndexChanged.connect(self._range_chosen)
        self.date_from = QDateEdit(today.addDays(-6), calendarPopup=True, displayFormat="yyyy-MM-dd", enabled=False)
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="yyyy-MM-dd", enabled=False)
        self.date_from.dateChanged.connect(lambda: self._date_typed(self.date_from))
        self.date_to.dateChanged.connect(lambda: self._date_typed(self.date_to))

        self.action_filter = QComboBox()
        self.action_filter.addItem(t("全部操作", "All actions"), "")
        self.action_filter.currentIndexChanged.connect(self.refresh)
        self.state_filter = QComboBox()
        self.state_filter.addItem(t("全部状态", "All states"), "")
        self.state_filter.currentIndexChanged.connect(self.refresh)
        for combo in (self.action_filter, self.state_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self.search = QLineEdit(placeholderText=t("搜索单号或消息…", "Search code or message…"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(160)
        self.search.textChanged.connect(lambda: self._typing.start())
        self.search.returnPressed.connect(self.refresh)

        self.code_chip = QPushButton(objectName="codeChip", visible=False)
        self.code_chip.setStyleSheet(CHIP_STYLE)
        self.code_chip.setToolTip(t("只显示这张退货单的日志；点击清除，显示全部单号",
                                    "Only this return's rows; click to show every return"))
        self.code_chip.clicked.connect(self.clear_code)
        self._code = ""

        self.refresh_button = QPushButton(t("刷新", "Refresh"))
        self.refresh_button.setToolTip(t("重新读取日志，包括打开后新记录的",
                                         "Read the log again, with what was logged since"))
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(t("导出 CSV…", "Export CSV…"))
        self.export_button.setToolTip(t("把当前显示的日志（按显示的顺序）导出为 CSV 文件",
                                        "Write the rows shown, in the order shown, to a CSV file"))
        self.export_button.clicked.connect(self.export_csv)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self._size_columns()

        self.count_label = QLabel()
        self.status_label = QLabel()
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar(maximumWidth=220, visible=False)
        self.cancel_button = QPushButton(t("取消", "Cancel"), visible=False)
        self.cancel_button.clicked.connect(self.cancel_export)

        filters = QHBoxLayout()
        filters.addWidget(QLabel(t("日期", "Dates")))
        filters.addWidget(self.date_range)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("–"))
        filters.addWidget(self.date_to)
        filters.addSpacing(8)
        filters.addWidget(self.action_filter)
        filters.addWidget(self.state_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.code_chip)
        filters.addSpacing(8)
        filters.addWidget(self.refresh_button)
        filters.addWidget(self.export_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.status_label)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)

    def _size_columns(self) -> None:
        """Widths from typical texts, once: never from every row (ResizeToContents reads them all)."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        padding = metrics.horizontalAdvance("M") * 2
        widest_action = max((action_text(a) for a in ("pull", "push", "force", "mark", "recover", "export")),
                            key=metrics.horizontalAdvance)
        samples = {
            LogModel.TIME: "2026-12-31 23:59:59",
            LogModel.ACTION: widest_action,
            LogModel.CODE: "RT2026123100001",
            LogModel.STATE: status_text("unknown"),
            LogModel.DURATION: "999,999",
            LogModel.USER: "accountant",
        }
        for column, sample in samples.items():
            text = max(sample, str(self.model.headerData(column, Qt.Orientation.Horizontal)),
                       key=metrics.horizontalAdvance)
            extra = 24 if column == LogModel.STATE else 0  # the state's icon
            header.resizeSection(column, metrics.horizontalAdvance(text) + padding + extra)
        header.setSectionResizeMode(LogModel.MESSAGE, QHeaderView.ResizeMode.Stretch)

    # --- the filter -----------------------------------------------------------------------------------------------

    def current_filter(self) -> LogFilter | None:
        """The filter of the rows shown, with the last row logged when they were read; None before the first load."""
        return self._shown_filter

    def _filter_from_widgets(self) -> LogFilter:
        if self.date_range.currentData() == "all":
            first = last = None
        else:
            first, last = self.date_from.date().toPython(), self.date_to.date().toPython()
        return LogFilter.days(first, last, action=self.action_filter.currentData() or "",
                              status=self.state_filter.currentData() or "", text=self.search.text(), code=self._code)

    def _range_chosen(self) -> None:
        name = self.date_range.currentData()
        custom = name != "all"
        self.date_from.setEnabled(custom)
        self.date_to.setEnabled(custom)
        if name in QUICK_RANGES:
            first, last = quick_range(name, now_china().date())
            for edit, day in ((self.date_from, first), (self.date_to, last)):
                edit.blockSignals(True)
                edit.setDate(QDate(day))
                edit.blockSignals(False)
        self.refresh()

    def _date_typed(self, edit: QDateEdit) -> None:
        # The other end follows, so that the range is never empty by accident.
        if self.date_from.date() > self.date_to.date():
            other = self.date_to if edit is self.date_from else self.date_from
            other.blockSignals(True)
            other.setDate(edit.date())
            other.blockSignals(False)
        self.date_range.blockSignals(True)
        self.date_range.setCurrentIndex(self.date_range.findData("custom"))
        self.date_range.blockSignals(False)
        self._typing.start()

    def show_code(self, code: str) -> None:
        """Show every row of one return, whatever the dates, action, state and text chosen before; the chip above the
        table says so and clears it."""
        self._code = code.strip()
        for combo, value in ((self.date_range, "all"), (self.action_filter, ""), (self.state_filter, "")):
            combo.blockSignals(True)
            combo.setCurrentIndex(combo.findData(value))
            combo.blockSignals(False)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self._show_chip()
        self.refresh()

    def clear_code(self) -> None:
        """Back to every return, the other filters as they are."""
        self._code = ""
        self._show_chip()
        self.refresh()

    def _show_chip(self) -> None:
        self.code_chip.setText(t(f"单号 {self._code}  ✕", f"Code {self._code}  ✕"))
        self.code_chip.setVisible(bool(self._code))

    # --- reading --------------------------------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """The view is still reading for the filters as they are: a load has not come, or waits for typing to pause,
        or the rows shown are being counted."""
        return self._loading or self._counting or self._typing.isActive()

    def refresh(self) -> None:
        """Read the log again with the filters as they are now, on a worker; the rows shown stay until it comes."""
        self._typing.stop()
        self._generation += 1
        self._loading, self._counting = True, False
        generation, log_filter = self._generation, self._filter_from_widgets()
        task = worker.Task(lambda _progress, _cancel: load(generation, log_filter))
        task.signals.finished.connect(self._loaded)
        task.signals.failed.connect(self._load_failed)
        worker.start(task)

    def _loaded(self, loaded: Loaded) -> None:
        if loaded.generation != self._generation:
            return  # a later load replaces it
        self._loading = False
        self._shown_filter, self._total = loaded.log_filter, loaded.total
        self._fill_choices(self.action_filter, loaded.actions, action_text, icons=False)
        self._fill_choices(self.state_filter, loaded.statuses, status_text, icons=True)
        self._matching = loaded.matching
        self.model.set_rows(loaded.rows, more=len(loaded.rows) == PAGE_ROWS)
        if loaded.matching is None:
            self._start_count(loaded.generation, loaded.log_filter)
        self.table.scrollToTop()
        self._count()
        self.shown_changed.emit()

    def _load_failed(self, message: str) -> None:
        self._loading = self._counting = False
        self.count_label.setText(message)
        self.count_label.setStyleSheet(HINT_STYLE)

    def _start_count(self, generation: int, log_filter: LogFilter) -> None:
        self._counting = True
        task = worker.Task(lambda _progress, _cancel: (generation, synclog.count(log_filter)))
        task.signals.finished.connect(self._counted)
        task.signals.failed.connect(self._load_failed)
        worker.start(task)

    def _counted(self, counted: tuple[int, int]) -> None:
        generation, matching = counted
        if generation == self._generation:
            self._counting = False
            self._matching = matching
            self._count()
            self.shown_changed.emit()

    def _read_more(self) -> None:
        if self._shown_filter is None:
            self.model.fetch_failed()
            return
        generation, log_filter, after = self._generation, self._shown_filter, self.model.last_key()
        task = worker.Task(lambda _progress, _cancel: _more(generation, log_filter, after))
        task.signals.finished.connect(self._more_read)
        task.signals.failed.connect(self._more_failed)
        worker.start(task)

    def _more_read(self, more: tuple[int, list[LogRow]]) -> None:
        generation, rows = more
        if generation == self._generation:
            self.model.append_rows(rows, more=len(rows) == PAGE_ROWS)
            self.shown_changed.emit()

    def _more_failed(self, message: str) -> None:
        self.model.fetch_failed()
        self.status_label.setText(message)

    def _fill_choices(self, combo: QComboBox, present: list[str], word: Callable[[str], str], *, icons: bool) -> None:
        """The choices of a filter: 全部 and each value the log holds, the one chosen kept."""
        chosen = combo.currentData() or ""
        values = sorted(set(present) | ({chosen} if chosen else set()), key=lambda value: _choice_order(value, word))
        if [combo.itemData(i) for i in range(1, combo.count())] == values:
            return
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for value in values:
            state = _state(value) if icons else None
            if state is not None:
                combo.addItem(state_style.icon(state), word(value), value)
            else:
                combo.addItem(word(value), value)
        combo.setCurrentIndex(max(0, combo.findData(chosen)))
        combo.blockSignals(False)

    def _count(self) -> None:
        shown, total = self._matching, self._total
        narrowed = self._shown_filter is not None and self._shown_filter.narrows()
        if shown is None:
            read = self.model.rowCount()
            text = t(f"显示 {read}+ 条（正在计数…）/ 共 {total} 条", f"Showing {read}+ (counting…) of {total}")
        elif not total:
            text = t("日志为空", "The log is empty")
        elif narrowed and not shown:
            text = t(f"没有匹配的日志（共 {total} 条）：换个关键词，或选“全部”",
                     f"No row matches ({total} in all): try other words, or “All”")
        elif narrowed:
            text = t(f"显示 {shown} 条 / 共 {total} 条", f"Showing {shown} of {total}")
        else:
            text = t(f"显示 {shown} 条", f"Showing {shown}")
        self.count_label.setText(text)
        self.count_label.setStyleSheet(HINT_STYLE if narrowed and shown == 0 else "")

    # --- export ---------------------------------------------------------------------------------------------------

    @property
    def exporting(self) -> bool:
        return self._export is not None

    def export_csv(self) -> None:
        """Ask where, then write the rows shown — all of them, read or not yet, in the order shown — on a worker."""
        if self._export is not None or self._shown_filter is None:
            return
        log_filter = self._shown_filter
        name = f"returnsync-log-{log_filter.code}-{now_china():%Y%m%d}.csv" if log_filter.code else \
            f"returnsync-log-{now_china():%Y%m%d}.csv"
        path, _ = QFileDialog.getSaveFileName(self, t("导出日志为 CSV", "Export the log as CSV"), name, "CSV (*.csv)")
        if not path:
            return
        self._export_path = path
        task = self._export = worker.Task(lambda progress, cancel: _export(path, log_filter, progress, cancel))
        task.signals.progress.connect(self._export_progress)
        task.signals.finished.connect(self._exported)
        task.signals.failed.connect(self._export_failed)
        task.signals.cancelled.connect(self._export_cancelled)
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)  # while hidden: a bar shown repaints at once when its range resets it
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.status_label.setText(t("正在导出日志…", "Exporting the log…"))
        self.busy_changed.emit(True)
        worker.start(task)

    def cancel_export(self) -> None:
        if self._export is not None:
            self._export.cancel()
            self.cancel_button.setEnabled(False)
            self.status_label.setText(t("正在取消导出…", "Cancelling the export…"))

    def _export_progress(self, progress: tuple[int, int]) -> None:
        done, total = progress
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.status_label.setText(t(f"正在导出日志：{done}/{total}", f"Exporting the log: {done}/{total}"))

    def _exported(self, count: int) -> None:
        self._export_done(t(f"已导出 {count} 行日志到 {self._export_path}",
                            f"Exported {count} log rows to {self._export_path}"))

    def _export_cancelled(self) -> None:
        self._export_done(t("已取消导出，没有写入文件。", "Export cancelled; no file was written."))

    def _export_failed(self, message: str) -> None:
        self._export_done(t("导出失败", "Export failed"))
        if not self._close_requested:
            QMessageBox.critical(self, t("导出失败", "Export failed"), message)

    def _export_done(self, text: str) -> None:
        self._export = None
        self.status_label.setText(text)
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.export_button.setEnabled(True)
        self.busy_changed.emit(False)
        if self._close_requested:
            self._close_requested = False
            closed, self._on_closed = self._on_closed, None
            if closed is not None:
                closed()

    # --- closing --------------------------------------------------------------------------------------------------

    def request_close(self, closed: Callable[[], None]) -> bool:
        """Whether the view may go now. While an export runs it may not: the export is stopped (no file is left) and
        ``closed`` is called once it has."""
        if self._export is None:
            return True
        self._close_requested, self._on_closed = True, closed
        self.cancel_export()
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.request_close(self.close):
            event.ignore()
            return
        super().closeEvent(event)


def _choice_order(value: str, word: Callable[[str], str]) -> tuple:
    """States in the order of the vocabulary, then the other values by their word."""
    state = _state(value)
    return (0, list(ReturnState).index(state), "") if state is not None else (1, 0, word(value))
