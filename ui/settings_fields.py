"""One editor per non-secret setting (core.settings.KEYS): a combo for a key with choices, a line edit
otherwise, each with its own error line under it, so a refused value is named where it was typed."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core import settings
from core.errors import ConfigError
from core.i18n import t
from core.mapping.dates import check_date_pattern
from core.mapping.remark import check_template

# What a choice means, for an accountant who does not know the stored word; the word stays visible for
# whoever reads the CLI's `config show` or a support log.
CHOICE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "ui.lang": {"zh_CN": ("简体中文", "Simplified Chinese"), "en": ("English", "English")},
    "guanyi.transport": {
        "direct": ("管易云开放接口直连", "Guanyi open API, direct"),
        "qimen": ("经淘宝奇门网关", "Through the Taobao Qimen gateway"),
    },
    "pull.axis": {
        "receive": ("入库时间", "Received"),
        "modify": ("修改时间", "Modified"),
        "create": ("创建时间", "Created"),
    },
    "jingcheng.auth": {
        "token": ("Bearer 令牌", "Bearer token"),
        "none": ("不认证", "No authentication"),
        "basic": ("用户名和密码", "User name and password"),
        "md5-sign": ("appkey + MD5 签名", "appkey + MD5 signature"),
    },
    "mapping.date_source": {
        "receive": ("入库日期，没有时用创建日期", "Received date, else created date"),
        "create": ("创建日期", "Created date"),
    },
    "mapping.qty_source": {
        "real_in": ("实际入库数", "Received quantity"),
        "qty": ("待入库数", "Quantity to receive"),
    },
    "mapping.price_source": {
        "price": ("实际单价", "Actual price"),
        "after_discount": ("让利后单价 = 让利后金额 ÷ 数量", "After discount = amount_after ÷ qty"),
    },
    "mapping.goods_code": {
        "sku_then_item": ("规格编码，为空时用商品编码", "SKU code, else item code"),
        "item_code": ("只用商品编码", "Item code only"),
    },
    "mapping.sign": {"positive": ("正数", "Positive"), "negative": ("负数", "Negative")},
    "mapping.gifts": {
        "keep": ("保留，行备注前加“赠品”", "Keep, line remark starts with 赠品"),
        "drop": ("去掉", "Drop"),
    },
}

# The settings' own check only says yes or no for these; the core's checkers say what is wrong.
_EXPLAIN = {"mapping.remark_template": check_template, "mapping.date_format": check_date_pattern}

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b7f3b;"
HINT_STYLE = "color: #666666;"


def choice_text(name: str, value: str) -> str:
    label = CHOICE_LABELS.get(name, {}).get(value)
    if label is None or label[1] == value:
        return value
    return t(f"{label[0]}（{value}）", f"{label[1]} ({value})")


class SettingField(QWidget):
    """The editor of one setting and the line that says why its value was refused."""

    def __init__(self, name: str, value: str, hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        key = settings.KEYS[name]
        if key.choices:
            self.editor: QComboBox | QLineEdit = QComboBox()
            for choice in key.choices:
                self.editor.addItem(choice_text(name, choice), choice)
            if self.editor.findData(value) < 0:
                # A value stored before its choice was renamed: show it, so saving refuses it by name.
                self.editor.addItem(value, value)
            self.editor.setCurrentIndex(self.editor.findData(value))
        else:
            self.editor = QLineEdit(value)
            self.editor.setPlaceholderText(t(f"默认：{key.default}", f"Default: {key.default}") if key.default else "")
        self.editor.setToolTip(f"{name}\n{t('默认', 'Default')}: {key.default or '—'}")
        self.editor.setObjectName(name)
        self.error = QLabel(wordWrap=True, visible=False)
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.editor)
        if hint:
            note = QLabel(hint, wordWrap=True)
            note.setStyleSheet(HINT_STYLE)
            layout.addWidget(note)
        layout.addWidget(self.error)

    def value(self) -> str:
        if isinstance(self.editor, QComboBox):
            return str(self.editor.currentData())
        return self.editor.text().strip()

    def set_value(self, value: str) -> None:
        if isinstance(self.editor, QComboBox):
            self.editor.setCurrentIndex(max(0, self.editor.findData(value)))
        else:
            self.editor.setText(value)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


class SettingsForm(QFormLayout):
    """A form of settings, each with an optional hint under it; ``fields`` maps each key to its editor."""

    def __init__(
        self,
        names: Iterable[str],
        values: dict[str, str],
        hints: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, SettingField] = {}
        for name in names:
            field = SettingField(name, values[name], (hints or {}).get(name, ""))
            self.fields[name] = field
            self.addRow(settings.KEYS[name].describe(), field)


def check_fields(fields: Iterable[SettingField]) -> dict[str, str]:
    """Validate each field on its own (no database write); the refused ones show why.

    Returns the refusals, setting name → message."""
    errors: dict[str, str] = {}
    for field in fields:
        try:
            settings.validate(field.name, field.value())
        except ConfigError as exc:
            errors[field.name] = str(exc)
            explain = _EXPLAIN.get(field.name)
            try:
                if explain is not None:
                    explain(field.value())
            except ConfigError as reason:
                errors[field.name] = str(reason)
        field.show_error(errors.get(field.name, ""))
    return errors
