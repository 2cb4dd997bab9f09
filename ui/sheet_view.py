"""The right-hand pane: the 精诚 sheet a return will become, its state, and the mapping's problems."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.i18n import t
from core.push import Preview
from core.states import state_text
from ui import state_style

_BLOCKING = QColor("#3c3c3c")
_WARNING = QColor("#8a5a00")


class SheetView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.state_icon = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        heading = QHBoxLayout()
        heading.addWidget(self.state_icon)
        heading.addWidget(self.status, 1)
        layout.addLayout(heading)

        self.header_labels: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields = (
            ("SheetID", "单据编号"),
            ("SheetDate", "单据日期"),
            ("CustomerCode", "客户编码"),
            ("CustomerName", "客户名称"),
            ("RedBlue", "红蓝字"),
            ("Qua", "数量合计"),
            ("Amo", "金额合计"),
            ("Remark", "备注"),
        )
        for key, zh in fields:
            label = QLabel()
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # wrap, never widen
            self.header_labels[key] = label
            form.addRow(t(f"{zh}（{key}）", key), label)
        layout.addLayout(form)

        self.lines = QTableWidget(0, 5)
        self.lines.setHorizontalHeaderLabels(
            [
                t("商品（GoodsID）", "GoodsID"),
                t("数量", "Qua"),
                t("单价", "Price"),
                t("金额", "Amo"),
                t("备注", "Remark"),
            ]
        )
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.verticalHeader().hide()
        self.lines.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.lines.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.lines, 2)

        layout.addWidget(QLabel(t("检查结果", "Checks")))
        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        layout.addWidget(self.problems, 1)

    def clear(self) -> None:
        self.status.clear()
        self.state_icon.clear()
        for label in self.header_labels.values():
            label.clear()
        self.lines.setRowCount(0)
        self.problems.clear()

    def show_preview(self, found: Preview) -> None:
        """The sheet ``found`` maps to, its state (with its icon and colour), the mapping's problems, and what the
        ledger adds."""
        self.clear()
        mapped = found.mapped
        colour = state_style.COLOURS[found.state]
        note = f" · {html.escape(found.note)}" if found.note else ""
        self.status.setText(f"<b>{html.escape(mapped.order.code)}</b> · "
                            f"<span style='color:{colour}; font-weight:bold'>{state_text(found.state)}</span>{note}")
        self.state_icon.setPixmap(state_style.icon(found.state).pixmap(20, 20))
        sheet = mapped.sheet
        if sheet is not None:
            values = sheet.as_dict()
            for key, label in self.header_labels.items():
                label.setText(str(values[key]))
            self.lines.setRowCount(len(sheet.items))
            for row, line in enumerate(sheet.items):
                for column, text in enumerate((line.goods_id, line.qua, line.price, line.amo, line.remark)):
                    item = QTableWidgetItem(text)
                    if 1 <= column <= 3:
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.lines.setItem(row, column, item)
        for problem in mapped.blocking:
            item = QListWidgetItem(t("✖ 不可推送：", "✖ Blocked: ") + str(problem))
            item.setForeground(_BLOCKING)
            self.problems.addItem(item)
        for problem in mapped.warnings:
            item = QListWidgetItem(t("⚠ 提醒：", "⚠ Warning: ") + str(problem))
            item.setForeground(_WARNING)
            self.problems.addItem(item)
        if not mapped.blocking and not mapped.warnings:
            self.problems.addItem(QListWidgetItem(t("✔ 映射没有问题。", "✔ The mapping has no problems.")))
