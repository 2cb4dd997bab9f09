"""The right-hand pane: one return as 精诚 will get it (or got it).

:class:`SheetPane` is the whole pane — tabs for the sheet (:class:`SheetView`), the exact request body, the 管易云
record and, for a sheet changed after posting, what changed; below them the actions the return's state allows.
It reads everything through one call, :func:`core.sheet_detail.detail`, and only asks for actions through signals.
"""

from __future__ import annotations

import html
import json
from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core import sheet_detail
from core.i18n import t
from core.jingcheng.sheet import HEADER_LABELS
from core.mapping.mapper import Problem
from core.push import Preview
from core.sheet_detail import DetailLine, SheetDetail
from core.states import ReturnState, state_text
from core.timeutil import format_datetime
from core.visible import visible
from ui import state_style
from ui.advice import state_advice
from ui.wrapping_delegate import WrappingDelegate

Index = QModelIndex | QPersistentModelIndex
_BLOCKING = QColor("#3c3c3c")
_WARNING = QColor("#8a5a00")
_LEFT_OUT = QColor("#808080")
_CAPTION = "#5a5a5a"
_FIELD_NAME = "#8a8a8a"
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_BLOCKING_MARK, _WARNING_MARK = "✖", "⚠"
# Where each header field sits in the sheet tab's grid of three columns: (row, column, columns spanned).
_HEADER_PLACES = {"SheetID": (0, 0, 1), "SheetDate": (0, 1, 1), "RedBlue": (0, 2, 1), "CustomerCode": (1, 0, 1),
                  "CustomerName": (1, 1, 2), "Qua": (2, 0, 1), "Amo": (2, 1, 1), "Remark": (3, 0, 3)}
_LINES_ROLE = int(Qt.ItemDataRole.UserRole)  # of a check: the 管易云 line numbers it is about


def _monospace() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def _codes(line: DetailLine) -> str:
    if line.sku_code and line.sku_code != line.item_code:
        return f"{line.item_code} / {line.sku_code}" if line.item_code else line.sku_code
    return line.item_code or line.sku_code


