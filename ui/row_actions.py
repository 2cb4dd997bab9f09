"""What the accountant can do to one return from its row's context menu or the sheet pane: record what became of a
sheet whose outcome is unknown (标记为已推送, optionally with 精诚's number; 标记为未入账), push a sheet again on an
explicit confirmation that a double is possible (重新推送), and see its log.

Only the questions are here; the workspace carries out the answers (:mod:`ui.workspace`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from core.i18n import t
from core.states import ReturnState, state_text
from ui.main_window import title

# States whose sheet may be pushed again only on an explicit confirmation: 精诚 may (or does) hold it already.
REPUSHABLE = (ReturnState.UNKNOWN, ReturnState.CHANGED, ReturnState.POSTED)


@dataclass(frozen=True)
class Handlers:
    """What the menu's entries do; each takes the return's code."""

    mark_posted: Callable[[str], None]
    mark_failed: Callable[[str], None]
    repush: Callable[[str], None]
    show_log: Callable[[str], None]
    show_changes: Callable[[str], None]


def menu(parent: QWidget, code: str, state: ReturnState, handlers: Handlers) -> QMenu:
    """The context menu of a row: what its state allows, then what any row allows."""
    found = QMenu(parent)
    if state == ReturnState.UNKNOWN:
        found.addAction(t("标记为已推送…", "Mark posted…"), lambda: handlers.mark_posted(code))
        found.addAction(t("标记为未入账（可再推送）", "Mark not booked (may be pushed again)"),
                        lambda: handlers.mark_failed(code))
    if state == ReturnState.CHANGED:
        found.addAction(t("查看变更", "What changed"), lambda: handlers.show_changes(code))
    if state in REPUSHABLE:
        found.addAction(t("重新推送…", "Push again…"), lambda: handlers.repush(code))
    if not found.isEmpty():
        found.addSeparator()
    found.addAction(t("查看日志", "Show its log"), lambda: handlers.show_log(code))
    found.addAction(t("复制单据编号", "Copy the code"), lambda: QGuiApplication.clipboard().setText(code))
    return found


class MarkPostedDialog(QDialog):
    """标记为已推送: the accountant found the sheet in 精诚 and may give 精诚's own number."""

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("标记为已推送", "Mark posted"))
        explain = QLabel(t(
            f"请确认已在精诚中找到退货单 {code} 对应的单据。标记后它算作已推送，不会再被推送。",
            f"Confirm that you found the sheet of return {code} in Jingcheng. Once marked it counts as posted and "
            "is not pushed again.",
        ))
        explain.setWordWrap(True)
        self.sheet_no = QLineEdit(placeholderText=t("可不填", "optional"))
        form = QFormLayout()
        form.addRow(t("精诚单号", "Jingcheng sheet number"), self.sheet_no)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(t("标记为已推送", "Mark posted"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(t("取消", "Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(440, self.sizeHint().height())


def ask_mark_posted(parent: QWidget, code: str) -> str | None:
    """精诚's number as typed ("" when none), or ``None`` when the accountant cancelled."""
    dialog = MarkPostedDialog(code, parent)
    try:
        return dialog.sheet_no.text().strip() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()


def confirm_mark_failed(parent: QWidget, code: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title(), t(
        f"确认精诚中没有退货单 {code} 的单据吗？标记后它可以再次推送。",
        f"Confirm that Jingcheng does not hold the sheet of return {code}? Once marked it can be pushed again.",
    ), parent=parent)
    return _ask(box, t("标记为未入账", "Mark not booked"))


def confirm_repush(parent: QWidget, code: str, state: ReturnState) -> bool:
    """Whether the accountant confirms sending a sheet again that 精诚 may already hold; the push is then logged as
    forced."""
    if state == ReturnState.UNKNOWN:
        why = t("它的推送结果未知：精诚可能已经收到并入账。",
                "Its outcome is unknown: Jingcheng may already have booked it.")
    elif state == ReturnState.CHANGED:
        why = t("它已推送过，之后管易云中的退货单有变更。", "It was posted, and the return changed in Guanyi since.")
    else:
        why = t("它已推送到精诚并已入账；只有在精诚中删除了那张单据时才需要重推。",
                "Jingcheng booked it already; push it again only if that sheet was deleted in Jingcheng.")
    box = QMessageBox(QMessageBox.Icon.Warning, title(), t(
        f"重新推送退货单 {code}（{state_text(state)}）？\n\n{why}\n"
        "重新推送可能让精诚中出现两张单据（重复入账）。请先在精诚中核对；这次推送会作为“强制重推”记入日志。",
        f"Push return {code} ({state_text(state)}) again?\n\n{why}\n"
        "Pushing it again may leave two sheets in Jingcheng (booked twice). Check Jingcheng first; this push is "
        "logged as a forced re-push.",
    ), parent=parent)
    return _ask(box, t("仍然重新推送", "Push again anyway"))


def _ask(box: QMessageBox, yes_text: str) -> bool:
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(t("取消", "Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    box.deleteLater()
    return box.clickedButton() is yes
