"""The 连接 tab of Settings: 管易云 (direct or through Qimen) on the left, the 精诚 profile on the right,
each with its credentials and a 测试连接 that runs on a worker, so the dialog never freezes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core import connection_check, credentials
from core.i18n import t
from ui import worker
from ui.settings_credentials import CredentialsBox
from ui.settings_fields import ERROR_STYLE, HINT_STYLE, OK_STYLE, SettingField, SettingsForm

GUANYI_KEYS = ("guanyi.transport", "guanyi.url", "guanyi.verify_tls", "guanyi.ca_file")
QIMEN_KEYS = ("qimen.url", "qimen.target_app_key", "qimen.sign_method", "qimen.customer_id")
JINGCHENG_KEYS = (
    "jingcheng.url", "jingcheng.url_template", "jingcheng.method", "jingcheng.auth", "jingcheng.connect_timeout",
    "jingcheng.read_timeout", "jingcheng.verify_tls", "jingcheng.ca_file",
)
REPLY_KEYS = (
    "jingcheng.reply.flag_path", "jingcheng.reply.message_path", "jingcheng.reply.sheet_no_path",
    "jingcheng.reply.success_values",
)

class ConnectionTest(QWidget):
    """A 测试连接 button and the sentence it came back with.

    ``before`` runs on the GUI thread when the button is pressed (e.g. saving what the test will use); the text it
    returns, when not empty, is shown as the failure and no test runs. ``idle`` is what the result's place says before
    a test and after :meth:`clear`. ``state_changed``: :attr:`passed` may have changed."""

    state_changed = Signal()

    def __init__(
        self,
        job: Callable[[], str],
        parent: QWidget | None = None,
        *,
        before: Callable[[], str] | None = None,
        idle: str = "",
    ) -> None:
        super().__init__(parent)
        self._job = job
        self._before = before
        self._idle = idle or t("测试使用已保存的设置：修改后请先点“应用”。",
                               "The test uses the saved settings: press Apply after a change.")
        self.task: worker.Task | None = None
        self.passed = False
        self._stale = False  # the settings changed while the running test was under way: its answer is dropped
        self.button = QPushButton(t("测试连接", "Test connection"))
        self.button.clicked.connect(self.start)
        self.result = QLabel(wordWrap=True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Room for a three-line error: a wrapped label does not grow its group reliably in a nested layout.
        self.result.setMinimumHeight(self.result.fontMetrics().lineSpacing() * 3 + 4)
        self._show(self._idle, HINT_STYLE)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.result, 1)

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self) -> None:
        refusal = self._before() if self._before is not None else ""
        if refusal:
            self.fail(refusal)
            return
        job = self._job
        task = worker.Task(lambda _progress, _cancel: job())
        task.signals.finished.connect(self._succeeded)
        task.signals.failed.connect(self._failed)
        self.task = task
        self._stale = False
        self.button.setEnabled(False)
        self._settle(False, t("正在测试…", "Testing…"), "")
        worker.start(task)

    def clear(self) -> None:
        """Forget the last result: what it was about has changed."""
        self._stale = self.busy
        self._settle(False, self._idle, HINT_STYLE)

    def fail(self, message: str) -> None:
        """Show why no test could run (what it needed was refused)."""
        self._settle(False, "✖ " + message, ERROR_STYLE)

    def _succeeded(self, message: str) -> None:
        self._done(True, "✔ " + message, OK_STYLE)

    def _failed(self, message: str) -> None:
        self._done(False, "✖ " + message, ERROR_STYLE)

    def _done(self, passed: bool, text: str, style: str) -> None:
        self.task = None
        self.button.setEnabled(True)
        if not self._stale:
            self._settle(passed, text, style)

    def _settle(self, passed: bool, text: str, style: str) -> None:
        changed = passed != self.passed
        self.passed = passed
        self._show(text, style)
        if changed:
            self.state_changed.emit()

    def _show(self, text: str, style: str) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(style)


def _group(title: str, *widgets: QWidget, form: SettingsForm | None = None) -> QGroupBox:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    if form is not None:
        layout.addLayout(form)
    for widget in widgets:
        layout.addWidget(widget)
    return box


def scrolling_column(boxes: tuple[QWidget, ...], test: QWidget) -> QWidget:
    """The groups scroll when the screen is low (760 pixels); the test stays in sight below them."""
    inner = QWidget()
    inner_layout = QVBoxLayout(inner)
    inner_layout.setContentsMargins(0, 0, 0, 0)
    for box in boxes:
        inner_layout.addWidget(box)
    inner_layout.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(inner)
    area.viewport().setAutoFillBackground(False)  # else the scrolling part is a lighter panel than the rest
    inner.setAutoFillBackground(False)
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(area, 1)
    layout.addWidget(test)
    return column


class ConnectionsTab(QWidget):
    def __init__(self, values: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        guanyi = SettingsForm(GUANYI_KEYS, values)
        qimen = SettingsForm(QIMEN_KEYS, values)
        profile = SettingsForm(
            JINGCHENG_KEYS,
            values,
            {"jingcheng.url_template": t("可用 {base_url} 和 {method}", "May use {base_url} and {method}")},
        )
        reply = SettingsForm(REPLY_KEYS, values)
        self.fields: dict[str, SettingField] = {**guanyi.fields, **qimen.fields, **profile.fields, **reply.fields}

        self.guanyi_credentials = CredentialsBox("guanyi", t("管易云凭据", "Guanyi credentials"))
        self.qimen_credentials = CredentialsBox("qimen", t("奇门凭据", "Qimen credentials"))
        self.jingcheng_credentials = CredentialsBox(
            "jingcheng", t("精诚凭据", "Jingcheng credentials"), auth=values["jingcheng.auth"]
        )
        self.credential_boxes = (self.guanyi_credentials, self.qimen_credentials, self.jingcheng_credentials)
        auth = self.fields["jingcheng.auth"].editor
        assert isinstance(auth, QComboBox)
        auth.currentIndexChanged.connect(lambda _index: self.jingcheng_credentials.set_auth(auth.currentData()))
        transport = self.fields["guanyi.transport"].editor
        assert isinstance(transport, QComboBox)
        transport.currentIndexChanged.connect(lambda _index: self._show_transport(transport.currentData()))

        self.guanyi_test = ConnectionTest(connection_check.check_guanyi)
        self.jingcheng_test = ConnectionTest(connection_check.check_jingcheng)

        self._guanyi_form = guanyi
        self._qimen_group = _group(t("奇门网关", "Qimen gateway"), form=qimen)
        left = scrolling_column(
            (_group(t("管易云", "Guanyi"), form=guanyi), self._qimen_group, self.guanyi_credentials,
             self.qimen_credentials),
            _group(t("测试管易云连接", "Test the Guanyi connection"), self.guanyi_test),
        )
        right = scrolling_column(
            (_group(t("精诚接口", "Jingcheng interface"), form=profile),
             _group(t("精诚回复的解读", "Reading Jingcheng's reply"), form=reply), self.jingcheng_credentials),
            _group(t("测试精诚连接", "Test the Jingcheng connection"), self.jingcheng_test),
        )
        layout = QHBoxLayout(self)
        layout.addWidget(left, 1)
        layout.addWidget(right, 1)
        self._show_transport(values["guanyi.transport"])

        # A result speaks of the settings it was made with: a change makes it stale at once (after switching to
        # 奇门, "connected (direct)" must not stay on screen).
        sides = (
            (self.guanyi_test, (*guanyi.fields.values(), *qimen.fields.values()),
             (self.guanyi_credentials, self.qimen_credentials)),
            (self.jingcheng_test, (*profile.fields.values(), *reply.fields.values()), (self.jingcheng_credentials,)),
        )
        for test, fields, boxes in sides:
            for source in (*fields, *boxes):
                source.changed.connect(test.clear)

    def _show_transport(self, transport: str) -> None:
        """Only what the chosen transport uses is shown; the hidden values are kept and saved as they are."""
        qimen = transport == "qimen"
        self._guanyi_form.setRowVisible(self.fields["guanyi.url"], not qimen)
        self._qimen_group.setVisible(qimen)
        self.qimen_credentials.setVisible(qimen)
        required, _ = credentials.fields("guanyi")
        self.guanyi_credentials.set_optional(set(required) - set(credentials.needed("guanyi", transport=transport)))
