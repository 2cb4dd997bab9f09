"""The main window: its frame first — title, size, and a word that the app is opening — shown before anything slow
is imported or read, then the workspace (:mod:`ui.workspace`) inside it once the app is open.

Light on purpose: Qt and the language only, so that it is on the screen as soon as a bare Qt window would be. Not
even the ``Qt`` namespace: PySide makes its hundred enums (``Qt.Key`` alone has hundreds of members) when the name is
first imported, 10 ms that the frame need not wait for; the workspace imports it on the opening thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QPaintEvent
from PySide6.QtWidgets import QLabel, QMainWindow

from core.i18n import t

if TYPE_CHECKING:
    from ui.window_state import WindowState
    from ui.workspace import Workspace


def title() -> str:
    """The app's name, as the title of its windows and message boxes."""
    return t("退货单同步助手", "ReturnSync")


class MainWindow(QMainWindow):
    first_painted = Signal()  # the frame is on the screen: the app may open now

    def __init__(self, window_state: WindowState | None = None) -> None:
        super().__init__()
        self._painted = False
        self.window_state = window_state  # the size and place remembered on this PC, if any
        self.setWindowTitle(title())
        if window_state is not None:
            window_state.restore_geometry(self)
        else:
            self.resize(1280, 720)
        self.workspace: Workspace | None = None
        # Centred by its rich text across the label's width (a label centres vertically by itself), not by
        # setAlignment(Qt.AlignmentFlag...): see the module's note.
        opening = QLabel(f'<div align="center">{t("正在打开…", "Opening…")}</div>')
        self.setCentralWidget(opening)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def bring_to_front(self) -> None:
        """Shown, restored if minimised, raised and active: what a second start of the app asks for."""
        from PySide6.QtCore import Qt  # loaded by the workspace long before a second start asks

        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.show()
        self.raise_()
        self.activateWindow()

    def set_workspace(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.setCentralWidget(workspace)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The workspace may first have to let a sheet on the wire finish: it closes the window itself then.
        if self.workspace is not None and not self.workspace.request_close(self.close):
            event.ignore()
            return
        if self.window_state is not None:
            self.window_state.save_geometry(self)
            if self.workspace is not None:
                self.workspace.save_state(self.window_state)
        super().closeEvent(event)
