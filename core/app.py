"""Opening the app: the one start-up path of the command line and the window alike.

In this order: the language asked for (so that even a refusal to open speaks it), logging, the data folder,
the database with its migrations, the language of the settings, start-up recovery of the ledger (SPEC §5
step 5), and for ``--demo`` the built-in sandbox. :func:`open_app` returns an :class:`App` whose
:meth:`~App.close` undoes what was opened, so a test can open and close the app many times in one process.
"""

from __future__ import annotations

import logging
import sys
import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from core import __version__, credentials, i18n, ledger, paths, settings, store
from core.team import connection as team

if TYPE_CHECKING:
    from core.sandbox import Sandbox

log = logging.getLogger(__name__)

LOG_FILENAME = "returnsync.log"
_FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # the terminal gets logging.BASIC_FORMAT


@dataclass
class App:
    """What start-up opened. ``data_dir`` is ``None`` for a command that needs no data (``sandbox``)."""

    data_dir: Path | None = None
    log_file: Path | None = None
    recovered: list[str] = field(default_factory=list)  # SheetIDs start-up recovery made "unknown"
    sandbox: Sandbox | None = None  # --demo: the simulators the app talks to
    banner: str = ""  # --demo: what the sandbox holds, for the window
    _handlers: list[logging.Handler] = field(default_factory=list)
    _level: int = logging.WARNING

    def close(self) -> None:
        """Stop the demo's sandbox, close the database, take back the log handlers this start-up added."""
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        team.close_shared()
        store.close_database()
        root = logging.getLogger()
        for handler in self._handlers:
            root.removeHandler(handler)
            handler.close()
        self._handlers.clear()
        root.setLevel(self._level)

    def __enter__(self) -> App:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def open_app(
    data_dir: str | Path | None = None,
    lang: str | None = None,
    *,
    verbose: bool = False,
    log_file: bool = False,
    demo: bool = False,
    needs_store: bool = True,
) -> App:
    """Open everything a command or the window needs, in one order (see the module's text).

    ``data_dir``: ``--data-dir`` (else ``RETURNSYNC_HOME``, else the per-user folder; ``--demo`` alone: a
    temporary folder). ``lang``: ``--lang``, which wins over the setting ``ui.lang``. ``verbose``: details to
    stderr. ``log_file``: also log to ``returnsync.log`` in the data folder (the window, which has no
    terminal). Raises :class:`~core.errors.ConfigError` when the data file cannot be opened; nothing stays
    open then."""
    if lang:
        i18n.set_language(lang)
    app = App()
    _log_to(app, logging.StreamHandler(sys.stderr), logging.DEBUG if verbose else logging.WARNING, logging.BASIC_FORMAT)
    if not needs_store:
        return app
    try:
        if demo and not data_dir:
            app.data_dir = Path(tempfile.mkdtemp(prefix="returnsync-demo-"))
        else:
            app.data_dir = paths.data_dir(data_dir)
        if log_file:
            app.log_file = app.data_dir / LOG_FILENAME
            handler = RotatingFileHandler(app.log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
            _log_to(app, handler, logging.INFO, _FILE_FORMAT)
        log.info("ReturnSync %s starting; data folder %s", __version__, app.data_dir)
        if getattr(sys, "frozen", False):  # which backend the bundle found is what support asks first
            _log_keyring_backend()
        database = paths.database_path(app.data_dir)
        store.open_database(database)
        # The first reads of the file: a damaged one, or one held by another program, says so here (the window's start
        # shows it), not as a traceback.
        with store.data_file_errors(database):
            i18n.set_language(lang or settings.get("ui.lang"))
            team.open_if_set()  # team.url set: the store is the shared database from here on (SPEC §11)
            app.recovered = ledger.recover()
        if app.recovered:
            log.info("interrupted pushes now in state unknown: %s", ", ".join(app.recovered))
        if demo:
            _start_demo(app)
    except BaseException:
        app.close()
        raise
    return app


def _log_keyring_backend() -> None:
    try:
        log.info("keyring backend: %s", credentials.backend_name())
    except Exception as exc:  # noqa: BLE001 - a keyring that cannot load is said when credentials are used
        log.warning("keyring backend: none could be loaded (%s)", type(exc).__name__)


def data_folder() -> Path:
    """The data folder of the data file open now (the window's Help › 关于 names it)."""
    return store.database_file().parent


def data_file_errors() -> AbstractContextManager[None]:
    """Around work the window runs beside it (a worker, a job's process): an error about the data file itself —
    damaged, held by another program, the disk full — becomes the error the start gives (:class:`DataFileDamaged`,
    …), said the same way, instead of an unexpected error."""
    return store.data_file_errors()


def leave_thread() -> None:
    """Close the calling thread's own connection to the data file (peewee gives each thread one): a thread that ends
    should not leave it open."""
    if store.db.obj is not None and not store.db.is_closed():
        store.db.close()


def _log_to(app: App, handler: logging.Handler, level: int, form: str) -> None:
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(form))
    root = logging.getLogger()
    if not app._handlers:
        app._level = root.level
    root.addHandler(handler)
    root.setLevel(min([level, *(h.level for h in app._handlers)]))
    app._handlers.append(handler)


def _start_demo(app: App) -> None:
    # Imported here: the simulators are only loaded for --demo.
    from core.sandbox.demo import describe_demo, start_demo

    app.sandbox = start_demo()
    app.banner = describe_demo(app.sandbox)
