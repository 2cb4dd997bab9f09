"""The main window: toolbar (date range, time axis, 拉取, 取消), the returns table, the detail pane."""

from __future__ import annotations

import json

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core import ledger, push, settings
from core.errors import ReturnSyncError
from core.i18n import t
from core.store import ReturnRecord
from core.timeutil import now_china
from ui import worker
from ui.pull_job import PullRequest, describe_progress, describe_result, pull_job
from ui.returns_model import ReturnsModel, load_rows
from ui.sheet_view import SheetView

AXES = (("receive", "入库时间", "Received"), ("modify", "修改时间", "Modified"), ("create", "创建时间", "Created"))


class MainWindow(QMainWindow):
    def __init__(self, banner: str = "") -> None:
        super().__init__()
        self.setWindowTitle(t("退货单同步助手", "ReturnSync"))
        self.resize(1280, 760)
        self._task: worker.Task | None = None
        self._pull_started = now_china()

        self.model = ReturnsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)

        self._build_toolbar()
        self._build_body(banner)
        self._build_status()
        self.reload()

    def _build_toolbar(self) -> None:
        bar = QToolBar(t("拉取", "Pull"), self)
        bar.setMovable(False)
        self.addToolBar(bar)
        today = QDate(now_china().date())  # the remote systems keep China time, whatever the PC's zone
        self.date_from = QDateEdit(today.addDays(-6), calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.axis = QComboBox()
        for key, zh, en in AXES:
            self.axis.addItem(t(zh, en), key)
        self.axis.setCurrentIndex(max(0, self.axis.findData(settings.get("pull.axis"))))
        self.all_statuses = QCheckBox(t("含未入库/已取消", "Include unreceived/cancelled"))
        self.pull_button = QPushButton(t("拉取", "Pull"))
        self.pull_button.setDefault(True)
        self.pull_button.clicked.connect(self.start_pull)
        for label, widget in (
            (t("从", "From"), self.date_from),
            (t("到", "To"), self.date_to),
            (t("时间类型", "Time axis"), self.axis),
        ):
            bar.addWidget(QLabel(f" {label} "))
            bar.addWidget(widget)
        bar.addWidget(QLabel(" "))
        bar.addWidget(self.all_statuses)
        bar.addWidget(QLabel(" "))
        bar.addWidget(self.pull_button)

    def _build_body(self, banner: str) -> None:
        central = QWidget(self)
        layout = QVBoxLayout(central)
        if banner:
            self.banner = QLabel(banner)
            self.banner.setWordWrap(True)
            self.banner.setObjectName("demoBanner")
            self.banner.setStyleSheet("#demoBanner { background: #fff4d6; border: 1px solid #e6c36a; padding: 6px; }")
            layout.addWidget(self.banner)
        self.search = QLineEdit(
            placeholderText=t("搜索单据编号、店铺、平台单号…", "Search code, shop, platform order…")
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout.addLayout(top)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.sortByColumn(ReturnsModel.RECEIVED, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().currentRowChanged.connect(self._show_current)

        self.sheet_view = SheetView()
        self.raw_view = QPlainTextEdit(readOnly=True)
        self.detail_tabs = QTabWidget()
        self.detail_tabs.addTab(self.sheet_view, t("精诚单据", "Jingcheng sheet"))
        self.detail_tabs.addTab(self.raw_view, t("原始 JSON", "Raw JSON"))

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail_tabs)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

    def _build_status(self) -> None:
        self.progress = QProgressBar(maximumWidth=260, visible=False)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton(t("取消", "Cancel"), visible=False)
        self.cancel_button.clicked.connect(self.cancel)
        status = self.statusBar()
        status.addWidget(self.progress_label, 1)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)

    def reload(self) -> None:
        self.model.reload()
        self._count()

    def _count(self) -> None:
        self.count_label.setText(t(f"共 {self.model.rowCount()} 张退货单", f"{self.model.rowCount()} returns"))
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _show_current(self, current, _previous) -> None:
        self.raw_view.clear()
        self.sheet_view.clear()
        if not current.isValid():
            return
        code = self.model.code_at(self.proxy.mapToSource(current).row())
        record = ReturnRecord.get_or_none(ReturnRecord.code == code)
        if record is None:
            return
        self.raw_view.setPlainText(json.dumps(json.loads(record.raw_json), ensure_ascii=False, indent=2))
        try:
            found = push.preview(code)
        except ReturnSyncError as exc:  # e.g. a mapping setting that no longer makes sense
            self.sheet_view.status.setText(str(exc))
            return
        self.sheet_view.show_mapped(found.mapped, ledger.status_text(found.status))

    def _busy(self, busy: bool) -> None:
        self.pull_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress.setRange(0, 0)

    def start_pull(self) -> None:
        start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        if start > end:
            QMessageBox.warning(
                self, self.windowTitle(), t("开始日期晚于结束日期。", "The start date is after the end date.")
            )
            return
        request = PullRequest(
            start=start,
            end=min(end, now_china().date()),
            axis=self.axis.currentData(),
            all_statuses=self.all_statuses.isChecked(),
        )
        self._task = worker.Task(lambda progress, cancel: pull_job(request, progress, cancel))
        self._task.signals.progress.connect(self._on_progress)
        self._task.signals.finished.connect(self._on_pulled)
        self._task.signals.failed.connect(self._on_failed)
        self._task.signals.cancelled.connect(self._on_cancelled)
        self._pull_started = now_china()
        self._busy(True)
        self.progress_label.setText(t("正在连接管易云…", "Connecting to Guanyi…"))
        worker.start(self._task)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText(t("正在取消…", "Cancelling…"))

    def _on_progress(self, progress) -> None:
        # Stored before shown (SPEC §2.4): each page is in the database before this signal.
        self.model.merge(load_rows(since=self._pull_started))
        self._count()
        done, total, text = describe_progress(progress)
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress_label.setText(text)

    def _finish(self, text: str) -> None:
        self._task = None
        self._busy(False)
        self.progress_label.setText(text)
        self.reload()

    def _on_pulled(self, result) -> None:
        self._finish(describe_result(result))

    def _on_cancelled(self) -> None:
        self._finish(t("已取消拉取，已拉到的退货单已保存。", "Pull cancelled; what was pulled is kept."))

    def _on_failed(self, message: str) -> None:
        self._finish(t("拉取失败。", "Pull failed."))
        QMessageBox.critical(self, t("拉取失败", "Pull failed"), message)

    def closeEvent(self, event) -> None:
        if self._task is not None:
            self._task.cancel()
        super().closeEvent(event)
