"""Saving what a form of settings and credentials holds — the Settings dialog's Save and each page of the first-run
guide: every field is checked first and nothing is written while one is refused; the refusal is shown where it was
typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from PySide6.QtWidgets import QWidget

from core import settings, settings_save
from core.errors import ConfigError, CredentialsError
from core.i18n import t
from ui.advice import window_message
from ui.settings_credentials import CredentialsBox
from ui.settings_fields import SettingField, check_fields


@dataclass
class Outcome:
    """What a save did: ``message`` says it in a sentence; ``culprits`` are the refused entries, first to show."""

    saved: bool
    message: str
    culprits: list[QWidget] = field(default_factory=list)


def save(
    fields: Mapping[str, SettingField],
    boxes: Iterable[CredentialsBox],
    values: Mapping[str, str] | None = None,
    *,
    complete: bool = False,
) -> Outcome:
    """Store the ``fields`` (and the plain ``values`` of settings edited by other widgets) and what was typed in the
    ``boxes``; the typed secrets then leave the widgets. ``complete``: a box must end up with every field the
    settings need (a connection test follows)."""
    boxes = list(boxes)
    errors = check_fields(fields.values())
    secrets: dict[str, dict[str, str]] = {}
    refused_boxes = []
    for box in boxes:
        box.show_error("")
        try:
            entry = box.pending(complete=complete)
        except CredentialsError as exc:
            box.show_error(window_message(exc))
            refused_boxes.append(box)
            continue
        if entry is not None:
            secrets[box.kind] = entry
    if errors or refused_boxes:
        names = [settings.KEYS[name].describe() for name in errors] + [box.title() for box in refused_boxes]
        return Outcome(
            False,
            t(f"有 {len(names)} 处需要修改（见红字）：{'、'.join(names)}。什么都没有保存。",
              (f"{len(names)} entries need" if len(names) > 1 else "1 entry needs")
              + f" fixing (in red): {', '.join(names)}. Nothing was saved."),
            [*(fields[name] for name in errors), *refused_boxes],
        )
    try:
        changed = settings_save.save({**{name: f.value() for name, f in fields.items()}, **(values or {})}, secrets)
    except ConfigError as exc:
        culprit = fields.get(exc.setting or "")
        if culprit is not None:
            culprit.show_error(window_message(exc))
        said = window_message(exc)
        return Outcome(False, t(f"没有保存：{said}", f"Nothing was saved: {said}"), [culprit] if culprit else [])
    for box in boxes:
        box.reload()  # the typed secrets leave the widgets; the placeholders now say "stored"
    stored = ", ".join(sorted(secrets))
    return Outcome(
        True,
        t(f"已保存：{len(changed)} 项设置" + (f"，凭据 {stored}" if stored else "") + "。",
          f"Saved: settings changed {len(changed)}" + (f", credentials {stored}" if stored else "") + "."),
    )
