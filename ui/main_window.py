"""The main window: pull (date range, time axis), the returns table with tick boxes, the mapped
精诚 sheet beside it, 推送所选, and the sync-log export. Long work runs on a worker with a
progress bar, a count and 取消."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
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

from core import export, overview, push, settings
from core.cancel import CancelCheck, CancelSource
from core.errors import ReturnSyncError
from core.i18n import t
from core.states import status_text
from core.timeutil import now_china
from ui import pull_job, push_job, worker
from ui.returns_model import ReturnsModel
from ui.settings_dialog import SettingsDialog
from ui.sheet_view import SheetView


class MainWindow(QMainWindow):
    def __init__(self, banner: str = "") -> None:
        super().__init__()
        self.setWindowTitle(t("退货单同步助手", "ReturnSync"))
        self.resize(1280, 760)
        self._task: worker.Task | None = None
        self._pull_started = now_china()
        self._merged: set[str] = set()  # codes of this pull already merged into the table
        self._close_requested = False
        self._load: worker.Task | None = None  # the row load whose rows will be shown
        self._loads: set[worker.Task] = set()  # row loads still running, shown or dropped: close waits for them

        self.model = ReturnsModel(self)
        self.model.checked_changed.connect(self._update_push_button)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)

        self._build_toolbar()
        self._build_body(banner)
        self._build_status()
        self.reload()  # on a worker: the window shows at once and fills when the rows are mapped

    # --- building -------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = QToolBar(t("工具栏", "Toolbar"), self)
        bar.setMovable(False)
        self.addToolBar(bar)
        today = QDate(now_china().date())  # the remote systems keep China time, whatever the PC's zone
        self.date_from = QDateEdit(today.addDays(-6), calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.date_to = QDateEdit(today, calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.axis = QComboBox()
        axes = settings.KEYS["pull.axis"]
        for key in axes.choices:
            self.axis.addItem(axes.choice_label(key), key)
        self.axis.setCurrentIndex(max(0, self.axis.findData(settings.get("pull.axis"))))
        self.all_statuses = QCheckBox(t("含未入库/已取消", "Include unreceived/cancelled"))
        self.pull_button = QPushButton(t("拉取", "Pull"))
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
        bar.addSeparator()
        self.tick_ready_button = QPushButton(t("勾选全部可推送", "Tick all ready"))
        self.tick_ready_button.clicked.connect(self.tick_all_ready)
        self.push_button = QPushButton()
        self.push_button.clicked.connect(self.start_push)
        bar.addWidget(self.tick_ready_button)
        bar.addWidget(QLabel(" "))
        bar.addWidget(self.push_button)
        bar.addSeparator()
        self.export_button = QPushButton(t("导出日志…", "Export log…"))
        self.export_button.clicked.connect(self.export_log)
        bar.addWidget(self.export_button)
        bar.addSeparator()
        self.settings_button = QPushButton(t("设置…", "Settings…"))
        self.settings_button.clicked.connect(self.open_settings)
        bar.addWidget(self.settings_button)
        self._update_push_button()

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

    def open_settings(self) -> None:
        dialog = SettingsDialog(self)
        dialog.exec()
        dialog.deleteLater()
        self.reload()  # mapping rules and value tables decide which rows are ready

    # --- the table and the detail pane ----------------------------------------------------------

    def reload(self) -> None:
        """Reload the table on a worker while the window stays usable. A job running now reloads when it
        ends; a job's reload in progress starts over, so it sees what changed (e.g. the mapping rules)."""
        if self._task is None:
            self._start_load()
        elif self._task is self._load:
            self._task = self._start_load()

    def _start_load(self) -> worker.Task:
        """Map every pulled return on a worker (seconds for tens of thousands); any earlier load is dropped."""
        if self._load is not None:
            self._load.cancel()
        task = worker.Task(lambda _progress, cancel: overview.load_rows(cancel=cancel))
        task.signals.finished.connect(lambda rows: self._on_loaded(task, rows))
        task.signals.failed.connect(lambda message: self._on_loaded(task, None, message))
        task.signals.cancelled.connect(lambda: self._on_loaded(task, None))
        self._load = task
        self._loads.add(task)
        worker.start(task)
        return task

    def _on_loaded(self, task: worker.Task, rows: list[overview.Row] | None, failure: str = "") -> None:
        self._loads.discard(task)
        shown = task is self._load
        if shown:
            self._load = None
            if rows is not None:
                self._show_rows(rows)
        if task is self._task:  # a job's reload: the job is over only now
            self._task = None
            self._busy(False)
        if self._close_requested:
            self.close()
        elif shown and failure:
            QMessageBox.critical(self, self.windowTitle(), failure)

    def _show_rows(self, rows: list[overview.Row]) -> None:
        self.model.set_rows(rows)
        self._count()
        if self.proxy.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _count(self) -> None:
        self.count_label.setText(t(f"共 {self.model.rowCount()} 张退货单", f"{self.model.rowCount()} returns"))

    def _update_push_button(self) -> None:
        count = len(self.model.checked_codes())
        self.push_button.setText(t(f"推送所选（{count}）", f"Push ticked ({count})"))
        self.push_button.setEnabled(count > 0 and self._task is None)

    def tick_all_ready(self) -> None:
        """Tick every ready row that the search leaves visible."""
        visible = {
            self.model.code_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        }
        self.model.set_checked(visible)

    def _show_current(self, current, _previous) -> None:
        self.raw_view.clear()
        self.sheet_view.clear()
        if not current.isValid():
            return
        code = self.model.code_at(self.proxy.mapToSource(current).row())
        text = overview.raw_text(code)
        if text is None:
            return
        self.raw_view.setPlainText(text)
        try:
            found = push.preview(code)
        except ReturnSyncError as exc:  # e.g. a mapping setting that no longer makes sense
            self.sheet_view.status.setText(str(exc))
            return
        self.sheet_view.show_mapped(found.mapped, status_text(found.status))

    # --- long work ------------------------------------------------------------------------------

    def _run(
        self,
        job: worker.Job,
        on_progress: Callable[[object], None],
        on_finished: Callable[[object], None],
        failed_title: str,
        cancelled_text: str,
        starting_text: str,
        reload: bool = True,
    ) -> None:
        """Run ``job`` on a worker with the window busy; when it ends, the table is reloaded (``reload``)."""
        if self._load is not None:  # a reload started before this job: the job's own reload replaces it
            self._load.cancel()
            self._load = None
        self._task = worker.Task(job)
        self._task.signals.progress.connect(on_progress)
        self._task.signals.finished.connect(on_finished)
        self._task.signals.failed.connect(lambda message: self._on_failed(failed_title, message, reload))
        self._task.signals.cancelled.connect(lambda: self._finish(cancelled_text, reload))
        self._busy(True)
        self.progress_label.setText(starting_text)
        worker.start(self._task)

    def _busy(self, busy: bool) -> None:
        for button in (self.pull_button, self.tick_ready_button, self.export_button):
            button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.progress.setRange(0, 0)
        self._update_push_button()

    def _show_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.progress_label.setText(text)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText(t("正在取消…（当前请求结束后停止）", "Cancelling… (after the current request)"))

    def _finish(self, text: str, reload: bool = True) -> None:
        """The job ended. With ``reload`` the window stays busy until the table is reloaded on a worker."""
        self.progress_label.setText(text)
        if reload and not self._close_requested:
            self.cancel_button.setVisible(False)  # nothing left to cancel: only the table is being refreshed
            self.progress.setRange(0, 0)
            self._task = self._start_load()
            return
        self._task = None
        self._busy(False)
        if self._close_requested:
            self.close()

    def _on_failed(self, title: str, message: str, reload: bool = True) -> None:
        self._finish(title, reload)
        QMessageBox.critical(self, title, message)

    # pull

    def start_pull(self) -> None:
        start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        if start > end:
            QMessageBox.warning(
                self, self.windowTitle(), t("开始日期晚于结束日期。", "The start date is after the end date.")
            )
            return
        request = pull_job.PullRequest(
            start=start,
            end=min(end, now_china().date()),
            axis=self.axis.currentData(),
            all_statuses=self.all_statuses.isChecked(),
        )
        self._pull_started, self._merged = now_china(), set()
        self._run(
            lambda progress, cancel: pull_job.pull_job(request, progress, cancel),
            self._on_pull_progress,
            lambda result: self._finish(pull_job.describe_result(result)),
            t("拉取失败", "Pull failed"),
            t("已取消拉取，已拉到的退货单已保存。", "Pull cancelled; what was pulled is kept."),
            t("正在连接管易云…", "Connecting to Guanyi…"),
        )

    def _on_pull_progress(self, progress) -> None:
        # Stored before shown (SPEC §2.4): rows appear once their window is committed, never half a window.
        # Only the rows not merged yet: mapping every row so far on each page would grow with the pull and
        # freeze the window on a long one.
        if progress.stored > len(self._merged):
            fresh = [code for code in overview.pulled_codes(since=self._pull_started) if code not in self._merged]
            self.model.merge(overview.load_rows(codes=fresh))
            self._merged.update(fresh)
            self._count()
        self._show_progress(*pull_job.describe_progress(progress))

    # push

    def start_push(self) -> None:
        codes = self.model.checked_codes()
        if not codes:
            return
        answer = QMessageBox.question(
            self,
            t("推送到精诚", "Post to Jingcheng"),
            t(
                f"将把 {len(codes)} 张单据推送到精诚，每张只推送一次。继续吗？",
                f"Post {len(codes)} sheets to Jingcheng, each exactly once. Go ahead?",
            ),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._run(
            lambda progress, cancel: push_job.push_job(codes, progress, cancel),
            lambda progress: self._show_progress(*push_job.describe_progress(progress)),
            self._on_pushed,
            t("推送失败", "Push failed"),
            t(
                "已取消推送：已发送的单据结果已记录，其余未发送。",
                "Push cancelled: what was sent is recorded, the rest was not sent.",
            ),
            t("正在推送…", "Posting…"),
        )

    def _on_pushed(self, result: push.PushResult) -> None:
        self._finish(result.summary())
        details = push_job.problems(result)
        if details:
            QMessageBox.warning(self, t("部分单据未入账", "Some sheets were not posted"), details)

    # export

    def export_log(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, t("导出同步日志", "Export the sync log"), f"returnsync-log-{now_china():%Y%m%d}.csv", "CSV (*.csv)"
        )
        if not path:
            return
        self._run(
            lambda progress, cancel: _export(path, progress, cancel),
            lambda progress: self._show_progress(*progress, t("正在导出日志…", "Exporting the log…")),
            lambda count: self._finish(
                t(f"已导出 {count} 行日志到 {path}", f"Exported {count} log rows to {path}"), reload=False
            ),
            t("导出失败", "Export failed"),
            t("已取消导出，没有写入文件。", "Export cancelled; no file was written."),
            t("正在导出日志…", "Exporting the log…"),
            reload=False,  # the log changes no return
        )

    def closeEvent(self, event) -> None:
        if self._task is not None or self._loads:
            # Close only once the work has stopped: a sheet on the wire gets its outcome recorded, and no
            # row load still reads the database when the app closes it.
            self._close_requested = True
            self.cancel()
            for task in self._loads:
                task.cancel()
            self.progress_label.setText(
                t("正在停止，当前请求结束后关闭窗口…", "Stopping; the window closes after the current request…")
            )
            event.ignore()
            return
        super().closeEvent(event)


def _export(path: str, progress: Callable[[object], None], cancel: CancelSource) -> int:
    check = CancelCheck(cancel)

    def report(done: int, total: int) -> None:
        check.raise_if_set()
        progress((done, total))

    return export.export_log(path, progress=report)
