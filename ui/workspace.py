"""What fills the main window once the app is open: the toolbar (date range with quick choices, time axis, 拉取,
勾选全部可推送, 推送所选, 导出日志, 设置), the returns table with tick boxes, the mapped 精诚 sheet beside it, and the
status bar. Long work runs on a worker with a progress bar, a count and 取消; the table is loaded, and reviewed
again after a change of rules, in the background, and changes row by row."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QLabel,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStatusBar,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import credentials, overview, settings
from core.app import data_folder
from core.errors import ReturnSyncError
from core.i18n import t
from core.states import ReturnState, SheetStatus
from core.timeutil import QUICK_RANGES, now_china, quick_range
from ui import row_actions, summaries, table_jobs, worker
from ui.advice import window_message
from ui.eliding_label import ElidingLabel
from ui.main_window import title
from ui.returns_view import ReturnsTable
from ui.sheet_view import SheetPane
from ui.window_state import WindowState

if TYPE_CHECKING:  # loaded when first needed: the window fills its table without them (and without the keyring)
    from core.push import PushResult
    from ui.first_run import FirstRunGuide
    from ui.log_view import LogView
    from ui.pull_job import Pulled
    from ui.summary_dialog import SummaryDialog

# How often the rows and the progress that work reports reach the window, at most.
_SHOW_EVERY_MS = 50


def money(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):,.2f}"


class Workspace(QWidget):
    demo_requested = Signal()  # the accountant chose 试用演示 in the guide: the app starts again on the sandbox
    restore_requested = Signal(object)  # Help › 恢复, confirmed: the app starts again and puts back this backup (Path)

    def __init__(self, banner: str = "", parent: QWidget | None = None,
                 window_state: WindowState | None = None, offer_guide: bool = False) -> None:
        super().__init__(parent)
        self.summary: SummaryDialog | None = None  # the latest pull's or push's summary, while it is open
        self.log_view: LogView | None = None  # the sync log's window, once opened
        self._on_closed: Callable[[], None] | None = None  # called when a close waited for work to stop
        self._task: worker.Task | None = None  # the pull or push the window is busy with
        self._close_requested = False
        self._load: worker.Task | None = None  # the load of every row, while it runs
        self._refresh: worker.Task | None = None  # the reviews made again after a change of rules, while it runs
        self._background: set[worker.Task] = set()  # loads and refreshes still running: close waits for them
        self._pending: list[overview.Row] = []  # rows a job changed while a load ran: applied after it
        self._incoming: list[overview.Row] = []  # rows reported since the table was last updated
        self._progress_now: tuple[int, int, str] | None = None  # the latest progress, not shown yet
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.setInterval(_SHOW_EVERY_MS)
        self._flush.timeout.connect(self._show_incoming)

        self.returns = ReturnsTable(self)
        self.model = self.returns.model
        self.table = self.returns.table
        self.search = self.returns.search
        self.count_label = self.returns.count_label
        self.model.checked_changed.connect(self._update_push_button)
        self.model.checked_changed.connect(self._show_totals)
        self.model.shown_changed.connect(self._show_totals)

        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        self.row_handlers = row_actions.Handlers(
            mark_posted=self.mark_posted, mark_failed=self.mark_failed, repush=self.repush,
            show_log=self.show_log, show_changes=self.show_changes,
        )

        self._build_toolbar()
        self._build_body(banner)
        self._build_status()
        if window_state is not None:
            self.restore_state(window_state)
        self.reload()  # on a worker: the window shows at once and fills when the rows are read
        if offer_guide:  # the first-run guide, if nothing is connected
            self._check_guide()

    # --- building -------------------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = self.toolbar = QToolBar(t("工具栏", "Toolbar"), self)
        bar.setMovable(False)
        today = QDate(now_china().date())  # the remote systems keep China time, whatever the PC's zone
        self.date_from = _date_edit(today.addDays(-6))
        self.date_to = _date_edit(today)
        self.quick_dates = QComboBox()
        self.quick_dates.addItem(t("快捷…", "Quick…"), None)
        for name, words in QUICK_RANGES.items():
            self.quick_dates.addItem(t(*words), name)
        self.quick_dates.activated.connect(self._quick_range)
        self.axis = QComboBox()
        axes = settings.KEYS["pull.axis"]
        for key in axes.choices:
            self.axis.addItem(axes.choice_label(key), key)
        self.axis.setCurrentIndex(max(0, self.axis.findData(settings.get("pull.axis"))))
        self.axis.currentIndexChanged.connect(self._axis_changed)
        self.all_statuses = QCheckBox(t("含未入库/已取消", "Unreceived, cancelled too"))
        self.pull_button = QPushButton(t("拉取", "Pull"))
        self.pull_button.clicked.connect(self.start_pull)
        for label, widget in ((t("从", "From"), self.date_from), (t("到", "To"), self.date_to)):
            bar.addWidget(QLabel(f" {label} "))
            bar.addWidget(widget)
        bar.addWidget(self.quick_dates)
        bar.addWidget(QLabel(t(" 时间类型 ", " Time axis ")))
        bar.addWidget(self.axis)
        bar.addWidget(self.all_statuses)
        bar.addWidget(self.pull_button)
        bar.addSeparator()
        self.tick_ready_button = QPushButton(t("勾选全部可推送", "Tick all ready"))
        self.tick_ready_button.clicked.connect(self.tick_all_ready)
        self.push_button = QPushButton()
        self.push_button.clicked.connect(self.start_push)
        bar.addWidget(self.tick_ready_button)
        bar.addWidget(self.push_button)
        bar.addSeparator()
        self.log_button = QPushButton(t("日志", "Log"))
        self.log_button.setToolTip(t("同步日志：筛选、查看、导出 CSV", "The sync log: filter, read, export to CSV"))
        self.log_button.clicked.connect(self.open_log)
        bar.addWidget(self.log_button)
        bar.addSeparator()
        self.settings_button = QPushButton(t("设置…", "Settings…"))
        self.settings_button.clicked.connect(self.open_settings)
        bar.addWidget(self.settings_button)
        self.help_button = QToolButton()
        self.help_button.setText(t("帮助", "Help"))
        self.help_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.help_menu = QMenu(self.help_button)
        self.guide_action = self.help_menu.addAction(t("首次使用向导…", "Getting started guide…"), self.open_guide)
        self.help_menu.addSeparator()
        self.backup_action = self.help_menu.addAction(t("备份数据…", "Back up the data…"), self.backup_data)
        self.restore_action = self.help_menu.addAction(t("从备份恢复…", "Restore from a backup…"), self.restore_data)
        self.help_menu.addSeparator()
        self.about_action = self.help_menu.addAction(t("关于…", "About…"), self.show_about)
        self.help_button.setMenu(self.help_menu)
        bar.addWidget(self.help_button)
        self._axis_changed()
        self._update_push_button()

    def _build_body(self, banner: str) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toolbar)
        body = QVBoxLayout()
        body.setContentsMargins(9, 0, 9, 0)
        layout.addLayout(body, 1)
        if banner:
            self.banner = QLabel(banner)
            self.banner.setWordWrap(True)
            self.banner.setObjectName("demoBanner")
            self.banner.setStyleSheet("#demoBanner { background: #fff4d6; border: 1px solid #e6c36a; padding: 6px; }")
            body.addWidget(self.banner)
        self.returns.current_changed.connect(self._show_current)

        pane = self.sheet_pane = SheetPane()
        self.detail_tabs, self.sheet_view, self.raw_view = pane.tabs, pane.sheet, pane.raw_view
        pane.mark_requested.connect(self.mark_posted)
        pane.repush_requested.connect(self.repush)
        pane.log_requested.connect(self.show_log)

        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.returns)
        splitter.addWidget(pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        body.addWidget(splitter, 1)

    def _build_status(self) -> None:
        self.progress = QProgressBar(maximumWidth=260, visible=False)
        self.progress_label = ElidingLabel()
        self.totals_label = QLabel()
        self.cancel_button = QPushButton(t("取消", "Cancel"), visible=False)
        self.cancel_button.clicked.connect(self.cancel)
        status = self.status_bar = QStatusBar(self)
        self.layout().addWidget(status)
        status.addWidget(self.progress_label, 1)
        status.addPermanentWidget(self.totals_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self._show_totals()

    def _quick_range(self, index: int) -> None:
        name = self.quick_dates.itemData(index)
        if name is None:
            return
        start, end = quick_range(name, now_china().date())
        self.date_from.setDate(QDate(start))
        self.date_to.setDate(QDate(end))
        self.quick_dates.setCurrentIndex(0)

    def _axis_changed(self) -> None:
        by_receipt = self.axis.currentData() == "receive"
        # Only received returns have a receive time: on that axis the box could bring nothing more.
        self.all_statuses.setEnabled(not by_receipt)
        self.all_statuses.setToolTip(
            t("按入库时间拉取时只会有已入库的退货单，此选项不起作用；要看未入库或已取消的，请改按修改时间或创建时间拉取。",
              "By receive time only received returns can match, so this has no effect; pull by modify or create "
              "time to see unreceived or cancelled ones.")
            if by_receipt else
            t("不勾选时只拉取已入库、未取消的退货单。", "Unticked, only received returns that are not cancelled come.")
        )

    def restore_state(self, state: WindowState) -> None:
        """The splitter and the table's columns as they were when the window last closed on this PC."""
        splitter = state.restore("splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        header = state.restore("returns_header")
        if header is not None:
            self.returns.restore_header(header)

    def save_state(self, state: WindowState) -> None:
        state.save("splitter", self.splitter.saveState())
        state.save("returns_header", self.table.horizontalHeader().saveState())

    def _check_guide(self) -> None:
        """Open the guide if the keyring holds nothing to connect with — read on a worker beside the load, while the
        table is still empty: loading the keyring at the table's first paint kept the painting waiting for the
        interpreter lock (a 40-50 ms stall)."""
        def needed(_progress: Callable[[object], None], _cancel: object) -> bool:
            return credentials.incomplete()

        task = worker.Task(needed)
        task.signals.finished.connect(lambda needed: self.open_guide() if needed and not self._close_requested
                                      else None)
        self._start_background(task)

    def open_guide(self) -> FirstRunGuide:
        """The first-run guide: connect 管易云 and 精诚, test both, choose the mapping options — or try the demo."""
        from ui.first_run import FirstRunGuide

        guide = self.guide = FirstRunGuide(self)
        guide.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        guide.demo_requested.connect(self.demo_requested)
        guide.finished.connect(lambda _result: self.refresh())  # its mapping options decide which rows may go
        guide.open()
        return guide

    def show_about(self) -> None:
        from ui.about_dialog import AboutDialog

        dialog = self.about = AboutDialog(data_folder(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def backup_data(self) -> None:
        """Help › 备份: a consistent copy of the data file, made on a worker (see :mod:`ui.backup_actions`)."""
        from ui.backup_actions import backup_task

        task = backup_task(self)
        if task is None:
            return
        self.backup_action.setEnabled(False)  # one at a time; closing the window waits for it
        for signal in (task.signals.finished, task.signals.failed):
            signal.connect(lambda _result: self.backup_action.setEnabled(True))
        self._start_background(task)

    def restore_data(self) -> None:
        """Help › 恢复: a backup chosen, checked and confirmed; the app starts again to put it back."""
        from ui.backup_actions import choose_restore

        chosen = choose_restore(self)
        if chosen is not None:
            self.restore_requested.emit(chosen)

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self)
        dialog.exec()
        dialog.deleteLater()
        self.refresh()  # mapping rules and value tables decide which rows may go

    # --- the table and the detail pane ----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read every row again on a worker while the window stays usable; a load running is dropped."""
        if self._load is not None:
            self._load.cancel()
        task = self._load = worker.Task(functools.partial(table_jobs.load_job, view=self.model.view()))
        task.signals.finished.connect(lambda loaded: self._on_loaded(task, loaded))
        task.signals.failed.connect(lambda message: self._on_loaded(task, None, message))
        task.signals.cancelled.connect(lambda: self._on_loaded(task, None))
        self._pending = []
        self._start_background(task)

    def refresh(self) -> None:
        """Review again, in the background, the returns whose review was made under other rules; their rows change
        in place as each batch is done."""
        if self._refresh is not None:
            self._refresh.cancel()
        task = self._refresh = worker.Task(table_jobs.refresh_job)
        task.signals.progress.connect(lambda progress: self._on_refreshed(task, progress))
        task.signals.finished.connect(lambda _count: self._refresh_done(task, ""))
        task.signals.failed.connect(lambda message: self._refresh_done(task, message))
        task.signals.cancelled.connect(lambda: self._refresh_done(task, ""))
        self._start_background(task)

    def _start_background(self, task: worker.Task) -> None:
        self._background.add(task)
        for signal in (task.signals.finished, task.signals.failed, task.signals.cancelled):
            signal.connect(lambda *_args: self._background_done(task))
        worker.start(task)

    def _background_done(self, task: worker.Task) -> None:
        self._background.discard(task)
        self._closed_if_asked()

    def _on_loaded(self, task: worker.Task, loaded: table_jobs.Loaded | None, failure: str = "") -> None:
        if task is not self._load:
            return
        self._load = None
        if loaded is None or self._close_requested:  # closing: no table to fill, no review to start
            if failure and not self._close_requested:
                QMessageBox.critical(self, title(), failure)
            return
        self.returns.set_rows(loaded.rows)
        if self._pending:
            self.returns.update_rows(self._pending)
            self._pending = []
        if loaded.problem:
            self.progress_label.setText(t(f"无法按映射规则检查退货单：{loaded.problem}",
                                          f"Returns cannot be checked against the mapping rules: {loaded.problem}"))
        elif loaded.stale:
            self.refresh()

    def _on_refreshed(self, task: worker.Task, progress: tuple[int, int, list[overview.Row]]) -> None:
        done, total, rows = progress
        self._apply_rows(rows)  # a replaced review's last batch too: it is committed, and not reviewed again
        if task is self._refresh and self._task is None:
            self.progress_label.setText(t(f"正在按当前规则检查退货单：{done}/{total}",
                                          f"Checking returns against the current rules: {done}/{total}"))

    def _refresh_done(self, task: worker.Task, failure: str) -> None:
        if task is not self._refresh:
            return
        self._refresh = None
        self._show_incoming()
        self.model.refilter()
        if failure and self._task is None:
            self.progress_label.setText(failure)
        elif self._task is None and self.progress_label.text().startswith(t("正在按当前规则", "Checking returns")):
            self.progress_label.setText(t("已按当前规则检查全部退货单。", "Every return is checked against the rules."))
        self._show_current(self.returns.current_code())

    def _apply_rows(self, rows: list[overview.Row]) -> None:
        """Rows a job or a refresh changed: gathered, and put in the table at most every :data:`_SHOW_EVERY_MS`, so a
        push of a sheet every few milliseconds costs the window one update, not one a sheet."""
        if rows:
            self._incoming.extend(rows)
            self._show_soon()

    def _show_soon(self) -> None:
        if not self._flush.isActive():
            self._flush.start()

    def _show_incoming(self) -> None:
        """Put what the work reported since the last time into the window: its latest progress, then its rows. In that
        order: a progress bar repaints at once, and before the rows change only the bar itself is repainted — the
        table's repaint comes on its own, a moment later."""
        self._flush.stop()
        if self._progress_now is not None:
            done, total, text = self._progress_now
            self._progress_now = None
            if total:
                self.progress.setRange(0, total)
                self.progress.setValue(done)
            self.progress_label.setText(text)
        rows, self._incoming = self._incoming, []
        if rows:
            if self._load is not None:  # kept until a load running now has filled the table
                self._pending.extend(rows)
            self.returns.update_rows(rows)
            current = self.returns.current_code()
            if any(row.code == current for row in rows):
                self._show_current(current)

    def _update_push_button(self) -> None:
        count = self.model.checked_count()
        self.push_button.setText(t(f"推送所选（{count}）", f"Push ticked ({count})"))
        self.push_button.setEnabled(count > 0 and self._task is None)

    def _show_totals(self) -> None:
        ticked, ticked_cents, shown, shown_cents = self.model.totals()
        self.totals_label.setText(t(
            f"已勾选 {ticked} 张，金额 {money(ticked_cents)}　｜　显示 {shown} 张，金额 {money(shown_cents)}",
            f"Ticked {ticked}, amount {money(ticked_cents)}  |  shown {shown}, amount {money(shown_cents)}",
        ))

    def tick_all_ready(self) -> None:
        """Tick every row that may go among those the search and the filter leave shown."""
        self.model.set_checked(self.model.shown_tickable_codes())

    def _show_current(self, code: str) -> None:
        self.sheet_pane.show_code(code)

    # --- long work ------------------------------------------------------------------------------------------------

    def _run(
        self,
        job: worker.Job,
        on_progress: Callable[[object], None],
        on_finished: Callable[[object], None],
        failed_title: str,
        cancelled_text: str,
        starting_text: str,
        reload: bool = False,
    ) -> None:
        """Run ``job`` on a worker with the window busy. The job hands its rows on as it goes; one cut short by a
        failure or a cancel may have stored more than it reported: with ``reload`` the table is read again then."""
        self._task = worker.Task(job)
        self._task.signals.progress.connect(on_progress)
        self._task.signals.finished.connect(on_finished)
        self._task.signals.failed.connect(lambda message: self._on_failed(failed_title, message, reload))
        self._task.signals.cancelled.connect(lambda: self._finish(cancelled_text, reload))
        self._busy(True)
        self.progress_label.setText(starting_text)
        worker.start(self._task)

    def _busy(self, busy: bool) -> None:
        for button in (self.pull_button, self.tick_ready_button):
            button.setEnabled(not busy)
        if busy:  # while hidden: a progress bar shown repaints the window at once when its range resets it
            self.progress.setRange(0, 0)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self._update_push_button()

    def _show_progress(self, done: int, total: int, text: str) -> None:
        self._progress_now = (done, total, text)
        self._show_soon()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.progress_label.setText(t("正在取消…（当前请求结束后停止）", "Cancelling… (after the current request)"))

    def _finish(self, text: str, reload: bool = False) -> None:
        # Rows the work changed stay shown, whatever the filter, until the next sort or filter: the accountant sees
        # what was just posted, and nothing vanishes under the cursor.
        self._show_incoming()
        self.progress_label.setText(text)
        self._task = None
        self._busy(False)
        if self._close_requested:
            self._closed_if_asked()
        elif reload:
            self.reload()

    def _on_failed(self, title: str, message: str, reload: bool = False) -> None:
        self._finish(title, reload)
        QMessageBox.critical(self, title, message)

    # pull

    def start_pull(self) -> None:
        start, end = self.date_from.date().toPython(), self.date_to.date().toPython()
        if start > end:
            QMessageBox.warning(self, title(), t("开始日期晚于结束日期。", "The start date is after the end date."))
            return
        from ui import pull_job

        request = pull_job.PullRequest(
            start=start,
            end=min(end, now_china().date()),
            axis=self.axis.currentData(),
            all_statuses=self.all_statuses.isChecked() and self.all_statuses.isEnabled(),
        )
        self._run(
            lambda progress, cancel: pull_job.pull_job(request, progress, cancel),
            self._on_pull_progress,
            self._on_pulled,
            t("拉取失败", "Pull failed"),
            t("已取消拉取，已拉到的退货单已保存。", "Pull cancelled; what was pulled is kept."),
            t("正在连接管易云…", "Connecting to Guanyi…"),
            reload=True,  # a pull cut short keeps whole windows it may not have reported yet
        )

    def _on_pull_progress(self, progress: tuple) -> None:
        # Stored before shown (SPEC §2.4): rows appear once their window is committed, never half a window.
        report, rows = progress
        self._apply_rows(rows)
        from ui import pull_job

        self._show_progress(*pull_job.describe_progress(report))

    def _on_pulled(self, pulled: Pulled) -> None:
        from ui import pull_job

        self._apply_rows(pulled.rows)
        self._finish(pull_job.describe_result(pulled.result))
        self._show_summary(summaries.of_pull(pulled.result))

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
        self._push(codes)

    def _push(self, codes: list[str], force: bool = False) -> None:
        self._run(
            lambda progress, cancel: _push_job(codes, progress, cancel, force),
            self._on_push_progress,
            self._on_pushed,
            t("推送失败", "Push failed"),
            t(
                "已取消推送：已发送的单据结果已记录，其余未发送。",
                "Push cancelled: what was sent is recorded, the rest was not sent.",
            ),
            t("正在推送…", "Posting…"),
            reload=True,  # a push that broke off may have recorded sheets it had not reported yet
        )

    def _on_push_progress(self, progress: tuple) -> None:
        report, rows = progress
        self._apply_rows(rows)
        from ui import push_job

        self._show_progress(*push_job.describe_progress(report))

    def _on_pushed(self, result: PushResult) -> None:
        found = summaries.of_push(result)
        self._finish(found.text.splitlines()[0])
        self._show_summary(found)

    def _show_summary(self, found: summaries.Summary) -> None:
        """The summary in a box of its own that does not hold the window: the table stays usable beside it."""
        if self.summary is not None:
            self.summary.close()
        from ui.summary_dialog import SummaryDialog

        dialog = self.summary = SummaryDialog(found.title, found.text, found.details, problem=found.problem,
                                              parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: setattr(self, "summary", None) if self.summary is dialog else None)
        dialog.show()

    # one return: its context menu and what it offers

    def _row_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        row = self.model.row_at(index.row())
        self.row_menu = row_actions.menu(self, row.code, row.state, self.row_handlers)
        self.row_menu.popup(self.table.viewport().mapToGlobal(position))

    def _state_of(self, code: str) -> ReturnState | None:
        row = self.model.shown_row_of(code)
        return self.model.row_at(row).state if row >= 0 else None

    def _read_again(self, code: str) -> None:
        self.returns.update_rows(overview.load_rows([code], stamp=table_jobs.current_stamp()[0]))
        if self.returns.current_code() == code:
            self._show_current(code)

    def mark_posted(self, code: str) -> None:
        sheet_no = row_actions.ask_mark_posted(self, code)
        if sheet_no is not None:
            self._mark(code, SheetStatus.POSTED, sheet_no or None)

    def mark_failed(self, code: str) -> None:
        if row_actions.confirm_mark_failed(self, code):
            self._mark(code, SheetStatus.FAILED)

    def _mark(self, code: str, status: SheetStatus, sheet_no: str | None = None) -> None:
        try:
            from core import ledger

            ledger.mark(code, status, sheet_no=sheet_no)
        except ReturnSyncError as exc:
            QMessageBox.warning(self, title(), window_message(exc))
        self._read_again(code)  # marked, or changed elsewhere meanwhile: either way the row shows what is stored

    def repush(self, code: str) -> None:
        """Push one sheet that 精诚 may already hold, once the accountant confirmed that a double is possible."""
        state = self._state_of(code)
        if state not in row_actions.REPUSHABLE:
            return
        if self._task is not None:
            QMessageBox.information(self, title(), t("请等当前的拉取或推送结束后再重新推送。",
                                                     "Wait for the pull or push under way to end, then push again."))
            return
        if row_actions.confirm_repush(self, code, state):
            self._push([code], force=True)

    def open_log(self) -> LogView:
        """The sync log in a window of its own beside this one (made once, then shown again as it was left)."""
        if self.log_view is None:
            from ui.log_view import LogView

            self.log_view = LogView(self)
            self.log_view.setWindowFlag(Qt.WindowType.Window)
        else:
            self.log_view.refresh()  # rows logged since it was last shown
        self.log_view.show()
        self.log_view.raise_()
        self.log_view.activateWindow()
        return self.log_view

    def show_log(self, code: str) -> None:
        """The sync log of one return."""
        self.open_log().show_code(code)

    def show_changes(self, code: str) -> None:
        """What changed in 管易云 since the sheet was posted: the pane's 变更 tab, for this return."""
        if self.returns.current_code() != code and not self.returns.select_code(code):
            self.sheet_pane.show_code(code)  # not among the rows shown: the pane shows it anyway
        self.sheet_pane.tabs.setCurrentIndex(SheetPane.CHANGES_TAB)

    def request_close(self, closed: Callable[[], None]) -> bool:
        """Whether the window may close now. While work runs it may not: a sheet on the wire gets its outcome recorded,
        and no load or review still reads the database when the app closes it. The work is stopped, and ``closed``
        is called once it has."""
        if self._task is None and not self._background and not self._log_busy():
            return True
        self._close_requested, self._on_closed = True, closed
        self.cancel()
        for task in self._background:
            task.cancel()
        if self._log_busy():  # an export: stopped, no file left half written
            self.log_view.request_close(self._closed_if_asked)
        self.progress_label.setText(
            t("正在停止，当前请求结束后关闭窗口…", "Stopping; the window closes after the current request…")
        )
        return False

    def _log_busy(self) -> bool:
        return self.log_view is not None and self.log_view.exporting

    def _closed_if_asked(self) -> bool:
        if not self._close_requested or self._task is not None or self._background or self._log_busy():
            return False
        if self._on_closed is not None:
            self._on_closed()
        return True


def _date_edit(day: QDate) -> QDateEdit:
    return QDateEdit(day, calendarPopup=True, displayFormat="yyyy-MM-dd")


def _push_job(codes: list[str], progress: Callable[[object], None], cancel: object, force: bool) -> object:
    from ui import push_job  # the push process and the keyring load with the first push

    return push_job.push_job(codes, progress, cancel, force=force)
