"""The Settings dialog (SPEC §8): connections and credentials, mapping rules, value tables, general.

Save (or Apply) checks every field first and writes nothing while one is refused; the refusal is shown
under the field. Cancel drops what was not applied. The value tables are the exception: they are data,
edited in place (see :mod:`ui.value_tables_view`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import settings
from core.i18n import t
from core.mapping.remark import PLACEHOLDERS
from ui import settings_saving
from ui.settings_connections import ConnectionsTab
from ui.settings_fields import ERROR_STYLE, OK_STYLE, SettingField, SettingsForm
from ui.settings_team import TeamTab
from ui.value_tables_view import ValueTablesTab

MAPPING_KEYS = tuple(name for name in settings.KEYS if name.startswith("mapping."))
PULL_KEYS = (
    "pull.axis", "pull.window_days", "pull.overlap_minutes", "pull.max_rereads", "pull.concurrency", "guanyi.page_size",
    "guanyi.connect_timeout", "guanyi.read_timeout", "guanyi.retries", "guanyi.total_timeout",
)


def _mapping_hints() -> dict[str, str]:
    names = " ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    return {
        "mapping.date_format": t("用 yyyy（或 yy）、MM（或 M）、dd（或 d），如 yyyy-MM-dd、yyyy/MM/dd、yyyyMMdd",
                                 "Use yyyy (or yy), MM (or M), dd (or d): e.g. yyyy-MM-dd, yyyy/MM/dd, yyyyMMdd"),
        "mapping.red_value": t("精诚里表示红单（退货）的值", "What marks a red (return) sheet in Jingcheng"),
        "mapping.remark_template": t(f"可用：{names}。为空的占位符连同它前面的文字一起省略。",
                                     f"May use: {names}. An empty placeholder is dropped with the words before it."),
    }


class FormTab(QScrollArea):
    """A tab holding groups of settings, scrolling when the window is small."""

    def __init__(
        self, groups: Iterable[tuple[str, Iterable[str]]], values: dict[str, str], hints: dict[str, str]
    ) -> None:
        super().__init__()
        self.fields: dict[str, SettingField] = {}
        inner = QWidget()
        layout = QVBoxLayout(inner)
        for title, names in groups:
            form = SettingsForm(names, values, hints)
            self.fields.update(form.fields)
            box = QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        layout.addStretch(1)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setWidget(inner)
        self.viewport().setAutoFillBackground(False)
        inner.setAutoFillBackground(False)


class SettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("设置", "Settings"))
        values = settings.all_settings()
        self.connections = ConnectionsTab(values)
        self.mapping = FormTab([(t("退货单如何变成精诚单据", "How a return becomes a Jingcheng sheet"), MAPPING_KEYS)],
                               values, _mapping_hints())
        self.tables = ValueTablesTab()
        self.general = FormTab(
            [(t("拉取（管易云）", "Pulling from Guanyi"), PULL_KEYS), (t("界面", "Interface"), ("ui.lang",))],
            values,
            {
                "ui.lang": t("重新启动后生效", "Takes effect after a restart"),
                "pull.concurrency": t("越大拉取越快；管易云常回复“请求过于频繁”（HTTP 429）时改为 1",
                                      "More is faster; set 1 if Guanyi often answers 'too many requests' (HTTP 429)"),
            },
        )
        self.team = TeamTab(values)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.connections, t("连接", "Connections"))
        self.tabs.addTab(self.mapping, t("映射规则", "Mapping"))
        self.tabs.addTab(self.tables, t("对照表", "Value tables"))
        self.tabs.addTab(self.general, t("常规", "General"))
        self.tabs.addTab(self.team, t("团队", "Team"))
        self.fields: dict[str, SettingField] = {
            **self.connections.fields, **self.mapping.fields, **self.general.fields, **self.team.fields
        }

        self.message = QLabel(wordWrap=True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.save_button.setText(t("保存", "Save"))
        self.apply_button.setText(t("应用", "Apply"))
        self.cancel_button.setText(t("取消", "Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.apply_button.clicked.connect(self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        # Fits a 1280×760 screen with its title bar and taskbar; the tabs scroll inside.
        self.resize(1180, 680)

    def accept(self) -> None:
        if self.save():
            super().accept()

    def save(self) -> bool:
        """Check everything, then write everything; False (and nothing written) when a field is refused."""
        outcome = settings_saving.save(self.fields, self.connections.credential_boxes)
        if not outcome.saved:
            self._refuse(outcome.message, outcome.culprits)
            return False
        self._say(outcome.message, OK_STYLE)
        return True

    def _refuse(self, text: str, culprits: list[QWidget]) -> None:
        """Say why nothing was saved, and bring the refused entries into sight: the first one's tab, and the
        first one in each scrolling column."""
        self._say(text, ERROR_STYLE)
        if not culprits:
            return
        self.tabs.setCurrentWidget(next(tab for tab in (self.connections, self.mapping, self.general, self.team)
                                        if tab.isAncestorOf(culprits[0])))
        areas: dict[int, tuple[QScrollArea, QWidget]] = {}
        for culprit in culprits:
            parent = culprit.parentWidget()
            while parent is not None and not isinstance(parent, QScrollArea):
                parent = parent.parentWidget()
            if parent is not None:
                areas.setdefault(id(parent), (parent, culprit))
        for area, culprit in areas.values():
            # After the error lines just shown have been laid out, or the scroll lands short of them.
            QTimer.singleShot(0, partial(area.ensureWidgetVisible, culprit))

    def _say(self, text: str, style: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)
