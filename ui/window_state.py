"""What the window remembers on this PC between starts — its size and place, the splitter, the table's columns —
in ``window.ini`` beside the data file (window preferences stay on each PC, whatever store holds the data).

A first start gets a size that fits the screen it opens on: 1280×760 where there is room, less on a 1920×1080
laptop at 150 % (1280×720 logical, taskbar included), so the status bar and its 取消 never hide below the screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QWidget

FILENAME = "window.ini"
_DEFAULT = (1280, 760)
_FRAME = (16, 48)  # room for the window's own frame and title bar, which its size leaves out


class WindowState:
    def __init__(self, folder: Path) -> None:
        self._settings = QSettings(str(Path(folder) / FILENAME), QSettings.Format.IniFormat)

    def restore_geometry(self, window: QWidget) -> None:
        """The size and place the window had when it was last closed, or a first size that fits the screen."""
        stored = self._settings.value("window/geometry")
        if isinstance(stored, QByteArray) and window.restoreGeometry(stored):
            return
        fit_screen(window)

    def save_geometry(self, window: QWidget) -> None:
        self._settings.setValue("window/geometry", window.saveGeometry())
        self._settings.sync()

    def restore(self, key: str) -> QByteArray | None:
        """A widget's saved state (a splitter's, a header's), if any."""
        stored = self._settings.value(f"state/{key}")
        return stored if isinstance(stored, QByteArray) and not stored.isEmpty() else None

    def save(self, key: str, state: QByteArray) -> None:
        self._settings.setValue(f"state/{key}", state)
        self._settings.sync()


def fit_screen(window: QWidget) -> None:
    """The default size, shrunk to fit the screen the window opens on, and centred there."""
    screen = window.screen()
    if screen is None:
        window.resize(*_DEFAULT)
        return
    room = screen.availableGeometry()
    width = min(_DEFAULT[0], room.width() - _FRAME[0])
    height = min(_DEFAULT[1], room.height() - _FRAME[1])
    window.resize(width, height)
    window.move(room.x() + (room.width() - width) // 2, room.y() + max(0, (room.height() - height - _FRAME[1]) // 2))
