"""The credentials of one remote system, as a form that never shows a stored secret.

Secret fields are password-echo edits that start empty: a stored secret is only announced by the
placeholder, and only what the user types is written. The public fields (an appkey, a user name) are
shown, because the user needs to see which account is set.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QLineEdit, QWidget

from core import credentials
from core.errors import CredentialsError
from core.i18n import t
from ui.advice import window_message
from ui.settings_fields import ERROR_STYLE, with_hint_beside


class CredentialsBox(QGroupBox):
    """One keyring entry. :meth:`pending` says what Save must write; nothing when nothing was typed.

    ``hints``: field name → a short line shown beside its edit (where to find the value). ``hide_unused``: the fields
    the current settings do not use (:meth:`set_optional`) are hidden instead of marked. ``changed``: a field was
    typed in, or the fields changed with the authentication mode."""

    changed = Signal()

    def __init__(
        self,
        kind: str,
        title: str,
        auth: str | None = None,
        parent: QWidget | None = None,
        *,
        hints: Mapping[str, str] | None = None,
        hide_unused: bool = False,
    ) -> None:
        super().__init__(title, parent)
        self.kind = kind
        self.auth = auth
        self._hints = dict(hints or {})
        self._hide_unused = hide_unused
        self.edits: dict[str, QLineEdit] = {}
        self._rows: dict[str, QWidget] = {}  # each field's widget in the form: its edit, or the edit with its hint
        self._labels: list[QLabel] = []
        self._label_width = 0
        self._shown: dict[str, str] = {}  # the public values as loaded, to tell an edit from no edit
        self._stored: set[str] = set()  # names of the fields that hold a value, never the values
        self._optional: set[str] = set()  # required by the keyring kind, but not by the current settings
        self._form = QFormLayout(self)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.reload()

    def reload(self) -> None:
        """Read what is stored (after a save, too) and rebuild the fields empty."""
        problem = ""
        try:
            stored = credentials.load(self.kind) or {}
        except CredentialsError as exc:
            stored, problem = {}, window_message(exc)
        self._stored = {name for name, value in stored.items() if value}
        self._shown = {name: str(stored[name]) for name in credentials.PUBLIC_FIELDS if stored.get(name)}
        self._build()
        self.show_error(problem)

    def _build(self) -> None:
        while self._form.rowCount():
            self._form.removeRow(0)  # deletes the row's widgets, the error line among them
        self.edits = {}
        self._rows = {}
        self._labels = []
        self.error = QLabel(wordWrap=True, visible=False)
        self.error.setStyleSheet(ERROR_STYLE)
        required, optional = credentials.fields(self.kind, self.auth)
        for name in required + optional:
            edit = QLineEdit()
            edit.setObjectName(f"{self.kind}.{name}")
            if name in credentials.PUBLIC_FIELDS:
                edit.setText(self._shown.get(name, ""))
            else:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
                edit.setPlaceholderText(self._placeholder(name))
            edit.textChanged.connect(lambda _text: self.changed.emit())
            zh, en = credentials.FIELD_LABELS.get(name, (name, name))
            if name in optional:
                zh, en = f"{zh}（可不填）", f"{en} (optional)"
            self.edits[name] = edit
            hint = self._hints.get(name)
            self._rows[name] = with_hint_beside(edit, hint) if hint else edit
            label = QLabel(t(zh, en))
            label.setMinimumWidth(self._label_width)
            self._labels.append(label)
            self._form.addRow(label, self._rows[name])
        if not required:
            note = QLabel(t("此认证方式不需要凭据。", "This authentication needs no credentials."))
            self._form.addRow(note)
        self._form.addRow(self.error)
        self._show_used()

    def labels(self) -> list[QLabel]:
        return list(self._labels)

    def set_label_width(self, width: int) -> None:
        """Labels at least this wide, now and after a rebuild: to line up with the forms beside the box."""
        self._label_width = width
        for label in self._labels:
            label.setMinimumWidth(width)

    def set_auth(self, auth: str) -> None:
        """精诚's fields follow its authentication mode; what was typed for the old mode is dropped."""
        if auth != self.auth:
            self.auth = auth
            self._build()
            self.changed.emit()

    def set_optional(self, names: set[str]) -> None:
        """Required fields that the current settings do not use, so saving does not insist on them."""
        self._optional = set(names)
        for name, edit in self.edits.items():
            if name not in credentials.PUBLIC_FIELDS:
                edit.setPlaceholderText(self._placeholder(name))
        self._show_used()

    def _show_used(self) -> None:
        if self._hide_unused:
            for name, row in self._rows.items():
                self._form.setRowVisible(row, name not in self._optional)

    def _placeholder(self, name: str) -> str:
        # The one sign of a stored secret: its value never enters the widget.
        if name in self._stored:
            return t("已保存，留空则不变", "Stored; leave empty to keep it")
        if name in self._optional:
            return t("未保存（现在的设置用不到）", "Not stored (not used by the current settings)")
        return t("未保存", "Not stored")

    def _typed(self) -> dict[str, str]:
        typed = {}
        for name, edit in self.edits.items():
            value = edit.text().strip()
            if name in credentials.PUBLIC_FIELDS:
                if value != self._shown.get(name, ""):
                    typed[name] = value
            elif value:
                typed[name] = value
        return typed

    def pending(self, *, complete: bool = False) -> dict[str, str] | None:
        """The whole object to store, or ``None`` when nothing was typed.

        Raises :class:`CredentialsError` when the result would lack a required field (shown in the box); with
        ``complete``, also when nothing was typed and what is stored lacks one (a test is about to need them)."""
        typed = self._typed()
        required, optional = credentials.fields(self.kind, self.auth)
        if not typed:
            if complete:
                self._refuse_missing(self._stored, required)
            return None
        # The stored secrets are read only now, to merge the untouched ones: they never sit in a widget.
        stored = credentials.load(self.kind) or {}
        values = {name: stored[name] for name in required + optional if stored.get(name)}
        values.update(typed)
        values = {name: value for name, value in values.items() if value}
        self._refuse_missing(set(values), required)
        return values

    def _refuse_missing(self, present: set[str], required: tuple[str, ...]) -> None:
        missing = [name for name in required if name not in present and name not in self._optional]
        if missing:
            labels = [credentials.FIELD_LABELS.get(name, (name, name)) for name in missing]
            raise CredentialsError(
                f"{self.title()}：还需要填写 {'、'.join(zh for zh, _ in labels)}。",
                f"{self.title()}: fill in {', '.join(en for _, en in labels)}.",
            )

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
