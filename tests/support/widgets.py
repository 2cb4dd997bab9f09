"""What a dialog shows, for tests that look for a secret or a command-line word in it."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QLineEdit, QWidget


def shown_texts(widget: QWidget) -> list[str]:
    """Every text ``widget`` shows or holds in a child widget, placeholders and tooltips included."""
    texts = [widget.windowTitle()]
    for child in [widget, *widget.findChildren(QWidget)]:
        texts.append(child.toolTip())
        if isinstance(child, QLineEdit):
            texts += [child.text(), child.placeholderText(), child.displayText()]
        elif isinstance(child, QLabel | QAbstractButton):
            texts.append(child.text())
        elif isinstance(child, QComboBox):
            texts += [child.itemText(i) for i in range(child.count())]
    return texts
