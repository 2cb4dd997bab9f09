"""The window's pulls and pushes, run in a process of their own.

CPython runs the Python of one process one thread at a time. A pull parses, checks and stores thousands of returns,
and while it did so on a thread beside the window, each repaint of the table — a few hundred calls from Qt into
Python — waited its turn, and the window froze for a tenth of a second at a time. In a child process the job has an
interpreter of its own, and the window's stays free for the window.

The child gets what it needs to stand alone: the data folder, the language, and the credentials the parent read from
its keyring (kept in the child's memory only, never written anywhere). It reports progress, then a result, a
refusal or a cancel, through a pipe; a cancel asked for in the parent reaches it through an event.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from core import credentials, i18n, store
from core.cancel import CancelSource
from core.errors import Cancelled, ReturnSyncError
from core.redact import crash_text
from core.team import connection as team

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Job:
    kind: str  # "pull" or "push"
    params: Mapping[str, Any]
    data_dir: str = field(default_factory=lambda: str(store.database_file().parent))  # the folder open now
    lang: str = field(default_factory=i18n.current)


class _HandedKeyring(KeyringBackend):
    """The child's keyring: the credentials its parent read, in memory."""

    priority = 0

    def __init__(self, entries: Mapping[str, str]) -> None:
        super().__init__()
        self._entries = dict(entries)

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries.get(username) if service == credentials.SERVICE else None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._entries[username] = password

    def delete_password(self, service: str, username: str) -> None:
        if self._entries.pop(username, None) is None:
            raise PasswordDeleteError(username)


def _pull(params: Mapping[str, Any], progress: Callable[[object], None], cancel: CancelSource) -> object:
    from core import pull

    with pull.connect() as client:
        return pull.pull(client, params["start"], params["end"], axis=params["axis"],
                         all_statuses=params["all_statuses"], progress=progress, cancel=cancel)


def _push(params: Mapping[str, Any], progress: Callable[[object], None], cancel: CancelSource) -> object:
    from core import push

    def report(index: int, count: int, code: str, status: str) -> None:
        progress((index, count, code, status))

    return push.push(params["codes"], force=params.get("force", False), progress=report, cancel=cancel)


_KINDS = {"pull": _pull, "push": _push}


def _child(job: Job, secrets: Mapping[str, str], out: Connection, stop: Any) -> None:
    """The child process: open the app on the data folder, run the job, say how it ended."""
    import keyring

    from core.app import open_app

    keyring.set_keyring(_HandedKeyring(secrets))
    try:
        with open_app(job.data_dir, job.lang), store.data_file_errors():  # a damaged file: said, not a crash
            result = _KINDS[job.kind](job.params, lambda payload: out.send(("progress", payload)), stop.is_set)
    except Cancelled:
        out.send(("cancelled", None))
    except ReturnSyncError as exc:
        out.send(("failed", exc))  # whole: its class and its advice, for the window to say what to do
    except BaseException:
        # The text may quote a request (a URL with its sign, a header): masked here, where it is written out.
        known = [value for entry in secrets.values() for value in json.loads(entry).values() if isinstance(value, str)]
        out.send(("crashed", crash_text(traceback.format_exc(), known)))
    else:
        out.send(("done", result))
    finally:
        out.close()


def run(job: Job, progress: Callable[[object], None], cancel: threading.Event) -> object:
    """Run ``job`` in a child process and hand its progress to ``progress`` on this thread; returns its result, or
    raises :class:`Cancelled` or the :class:`ReturnSyncError` that stopped it."""
    secrets = {kind: json.dumps(entry, ensure_ascii=False) for kind in credentials.KINDS
               if (entry := credentials.load(kind))}
    if password := team.keyring_password():  # the shared database's, in team mode (SPEC §11)
        secrets[team.KEYRING_KIND] = json.dumps({"password": password})
    context = multiprocessing.get_context("spawn")  # the same on Windows and here; no thread state is copied
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    child = context.Process(target=_child, args=(job, secrets, send, stop), name=f"returnsync-{job.kind}",
                            daemon=True)
    child.start()
    send.close()
    try:
        while True:
            if cancel.is_set():
                stop.set()
            if receive.poll(_POLL_SECONDS):
                try:
                    kind, payload = receive.recv()
                except EOFError:
                    break
                if kind == "progress":
                    try:
                        progress(payload)
                    except BaseException:
                        _stop_and_drain(stop, receive, child)  # the child ends at its next step, its work recorded
                        raise
                    continue
                return _ended(kind, payload)
            elif not child.is_alive():
                break
        raise ReturnSyncError(
            f"执行任务的进程意外结束（退出码 {child.exitcode}）。已完成的部分已保存；请重试。",
            f"The process doing the work ended unexpectedly (exit code {child.exitcode}). What was done is kept; "
            "try again.",
        )
    finally:
        receive.close()
        child.join()


def _stop_and_drain(stop: Any, receive: Connection, child: Any) -> None:
    """Ask the child to stop and read what it still sends until it ends: a pipe closed under it would break the
    child at its next report, before it recorded the outcome of a sheet on the wire."""
    stop.set()
    while child.is_alive() or receive.poll():
        try:
            if receive.poll(_POLL_SECONDS):
                receive.recv()
        except (EOFError, OSError):
            break


def _ended(kind: str, payload: Any) -> object:
    if kind == "done":
        return payload
    if kind == "cancelled":
        raise Cancelled()
    if kind == "failed":
        raise payload
    log.error("a job's process failed:\n%s", payload)
    raise ReturnSyncError(
        "发生了意外错误，详情已写入日志文件。已完成的部分已保存。",
        "An unexpected error occurred; details are in the log file. What was done is kept.",
    )
