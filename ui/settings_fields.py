"""One editor per non-secret setting (core.settings.KEYS): a combo for a key with choices, a line edit
otherwise, each with its own error line under it, so a refused value is named where it was typed."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from core import settings
from core.errors import ConfigError
from core.i18n import t
from ui.advice import window_message

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b7f3b;"
HINT_STYLE = "color: #666666;"


def hint_label(text: str) -> QLabel:
    note = QLabel(text, wordWrap=True)
    note.setStyleSheet(HINT_STYLE)
    return note


def with_hint_beside(editor: QWidget, hint: str) -> QWidget:
    """An editor with a short hint to its right (where to find the value), for forms with little height to spare."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    # Top-aligned, so that a hint wrapped on two lines does not push the editor below its label; its first line
    # centred on the editor.
    note = hint_label(hint)
    note.setContentsMargins(0, max(0, (editor.sizeHint().height() - note.fontMetrics().height()) // 2), 0, 0)
    layout.addWidget(editor, 1, Qt.AlignmentFlag.AlignTop)
    layout.addWidget(note, 1, Qt.AlignmentFlag.AlignTop)
    return row


class SettingField(QWidget):
    """The editor of one setting and the line that says why its value was refused. ``changed``: the user (or code)
    changed the value shown."""

    changed = Signal()

    def __init__(
        self, name: str, value: str, hint: str = "", parent: QWidget | None = None, *, beside: bool = False
    ) -> None:
        super().__init__(parent)
        self.name = name
        key = settings.KEYS[name]
        if key.choices:
            self.editor: QComboBox | QLineEdit = QComboBox()
            for choice in key.choices:
                self.editor.addItem(key.choice_text(choice), choice)
            if self.editor.findData(value) < 0:
                # A value stored before its choice was renamed: show it, so saving refuses it by name.
                self.editor.addItem(value, value)
            self.editor.setCurrentIndex(self.editor.findData(value))
        else:
            self.editor = QLineEdit(value)
            self.editor.setPlaceholderText(t(f"默认：{key.default}", f"Default: {key.default}") if key.default else "")
        self.editor.setToolTip(f"{name}\n{t('默认', 'Default')}: {key.default or '—'}")
        self.editor.setObjectName(name)
        if isinstance(self.editor, QComboBox):
            self.editor.currentIndexChanged.connect(lambda _index: self.changed.emit())
        else:
            self.editor.textChanged.connect(lambda _text: self.changed.emit())
        self.error = QLabel(wordWrap=True, visible=False)
        self.error.setStyleSheet(ERROR_STYLE)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        if hint and beside:
            layout.addWidget(with_hint_beside(self.editor, hint))
        else:
            layout.addWidget(self.editor)
            if hint:
                layout.addWidget(hint_label(hint))
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
    """A form of settings, each with an optional hint under it (``beside``: to its right) and the setting's own label
    unless ``labels`` gives a shorter one; ``fields`` maps each key to its editor."""

    def __init__(
        self,
        names: Iterable[str],
        values: dict[str, str],
        hints: dict[str, str] | None = None,
        parent: QWidget | None = None,
        *,
        beside: bool = False,
        labels: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, SettingField] = {}
        for name in names:
            field = SettingField(name, values[name], (hints or {}).get(name, ""), beside=beside)
            self.fields[name] = field
            self.addRow((labels or {}).get(name) or settings.KEYS[name].describe(), field)


def check_fields(fields: Iterable[SettingField]) -> dict[str, str]:
    """Validate each field on its own (no database write); the refused ones show why.

    Returns the refusals, setting name → message."""
    errors: dict[str, str] = {}
    for field in fields:
        try:
            settings.validate(field.name, field.value())
        except ConfigError as exc:
            errors[field.name] = window_message(exc)
        field.show_error(errors.get(field.name, ""))
    return errors
