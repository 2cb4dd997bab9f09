"""Where the local data lives: ``--data-dir``, else ``RETURNSYNC_HOME``, else the per-user folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "ReturnSync"
DB_FILENAME = "returnsync.sqlite3"
# The two executables of the frozen app (build.spec): the window, and the command line with a console.
WINDOW_EXECUTABLE = "ReturnSync"
CLI_EXECUTABLE = "returnsync-cli"


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        path = Path(explicit)
    elif os.environ.get("RETURNSYNC_HOME"):
        path = Path(os.environ["RETURNSYNC_HOME"])
    else:
        # appauthor=False keeps %LOCALAPPDATA%\ReturnSync on Windows, as SPEC §6 says.
        path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path = path.expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_path(directory: Path) -> Path:
    return directory / DB_FILENAME


def asset_path(*parts: str) -> Path:
    """A file under ``resources/``, also inside a PyInstaller bundle (``sys._MEIPASS``)."""
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath("resources", *parts)


def console_executable() -> bool:
    """Whether this is the frozen app's command-line executable, which runs commands only, never the window."""
    return bool(getattr(sys, "frozen", False)) and Path(sys.executable).stem.lower() == CLI_EXECUTABLE
