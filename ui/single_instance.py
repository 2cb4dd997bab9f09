"""One window per data folder: a second start of the window against the same folder asks the running one to come to
the front, and ends. The command line is not held back: it runs beside the window (the ledger keeps them apart).

Two parts, so that the frame shows as fast as a bare Qt window's:

- before the frame, :meth:`SingleInstance.claim` takes a lock on ``window.lock`` in the data folder — a few hundred
  microseconds, no Qt networking loaded. The operating system lets go of it when the process ends, however it ends:
  a window that was killed leaves nothing that blocks the next start.
- once the frame is painted, :meth:`SingleInstance.listen` opens a local server (a named pipe on Windows, a socket
  file here) whose name comes from the data folder's absolute path. A second start, finding the lock taken, connects
  to it and writes ``raise`` — waiting a moment for it if the first window is still starting.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from PySide6.QtNetwork import QLocalServer

log = logging.getLogger(__name__)

LOCK_FILENAME = "window.lock"
RAISE = b"raise\n"
_FIND_S = 10.0  # how long a second start looks for the first window's server (it listens once its frame is painted)
_CONNECT_MS = 250
_WRITE_MS = 2_000


def server_name(folder: Path) -> str:
    """The local server's name for a data folder: the same for every spelling of its path on this PC."""
    import hashlib  # its OpenSSL half takes a few milliseconds to load: not before the frame shows

    path = os.path.normcase(str(Path(folder).expanduser().resolve()))
    return "ReturnSync-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:24]


class SingleInstance(QObject):
    """:meth:`claim` the data folder for this window, then :meth:`listen`; :attr:`raise_requested` when another
    start asks for it."""

    raise_requested = Signal()

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = Path(folder)
        self.server: QLocalServer | None = None
        self._lock: int | None = None  # the descriptor holding the folder's lock

    def claim(self) -> bool:
        """True when this start is the folder's window; False when a window already runs on it, which has been
        asked to come to the front."""
        try:
            self._lock = _take_lock(self.folder / LOCK_FILENAME)
        except OSError as exc:  # the folder cannot be written: the core says why when it opens the data file
            log.warning("cannot take the window's lock (%s); going on without", exc)
            return True
        if self._lock is not None:
            return True
        if self._ask_to_raise():
            return False
        # Its window holds the lock but answers no one (hung, or unable to listen). Better two windows than none: the
        # ledger still keeps them from posting a sheet twice.
        log.warning("a window holds this data folder but does not answer; opening another")
        return True

    def listen(self) -> None:
        """Answer later starts from now on (once the frame is painted: the server's module loads in a few ms)."""
        if self._lock is None or self.server is not None:
            return
        from PySide6.QtNetwork import QLocalServer

        name = server_name(self.folder)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            QLocalServer.removeServer(name)  # left by a window that was killed: this one holds the lock now
            if not server.listen(name):
                log.warning("cannot listen for a second start (%s); going on without", server.errorString())
                return
        server.newConnection.connect(self._answer)
        self.server = server

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if self._lock is not None:
            os.close(self._lock)  # the lock goes with the descriptor
            self._lock = None

    def _ask_to_raise(self) -> bool:
        from PySide6.QtNetwork import QLocalSocket

        name = server_name(self.folder)
        deadline = time.monotonic() + _FIND_S
        socket = QLocalSocket(self)
        while True:
            socket.connectToServer(name)
            if socket.waitForConnected(_CONNECT_MS):
                break
            socket.abort()
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)  # not listening yet: the first window is still starting
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


def _take_lock(path: Path) -> int | None:
    """An open descriptor holding an exclusive lock on ``path``, or None when another process (or another claim in
    this one) holds it."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)  # the first byte, from the start of the file
        else:
            import fcntl

            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(descriptor)
        if isinstance(exc, BlockingIOError) or exc.errno in (errno.EACCES, errno.EDEADLOCK):
            return None  # held (Windows says EACCES or EDEADLOCK)
        raise
    return descriptor