class LinesModel(QAbstractTableModel):
    """The sheet's lines beside the 管易云 lines they come from (and the 管易云 lines left off it, greyed). Every text
    is ready before it reaches the model, so a return of hundreds of lines shows at once."""

    NUMBER, CODES, GOODS_ID, QUA, PRICE, AMO, REMARK = range(7)
    NUMBERS = (NUMBER, QUA, PRICE, AMO)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []
        self._numbers: list[int] = []
        self._left_out: list[bool] = []
        self._tips: list[str] = []
        self._headers = [t("行号", "Line"), t("商品编码 / 规格编码", "Item / SKU code"), "GoodsID", t("数量", "Qty"),
                         t("单价", "Price"), t("金额", "Amount"), t("备注", "Remark")]

    def set_lines(self, lines: tuple[DetailLine, ...], problems: dict[int, list[tuple[str, str]]]) -> None:
        """``problems``: line number -> (mark, text) of each check about it."""
        self.beginResetModel()
        self._rows, self._numbers, self._left_out, self._tips = [], [], [], []
        for line in lines:
            about = problems.get(line.number, ())
            marks = "".join(dict.fromkeys(mark for mark, _ in about))
            number = f"{marks} {line.number}" if marks else str(line.number)
            if line.left_out:  # the reason, in the cells of what the sheet would have had (spanned by the view)
                self._rows.append((number, visible(_codes(line)), line.left_out, "", "", "", ""))
            else:
                # Codes and remarks as typed in 管易云: a control or bidi character shows as its escape.
                self._rows.append((number, visible(_codes(line)), visible(line.goods_id), line.qua, line.price,
                                   line.amo, visible(line.remark)))
            self._numbers.append(line.number)
            self._left_out.append(bool(line.left_out))
            self._tips.append("\n".join(f"{mark} {text}" for mark, text in about))
        self.endResetModel()

    def clear(self) -> None:
        self.set_lines((), {})

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[row][column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in self.NUMBERS else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return _LEFT_OUT if self._left_out[row] else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self._tips[row]
            if column in (self.CODES, self.GOODS_ID, self.REMARK):  # the columns a long text may not fit
                return "\n".join(filter(None, (self._rows[row][column], tip))) or None
            return tip or None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section in self.NUMBERS:
                return _RIGHT
        return None

    def row_of(self, number: int) -> int:
        """The row of 管易云 line ``number``, or -1."""
        try:
            return self._numbers.index(number)
        except ValueError:
            return -1

    def number_at(self, row: int) -> int:
        return self._numbers[row]

    def widest(self, column: int) -> str:
        """The longest text of ``column`` on the sheet's lines (a left-out line's reason spans several columns)."""
        texts = (row[column] for row, left_out in zip(self._rows, self._left_out, strict=True) if not left_out)
        return max(texts, key=len, default="")

    def left_out_rows(self) -> list[int]:
        return [row for row, left_out in enumerate(self._left_out) if left_out]


class SheetView(QWidget):
    """The 单据 tab: the state, the header with its field names, the lines beside their 管易云 lines, and the checks —
    a check about lines selects them in the table when clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.state_icon = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        heading = QHBoxLayout()
        heading.addWidget(self.state_icon, 0, Qt.AlignmentFlag.AlignTop)
        heading.addWidget(self.status, 1)
        layout.addLayout(heading)
        self.basis = QLabel(t("以下是按当前数据生成的单据；已发送的内容见“已发送内容”页，两者的差异见“变更”页。",
                              "Below is the sheet the current data makes; what was sent is on the Body sent tab, the "
                              "differences on the Changes tab."))
        self.basis.setWordWrap(True)
        self.basis.setStyleSheet(f"color: {_CAPTION}")
        self.basis.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.basis.hide()
        layout.addWidget(self.basis)

        self.header_labels: dict[str, QLabel] = {}
        self.header_names: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        for key, (row, column, span) in _HEADER_PLACES.items():
            # The caption above its value: a long SheetID or customer name keeps the width of the cell.
            word = t(*HEADER_LABELS[key])
            name = QLabel(f"<span style='color:{_CAPTION}'>{word}</span>"
                          + (f" <span style='color:{_FIELD_NAME}'>{key}</span>" if word != key else ""))
            name.setTextFormat(Qt.TextFormat.RichText)
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # wrap, never widen
            if key == "Amo":
                bold = value.font()
                bold.setBold(True)
                value.setFont(bold)
            cell = QVBoxLayout()
            cell.setSpacing(0)
            cell.addWidget(name)
            cell.addWidget(value)
            grid.addLayout(cell, row, column, 1, span)
            self.header_names[key] = name
            self.header_labels[key] = value
        for column in range(3):
            grid.setColumnStretch(column, 1)
        layout.addLayout(grid)

        self.lines = LinesModel(self)
        self.lines_view = QTableView()
        self.lines_view.setModel(self.lines)
        self.lines_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_view.setWordWrap(False)
        self.lines_view.setAlternatingRowColors(True)
        self.lines_view.verticalHeader().hide()
        self.lines_view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.lines_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)

        checks = QWidget()
        checks_layout = QVBoxLayout(checks)
        checks_layout.setContentsMargins(0, 0, 0, 0)
        checks_layout.addWidget(QLabel(t("检查结果（点击可定位到对应的行）", "Checks (click one to find its line)")))
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.problems.setItemDelegate(WrappingDelegate(self.problems))
        self.problems.setResizeMode(QListWidget.ResizeMode.Adjust)  # measured again when the pane's width changes
        self.problems.itemClicked.connect(self._select_lines_of)
        self.problems.currentItemChanged.connect(lambda item, _previous: self._select_lines_of(item))
        checks_layout.addWidget(self.problems)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.lines_view)
        split.addWidget(checks)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

    def clear(self) -> None:
        self.status.clear()
        self.state_icon.clear()
        for label in self.header_labels.values():
            label.clear()
        self.basis.hide()
        self.lines.clear()
        self.lines_view.clearSpans()
        self.problems.clear()

    def show_error(self, text: str) -> None:
        self.clear()
        self.status.setText(html.escape(text))

    def show_preview(self, found: Preview) -> None:
        """The sheet ``found`` maps to, its state (with its icon and colour), its lines beside the 管易云 lines, the
        mapping's problems, and what the ledger adds."""
        self.show_detail(sheet_detail.of_preview(found))

    def show_detail(self, detail: SheetDetail) -> None:
        self.setUpdatesEnabled(False)
        try:
            self._show(detail)
        finally:
            self.setUpdatesEnabled(True)

    def _show(self, detail: SheetDetail) -> None:
        self.problems.clear()
        found = detail.preview
        if found is None:
            self.show_error(detail.error)
            return
        mapped = found.mapped
        state = found.state
        note = f" · {html.escape(found.note)}" if found.note else ""
        advice = state_advice(state, found.code)  # what the state asks of the accountant (结果未知: check, then say)
        advice = f"<br><span style='color:{_FIELD_NAME}'>{html.escape(advice)}</span>" if advice else ""
        self.status.setText(f"<b>{html.escape(found.code)}</b> · <span style='color:{state_style.COLOURS[state]}; "
                            f"font-weight:bold'>{state_text(state)}</span>{note}{advice}")
        self.state_icon.setPixmap(state_style.icon(state).pixmap(20, 20))
        self.basis.setVisible(state is ReturnState.CHANGED)
        values = mapped.sheet.as_dict() if mapped.sheet is not None else {}
        for key, label in self.header_labels.items():
            label.setText(visible(str(values.get(key, ""))))

        about: dict[int, list[tuple[str, str]]] = {}
        for mark, colour, prefix, problems in (
            (_BLOCKING_MARK, _BLOCKING, t("不可推送：", "Blocked: "), mapped.blocking),
            (_WARNING_MARK, _WARNING, t("提醒：", "Warning: "), mapped.warnings),
        ):
            for problem in problems:
                self.problems.addItem(self._check_item(mark, colour, prefix, problem))
                for number in problem.lines:
                    about.setdefault(number, []).append((mark, str(problem)))
        if not mapped.blocking and not mapped.warnings:
            self.problems.addItem(QListWidgetItem(t("✔ 映射没有问题。", "✔ The mapping has no problems.")))
        self.lines.set_lines(detail.lines, about)
        self.lines_view.clearSpans()
        for row in self.lines.left_out_rows():
            self.lines_view.setSpan(row, LinesModel.GOODS_ID, 1, LinesModel.REMARK - LinesModel.GOODS_ID + 1)
        self._size_columns()

    @staticmethod
    def _check_item(mark: str, colour: QColor, prefix: str, problem: Problem) -> QListWidgetItem:
        item = QListWidgetItem(f"{mark} {prefix}{visible(str(problem))}")
        item.setForeground(colour)
        item.setData(_LINES_ROLE, list(problem.lines))
        if problem.lines:
            item.setToolTip(t("点击选中表中的对应行", "Click to select its lines in the table"))
        return item

    def _size_columns(self) -> None:
        """Each column as wide as its widest text, measured once per column rather than cell by cell."""
        metrics = self.lines_view.fontMetrics()
        header_metrics = self.lines_view.horizontalHeader().fontMetrics()
        for column in range(LinesModel.REMARK):
            widest = metrics.horizontalAdvance(self.lines.widest(column))
            title = header_metrics.horizontalAdvance(str(self.lines.headerData(column, Qt.Orientation.Horizontal)))
            limit = 220 if column in (LinesModel.CODES, LinesModel.GOODS_ID) else 140
            self.lines_view.setColumnWidth(column, min(max(widest, title) + 16, limit))
        # Stretched, the remark fills what is left; made small first, or it keeps its width and the table scrolls.
        self.lines_view.setColumnWidth(LinesModel.REMARK, 40)

    def _select_lines_of(self, item: QListWidgetItem | None) -> None:
        numbers = item.data(_LINES_ROLE) if item is not None else None
        if not numbers:
            return
        self.select_lines(numbers)

    def select_lines(self, numbers: list[int]) -> None:
        """Select the rows of these 管易云 line numbers and bring the first into view."""
        rows = [row for row in map(self.lines.row_of, numbers) if row >= 0]
        if not rows:
            return
        selection = QItemSelection()
        last = self.lines.columnCount() - 1
        for row in rows:
            selection.select(self.lines.index(row, 0), self.lines.index(row, last))
        selector = self.lines_view.selectionModel()
        selector.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        selector.setCurrentIndex(self.lines.index(rows[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self.lines_view.scrollTo(self.lines.index(rows[0], 0))

    def selected_lines(self) -> list[int]:
        """The 管易云 line numbers of the selected rows, in table order."""
        rows = sorted({index.row() for index in self.lines_view.selectionModel().selectedRows()})
        return [self.lines.number_at(row) for row in rows]


class BodyView(QWidget):
    """The 发送内容 tab: the request body byte for byte, read-only and selectable, with 复制."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.title)
        tools = QHBoxLayout()
        self.which = QComboBox()
        self.which.addItem(t("已发送的内容", "As sent"), "sent")
        self.which.addItem(t("重新推送将发送的内容", "What a re-push would send"), "now")
        self.which.currentIndexChanged.connect(self._refill)
        self.indented = QCheckBox(t("分行显示", "Indent"))
        self.indented.setToolTip(t("只改变显示；复制的始终是原样发送的内容。",
                                   "For reading only: 复制 always copies the body exactly as sent."))
        self.indented.toggled.connect(self._refill)
        self.copy_button = QPushButton(t("复制", "Copy"))
        self.copy_button.setToolTip(t("复制原样的发送内容（UTF-8 JSON）", "Copy the body exactly as sent (UTF-8 JSON)"))
        self.copy_button.clicked.connect(self.copy)
        tools.addWidget(self.which)
        tools.addWidget(self.indented)
        tools.addStretch(1)
        tools.addWidget(self.copy_button)
        layout.addLayout(tools)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setFont(_monospace())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.text.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        layout.addWidget(self.text, 1)
        self._detail: SheetDetail | None = None
        self._both = False  # a body sent and another that a push would send now: the choice is offered

    def clear(self) -> None:
        self._detail, self._both = None, False
        self.title.clear()
        self.text.clear()
        self.which.setVisible(False)
        self.copy_button.setEnabled(False)

    def show_detail(self, detail: SheetDetail) -> None:
        self._detail = detail
        self._both = detail.shows_sent and detail.body_now is not None and detail.body_now != detail.body_sent
        self.which.blockSignals(True)
        self.which.setCurrentIndex(0)
        self.which.blockSignals(False)
        self.which.setVisible(self._both)
        self._refill()

    def _shows_now(self) -> bool:
        return self._both and self.which.currentData() == "now"

    def body(self) -> str:
        """The body shown, exactly as sent (or as it would be sent)."""
        detail = self._detail
        if detail is None:
            return ""
        if self._shows_now():
            return detail.body_now or ""
        return detail.body or ""

    def _refill(self) -> None:
        detail = self._detail
        if detail is None:
            return
        body = self.body()
        now = not detail.shows_sent or self._shows_now()
        if detail.preview is None:
            title = html.escape(detail.error)
        elif not body:
            title = t("按当前数据无法生成精诚单据，没有可发送的内容。",
                      "The current data makes no sheet: nothing to send.")
        elif now:
            title = t("<b>将发送到精诚的内容</b>", "<b>What will be sent to Jingcheng</b>")
        elif detail.state is ReturnState.SENDING:
            title = t("<b>正在发送到精诚的内容</b>", "<b>What is being sent to Jingcheng</b>")
        else:
            title = t("<b>已发送到精诚的内容</b>", "<b>What was sent to Jingcheng</b>")
            entry = detail.preview.entry
            when = entry.posted_at or entry.claimed_at if entry is not None else None
            if when:
                when = format_datetime(when) if isinstance(when, datetime) else str(when)
                title += t(f"（{when} 发送）", f" (sent {when})")
        if body:
            size = len(body.encode("utf-8"))
            title += t(f"<br><span style='color:{_FIELD_NAME}'>请求体，UTF-8 JSON，{size:,} 字节；"
                       "认证信息不在其中。</span>",
                       f"<br><span style='color:{_FIELD_NAME}'>The request body, UTF-8 JSON, {size:,} bytes; "
                       "credentials are not part of it.</span>")
        self.title.setText(title)
        self.copy_button.setEnabled(bool(body))
        shown = body
        if body and self.indented.isChecked():
            shown = json.dumps(json.loads(body), ensure_ascii=False, indent=2)
        self.text.setPlainText(shown)

    def copy(self) -> None:
        body = self.body()
        if body:
            QGuiApplication.clipboard().setText(body)


class ChangesView(QTextBrowser):
    """The 变更 tab: what differs between the sheet sent and the sheet the return maps to now."""

    def show_detail(self, detail: SheetDetail) -> None:
        changes = detail.changes
        parts = [t("<p><b>推送后，管易云中的退货单有了变化。</b>"
                   "左边是已发送到精诚的内容，右边是按当前数据将生成的内容。</p>",
                   "<p><b>The return changed in Guanyi after it was posted.</b> Left: what was sent to Jingcheng; "
                   "right: what the current data makes.</p>")]
        if changes is None:
            parts.append(t("<p>没有已发送内容的记录，无法比较。</p>",
                           "<p>No record of what was sent; nothing to compare.</p>"))
        elif not changes.sheet_now:
            parts.append("<p>" + html.escape(changes.describe()[0]) + "</p>")
        elif not changes:
            parts.append(t("<p>单据内容没有变化，但按当前数据不可推送（原因见“单据”页的检查结果）。</p>",
                           "<p>The sheet itself is unchanged, but the current data blocks it (the checks on the "
                           "Sheet tab say why).</p>"))
        else:
            parts.append(self._table(changes))
        if detail.preview is not None and detail.preview.mapped.blocking:
            parts.append("<p>" + t("当前不可推送：", "Blocked now: ") + "<br>".join(
                html.escape(str(p)) for p in detail.preview.mapped.blocking) + "</p>")
        self.setHtml("".join(parts))

    @staticmethod
    def _table(changes: sheet_detail.SheetChanges) -> str:
        def cell(text: str) -> str:
            return html.escape(text) if text else f"<span style='color:{_FIELD_NAME}'>{t('（空）', '(empty)')}</span>"

        rows = [f"<tr><th align='left' width='30%'>{t('项目', 'Field')}</th>"
                f"<th align='left' width='33%'>{t('已发送', 'Sent')}</th><th width='4%'></th>"
                f"<th align='left' width='33%'>{t('现在', 'Now')}</th></tr>"]
        if changes.header:
            rows.append(f"<tr><td colspan='4'><b>{t('表头', 'Header')}</b></td></tr>")
            for change in changes.header:
                rows.append(f"<tr><td>{html.escape(change.label())}</td><td>{cell(change.old)}</td><td>→</td>"
                            f"<td>{cell(change.new)}</td></tr>")
        kinds = {"added": t("新增", "Added"), "removed": t("删除", "Removed"), "changed": t("变更", "Changed")}
        for change in changes.lines:
            where = t(f"（管易云第 {change.number} 行）", f" (Guanyi line {change.number})") if change.number else ""
            rows.append(f"<tr><td colspan='4'><b>{kinds[change.kind]} {t('明细', 'line')} "
                        f"{html.escape(change.goods_id)}</b>{where}</td></tr>")
            for field in change.fields:
                rows.append(f"<tr><td>&nbsp;&nbsp;{html.escape(field.label(item=True))}</td><td>{cell(field.old)}</td>"
                            f"<td>→</td><td>{cell(field.new)}</td></tr>")
        return "<table width='100%' cellspacing='0' cellpadding='3'>" + "".join(rows) + "</table>"


class SheetPane(QWidget):
    """The right-hand pane of the window for one return (:meth:`show_code`). It changes nothing itself: the actions
    the return's state allows are asked for through :attr:`mark_requested`, :attr:`repush_requested` and
    :attr:`log_requested`, each with the return's code."""

    mark_requested = Signal(str)
    repush_requested = Signal(str)
    log_requested = Signal(str)

    SHEET_TAB, BODY_TAB, RAW_TAB, CHANGES_TAB = range(4)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._code = ""
        self._detail: SheetDetail | None = None
        self._stale: set[int] = set()  # tabs not filled for the return shown yet: filled when first looked at
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.sheet = SheetView()
        self.body_view = BodyView()
        self.raw_view = QPlainTextEdit(readOnly=True)
        self.raw_view.setFont(_monospace())
        self.changes_view = ChangesView()
        self.tabs.addTab(self.sheet, t("单据", "Sheet"))
        self.tabs.addTab(self.body_view, t("发送内容", "Body sent"))
        self.tabs.addTab(self.raw_view, t("管易云原始 JSON", "Guanyi raw JSON"))
        self.tabs.addTab(self.changes_view, t("变更", "Changes"))
        self.tabs.currentChanged.connect(self._fill_tab)
        layout.addWidget(self.tabs, 1)

        actions = QHBoxLayout()
        actions.setContentsMargins(9, 0, 9, 6)
        self.mark_button = QPushButton(t("标记为已推送…", "Mark posted…"))
        self.mark_button.setToolTip(t("在精诚中查到此单后，记下它已入账（可填精诚单号）。",
                                      "Once you found the sheet in Jingcheng, record that it was booked."))
        self.repush_button = QPushButton(t("重新推送…", "Push again…"))
        self.repush_button.setToolTip(t("再次发送到精诚；会先确认，因为精诚可能已有此单。",
                                        "Send it to Jingcheng again; you confirm first, as Jingcheng may hold it."))
        self.changes_button = QPushButton(t("查看变更", "Show changes"))
        self.log_button = QPushButton(t("查看日志", "Show log"))
        self.mark_button.clicked.connect(lambda: self.mark_requested.emit(self._code))
        self.repush_button.clicked.connect(lambda: self.repush_requested.emit(self._code))
        self.changes_button.clicked.connect(lambda: self.tabs.setCurrentIndex(self.CHANGES_TAB))
        self.log_button.clicked.connect(lambda: self.log_requested.emit(self._code))
        for button in (self.mark_button, self.repush_button, self.changes_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.log_button)
        layout.addLayout(actions)
        self.clear()

    @property
    def code(self) -> str:
        """The return shown; "" when none."""
        return self._code

    @property
    def detail(self) -> SheetDetail | None:
        return self._detail

    def clear(self) -> None:
        self._code, self._detail = "", None
        self.sheet.clear()
        self.body_view.clear()
        self.raw_view.clear()
        self.changes_view.clear()
        self.tabs.setTabVisible(self.CHANGES_TAB, False)
        self._stale = set()
        self._show_actions(None)

    def show_code(self, code: str) -> None:
        """Show the return ``code`` as it is now ("" clears the pane). Reads the data file on the calling thread: a
        few milliseconds for a return."""
        if not code:
            self.clear()
            return
        found = sheet_detail.detail(code)
        if found is None:
            self.clear()
            self._code = code
            self.sheet.show_error(t(f"本地没有退货单“{code}”。", f"There is no return '{code}' here."))
            return
        self.show_detail(found)

    def show_detail(self, detail: SheetDetail) -> None:
        """Show a detail read elsewhere (e.g. on a worker)."""
        self._code, self._detail = detail.code, detail
        changed = detail.state is ReturnState.CHANGED
        if not changed and self.tabs.currentIndex() == self.CHANGES_TAB:
            self.tabs.setCurrentIndex(self.SHEET_TAB)
        self.tabs.setTabVisible(self.CHANGES_TAB, changed)
        self.tabs.setTabText(self.BODY_TAB, t("已发送内容", "Body sent") if detail.shows_sent
                             else t("发送内容", "Body to send"))
        self._stale = {self.SHEET_TAB, self.BODY_TAB, self.RAW_TAB, self.CHANGES_TAB}
        self._fill_tab(self.tabs.currentIndex())
        self._show_actions(detail.state)

    def refresh(self) -> None:
        """Show the current return again (its state or data changed)."""
        self.show_code(self._code)

    def _fill_tab(self, index: int) -> None:
        detail = self._detail
        if detail is None or index not in self._stale:
            return
        self._stale.discard(index)
        if index == self.SHEET_TAB:
            self.sheet.show_detail(detail)
        elif index == self.BODY_TAB:
            self.body_view.show_detail(detail)
        elif index == self.RAW_TAB:
            self.raw_view.setPlainText(detail.raw_text)
        elif index == self.CHANGES_TAB:
            self.changes_view.show_detail(detail)

    def _show_actions(self, state: ReturnState | None) -> None:
        self.mark_button.setVisible(state is ReturnState.UNKNOWN)
        self.repush_button.setVisible(state in (ReturnState.UNKNOWN, ReturnState.CHANGED))
        self.changes_button.setVisible(state is ReturnState.CHANGED)
        self.log_button.setVisible(bool(self._code))
