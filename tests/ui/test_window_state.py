"""The window fits the screen it opens on and remembers, on this PC, its size and place, the splitter and the table's
columns; Help › 关于 names the version, the data folder and the log file."""

from __future__ import annotations

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from core import __version__, i18n, store
from ui.main_window import MainWindow
from ui.returns_model import ReturnsModel
from ui.window_state import FILENAME, WindowState, fit_screen
from ui.workspace import Workspace


def _open(qtbot, folder) -> tuple[MainWindow, Workspace]:
    state = WindowState(folder)
    frame = MainWindow(state)
    workspace = Workspace(window_state=state)
    frame.set_workspace(workspace)
    qtbot.addWidget(frame)
    frame.show()
    qtbot.waitUntil(lambda: workspace._load is None, timeout=10_000)
    return frame, workspace


def test_a_first_start_fits_the_screen(qtbot):
    frame = MainWindow()
    qtbot.addWidget(frame)
    fit_screen(frame)
    room = frame.screen().availableGeometry()
    assert frame.width() <= room.width() and frame.height() + 40 <= room.height()
    assert room.contains(frame.geometry())


def test_size_splitter_and_columns_are_remembered(qtbot, db, tmp_path):
    frame, workspace = _open(qtbot, tmp_path)
    frame.resize(700, 500)
    workspace.splitter.setSizes([500, 180])
    header = workspace.table.horizontalHeader()
    header.resizeSection(ReturnsModel.SHOP, 233)
    sizes = workspace.splitter.sizes()
    assert frame.close()
    assert (tmp_path / FILENAME).is_file()

    again, restored = _open(qtbot, tmp_path)
    assert (again.width(), again.height()) == (700, 500)
    assert restored.splitter.sizes() == sizes
    assert restored.table.horizontalHeader().sectionSize(ReturnsModel.SHOP) == 233


def test_widths_kept_in_chinese_still_show_the_english_headers(qtbot, db, tmp_path):
    frame, workspace = _open(qtbot, tmp_path)
    header = workspace.table.horizontalHeader()
    header.resizeSection(ReturnsModel.QUA, 30)  # room for 数量, not for Quantity
    assert frame.close()

    i18n.set_language("en")  # put back after the test (tests/conftest.py)
    _again, restored = _open(qtbot, tmp_path)
    header = restored.table.horizontalHeader()
    english = header.fontMetrics().horizontalAdvance("Quantity")
    assert header.sectionSize(ReturnsModel.QUA) > english
    assert header.sectionSize(ReturnsModel.SHOP) == workspace.table.horizontalHeader().sectionSize(ReturnsModel.SHOP)


def test_nothing_remembered_means_the_default(qtbot, db, tmp_path):
    frame, workspace = _open(qtbot, tmp_path)
    room = frame.screen().availableGeometry()
    assert frame.width() <= room.width() and frame.height() <= room.height()
    assert workspace.table.horizontalHeader().sectionSize(ReturnsModel.SHOP) != 233


class _Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def test_about_names_version_folder_and_log(qtbot, window):
    window.about_action.trigger()
    about = window.about
    folder = store.database_file().parent
    assert about.fields["version"].text() == __version__
    assert about.fields["folder"].text() == str(folder)
    assert about.fields["log"].text() == str(folder / "returnsync.log")
    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        about.open_folder.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [url.toLocalFile() for url in opened.urls] == [str(folder)]
    about.close()


def test_the_window_fits_1280_by_720_whatever_the_status_says(qtbot, window):
    window.pull_button.click()
    qtbot.waitUntil(lambda: window._task is None, timeout=20_000)
    window.progress_label.setText("很长的状态消息 " * 80)
    frame = window.window()
    least = frame.minimumSizeHint()
    assert least.width() <= 1280 - 16 and least.height() <= 720 - 48
    assert window.progress_label.toolTip().startswith("很长的状态消息")
