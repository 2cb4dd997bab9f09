"""Help › 关于: the version, the data folder and the log file, with a button to open the folder — what support asks
for first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from core import __version__
from core.app import LOG_FILENAME
from core.i18n import t
from ui.main_window import title


class AboutDialog(QDialog):
    def __init__(self, data_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_folder = data_folder
        self.setWindowTitle(t("关于", "About"))
        heading = QLabel(f"<b>{title()}</b>")
        purpose = QLabel(t("把管易云的退货单同步到精诚ERP，每张只推送一次。",
                           "Moves Guanyi returns into Jingcheng ERP, each posted exactly once."))
        purpose.setWordWrap(True)
        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        for key, label, value in (
            ("version", t("版本", "Version"), __version__),
            ("folder", t("数据文件夹", "Data folder"), str(data_folder)),
            ("log", t("日志文件", "Log file"), str(data_folder / LOG_FILENAME)),
        ):
            shown = self.fields[key] = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            form.addRow(label, shown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(t("关闭", "Close"))
        self.open_folder = buttons.addButton(t("打开数据文件夹", "Open the data folder"),
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.open_folder.clicked.connect(self.show_folder)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(purpose)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def show_folder(self) -> bool:
        """Open the data folder in the system's file manager."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.data_folder)))
