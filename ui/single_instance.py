"""One window per data folder: a second start of the window against the same folder asks the running one to come to
the front, and ends. The command line is not held back: it runs beside the window (the ledger keeps them apart).

The first window listens on a local server (a named pipe on Windows, a socket file here) whose name comes from the
data folder's absolute path; a second start connects to it and writes ``raise``. A server left behind by a window
that was killed answers no one: the next start finds no one listening, removes it and listens itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

RAISE = b"raise\n"
_CONNECT_MS = 1_000
_WRITE_MS = 2_000


def server_name(folder: Path) -> str:
    """The local server's name for a data folder: the same for every spelling of its path on this PC."""
    path = os.path.normcase(str(Path(folder).expanduser().resolve()))
    return "ReturnSync-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:24]


class SingleInstance(QObject):
    """:meth:`claim` the data folder for this window; :attr:`raise_requested` when another start asks for it."""

    raise_requested = Signal()

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(folder)
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True when this start is the folder's window (listening from now on); False when a window already runs on
        it, which has been asked to come to the front."""
        if self._ask_to_raise():
            return False
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            if self._ask_to_raise():  # one started at the same moment, and listens now
                return False
            QLocalServer.removeServer(self.name)  # left by a window that was killed: no one answers on it
            if not server.listen(self.name):
                # Better two windows than none: the ledger still keeps them from posting a sheet twice.
                log.warning("cannot listen for a second start (%s); going on without", server.errorString())
                return True
        server.newConnection.connect(self._answer)
        self.server = server
        return True

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _ask_to_raise(self) -> bool:
        socket = QLocalSocket(self)
        socket.connectToServer(self.name)
        if not socket.waitForConnected(_CONNECT_MS):
            return False
        if sys.platform == "win32":  # the running window may take the foreground: this start is what the user clicked
            import ctypes

            ctypes.windll.user32.AllowSetForegroundWindow(-1)  # ASFW_ANY
        socket.write(RAISE)
        socket.waitForBytesWritten(_WRITE_MS)
        socket.disconnectFromServer()
        return True

    def _answer(self) -> None:
        # The other start writes at once and waits for the write: reading here keeps no socket or slot alive after.
        while self.server is not None and (connection := self.server.nextPendingConnection()) is not None:
            if connection.bytesAvailable() or connection.waitForReadyRead(_WRITE_MS):
                asked = bytes(connection.readAll().data())
            else:
                asked = b""
            connection.disconnectFromServer()
            connection.deleteLater()
            if asked.strip() == RAISE.strip():
                log.info("a second start on this data folder: this window brought to the front")
                self.raise_requested.emit()
