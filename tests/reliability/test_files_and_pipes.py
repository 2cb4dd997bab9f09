"""Hostile files and pipes (issue 10, items 4 and 8): the command line's reader gone early, the data file held by
another process, a damaged data file. Each says what happened, in Chinese and English, with its exit code — never a
traceback, never a hang — and a damaged file is left byte for byte as it was, with its last automatic copy offered."""

from __future__ import annotations

import io
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import peewee as pw
import pytest

import main
from core import store
from core.app import open_app
from core.errors import DataFileDamaged
from core.paths import database_path
from core.sandbox import Sandbox
from tests.support.cli import ROOT, ok, run_cli
from tests.test_no_cli_advice import cli_words_in
from ui.advice import window_message

pytestmark = pytest.mark.timeout(60)

END = datetime(2024, 6, 10, 15, 0, 0)
DAYS = ("2024-06-08", "2024-06-10")


@pytest.fixture(scope="module")
def sb():
    with Sandbox(returns=40, days=4, seed=11, latency_ms=0, end=END) as sandbox:
        yield sandbox


def _pulled(cli, sb) -> list[str]:
    """The sandbox's credentials and addresses stored, its returns pulled: their codes."""
    ok(cli("credentials", "set", "guanyi", stdin=json.dumps(sb.credentials["guanyi"])))
    ok(cli("credentials", "set", "jingcheng", stdin=json.dumps(sb.credentials["jingcheng"])))
    ok(cli("config", "set", "guanyi.url", sb.guanyi_url))
    ok(cli("config", "set", "jingcheng.url", sb.jingcheng_url))
    ok(cli("config", "set", "jingcheng.auth", sb.jingcheng_auth))
    return ok(cli("pull", "--from", DAYS[0], "--to", DAYS[1], "--json")).json()["codes"]


def _no_traceback(result) -> None:
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text and 'File "' not in text, text


# --- the reader gone -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["log", "show"], ["preview", "CODE", "--json"]])
def test_a_reader_gone_before_the_output_ends_it_quietly(cli, sb, child_env, command):
    codes = _pulled(cli, sb)
    command = [codes[0] if word == "CODE" else word for word in command]
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=child_env, cwd=ROOT)
    proc.stdout.close()  # the reader is gone before the first byte: every write meets a closed pipe
    err = proc.stderr.read().decode("utf-8")
    code = proc.wait(timeout=30)
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err, err
    assert code == main.EXIT_READER_GONE == 128 + signal.SIGPIPE


def test_list_into_head_ends_quietly(cli, sb, child_env):
    _pulled(cli, sb)
    shell = subprocess.run(f'"{sys.executable}" main.py list | head -1; exit "${{PIPESTATUS[0]}}"', shell=True,
                           executable="/bin/bash", capture_output=True, env=child_env, cwd=ROOT, timeout=30)
    assert shell.stdout.decode("utf-8").count("\n") == 1 and "Traceback" not in shell.stderr.decode("utf-8")
    assert shell.returncode in (0, main.EXIT_READER_GONE)  # 0 if it all fitted in the pipe before head left


# --- the data file held by another process ---------------------------------------------------------------------------

@contextmanager
def _held(path: Path) -> Iterator[None]:
    """Another process holding the data file's write lock (``BEGIN EXCLUSIVE``) until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(60)", str(path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait(timeout=10)


def _timed(cli, *args: str):
    start = time.monotonic()
    result = cli(*args)
    return result, time.monotonic() - start


def test_a_file_held_by_another_process_is_said_within_the_busy_timeout(cli, sb, data_dir, monkeypatch):
    codes = _pulled(cli, sb)
    monkeypatch.setattr(store, "BUSY_TIMEOUT_MS", 1_000)  # the same wait as the app's 10 s, shorter for the suite
    path = database_path(data_dir)
    with _held(path):
        for args in (["pull", "--from", DAYS[0], "--to", DAYS[1]], ["config", "set", "guanyi.page_size", "50"],
                     ["push", "--all-ready"], ["--lang", "en", "pull", "--from", DAYS[0], "--to", DAYS[1], "--json"]):
            result, took = _timed(cli, *args)
            _no_traceback(result)
            assert result.code == 2 and took < 8, (args, result)
            said = result.stderr
            if "--lang" in args:
                assert "held by another program" in said and "try again" in said and str(path) in said
                assert result.json()["error_type"] in ("DataFileBusy", "ConfigError")
            else:
                assert "另一个程序" in said and "重试" in said, said
        # Reading goes on beside a writer (WAL): the list needs no write lock.
        listed, took = _timed(cli, "list", "--json")
        assert listed.code == 0 and listed.json()["count"] == len(codes) and took < 8
    assert cli("config", "set", "guanyi.page_size", "50").code == 0  # released: it works again
    assert {r["ledger_status"] for r in cli("list", "--json").json()["returns"]} == {None}  # nothing was sent


def test_a_file_held_by_another_process_ends_a_real_command_in_seconds(cli, sb, data_dir, child_env):
    _pulled(cli, sb)
    with _held(database_path(data_dir)):
        start = time.monotonic()
        result = run_cli(child_env, "--lang", "en", "config", "set", "guanyi.page_size", "50", timeout=40)
        took = time.monotonic() - start
    _no_traceback(result)
    assert result.code == 2 and "held by another program" in result.stderr and "10 s" in result.stderr
    assert store.BUSY_TIMEOUT_MS / 1000 <= took < store.BUSY_TIMEOUT_MS / 1000 + 10


# --- a damaged data file ---------------------------------------------------------------------------------------------

def _file_with_a_copy(cli, sb, data_dir: Path) -> Path:
    """A data file made at schema 2 and migrated by the app (which keeps a copy), then pulled into."""
    path = database_path(data_dir)
    database = pw.SqliteDatabase(str(path))
    store.db.initialize(database)
    for step in store.MIGRATIONS[:2]:
        step(database)
    database.execute_sql("PRAGMA user_version = 2")
    database.close()
    _pulled(cli, sb)
    assert store.newest_copy(path) is not None
    return path


def _overwrite_pages(path: Path, names: tuple[str, ...] | None) -> None:
    """Overwrite the root pages of these tables and indexes (all but the schema's, for ``None``): the file opens,
    reading them fails with 'database disk image is malformed'."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        listed = connection.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage > 1").fetchall()
        roots = [root for name, root in listed if names is None or name in names]
    connection.close()
    assert roots
    with open(path, "r+b") as file:
        for root in roots:
            file.seek((root - 1) * page_size)
            file.write(b"\xa5" * page_size)


def _damaged_said(result, path: Path, *, en: bool = False) -> None:
    _no_traceback(result)
    assert result.code == 2, result
    said = result.stderr
    copy = store.newest_copy(path)
    assert str(path) in said and copy.name in said and "data restore-copy" in said
    words = ("is damaged", "left exactly as it is") if en else ("已损坏", "保持原样")
    assert all(word in said for word in words), said


@pytest.mark.parametrize("damage", ["returns", "everything"])
def test_a_damaged_file_is_said_by_every_command_and_kept_untouched(cli, sb, data_dir, damage):
    path = _file_with_a_copy(cli, sb, data_dir)
    code = _pulled(cli, sb)[0]
    _overwrite_pages(path, ("return_record", "return_record_listed", "return_review") if damage == "returns" else None)
    before = path.read_bytes()
    commands = [["list"], ["preview", code], ["push", code], ["pull", "--from", DAYS[0], "--to", DAYS[1]]]
    if damage == "everything":
        commands += [["config", "show"], ["log", "show"], ["config", "set", "guanyi.page_size", "50"]]
    commands.append(["--lang", "en", "list"])  # last: in this process the language asked for stays
    for args in commands:
        _damaged_said(cli(*args), path, en="en" in args)
    as_json = cli("list", "--json")
    assert as_json.code == 2 and as_json.json()["error_type"] == "DataFileDamaged"
    assert as_json.json()["advice"] == "restore_copy"
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_said_and_kept(cli, data_dir):
    path = database_path(data_dir)
    path.write_bytes(b"PK\x03\x04 an Excel workbook saved over the data file " * 500)
    before = path.read_bytes()
    for args in (["list"], ["--lang", "en", "config", "show"]):
        result = cli(*args)
        _no_traceback(result)
        assert result.code == 2 and str(path) in result.stderr
        assert "已损坏" in result.stderr or "is damaged" in result.stderr
    assert path.read_bytes() == before
    assert cli("data", "restore-copy").code == 2  # no copy to offer: said, nothing changed
    assert path.read_bytes() == before


def test_the_window_start_says_it_in_window_words(cli, sb, data_dir):
    path = _file_with_a_copy(cli, sb, data_dir)
    _overwrite_pages(path, None)
    before = path.read_bytes()
    for lang in ("zh_CN", "en"):
        with pytest.raises(DataFileDamaged) as raised:
            open_app(data_dir, lang, log_file=True)
        shown = window_message(raised.value)
        assert str(path) in shown and store.newest_copy(path).name in shown and not cli_words_in(shown), shown
    assert path.read_bytes() == before


def test_the_window_shows_it_in_a_box_and_closes(cli, sb, data_dir, monkeypatch, qapp):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from core.cli.parser import build_parser
    from ui import app as ui_app
    from ui.main_window import MainWindow

    path = _file_with_a_copy(cli, sb, data_dir)
    _overwrite_pages(path, None)
    before = path.read_bytes()
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: said.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def loop(*_args) -> int:  # until the frame has opened the app, or said why not and closed
        deadline = time.monotonic() + 10
        frames = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        while time.monotonic() < deadline and any(w.isVisible() and w.workspace is None for w in frames):
            QApplication.processEvents()
            time.sleep(0.01)
        return 0

    monkeypatch.setattr(QApplication, "exec", loop)
    code = ui_app.run_window(build_parser().parse_args(["--data-dir", str(data_dir), "--lang", "en"]))
    assert code == 2 and len(said) == 1, said
    assert "is damaged" in said[0] and store.newest_copy(path).name in said[0] and not cli_words_in(said[0])
    assert path.read_bytes() == before


RETURN_TABLES = ("return_record", "return_record_listed", "return_review")


def test_restoring_the_copy_keeps_the_damaged_file_and_the_copy_and_carries_the_ledger(cli, sb, data_dir):
    path = _file_with_a_copy(cli, sb, data_dir)
    copy = store.newest_copy(path)
    copied = copy.read_bytes()
    refused = cli("data", "restore-copy")  # a file that reads well is not replaced
    assert refused.code == 2 and "可以正常读取" in refused.stderr
    code = next(r["code"] for r in cli("list", "--json").json()["returns"] if r["status"] == "ready")
    ok(cli("push", code))  # posted after the copy was taken
    _overwrite_pages(path, RETURN_TABLES)
    damaged = path.read_bytes()

    restored = ok(cli("data", "restore-copy", "--json")).json()
    assert restored["copy"] == str(copy) and restored["file"] == str(path) and restored["ledger_rows_carried"] == 1
    kept = Path(restored["kept"])
    assert kept.read_bytes() == damaged and copy.read_bytes() == copied  # both kept as they were
    kept_files = {p.name for p in data_dir.iterdir() if ".damaged-" in p.name}  # with its -wal and -shm, if any
    assert kept.name in kept_files <= {kept.name, f"{kept.name}-wal", f"{kept.name}-shm"}
    listed = ok(cli("list", "--json")).json()  # the copy opens (and is migrated again, with a copy of its own)
    assert listed["count"] == 0  # taken before the pull: the returns are to be pulled again
    assert _pulled(cli, sb)  # settings as they were at the copy's time (none yet): stored again, pulled again
    again = {r["code"]: r for r in cli("list", "--json").json()["returns"]}
    assert again[code]["ledger_status"] == "posted"  # never offered for posting a second time
    pushed = cli("push", code)
    assert pushed.code == 1 and f"push {code} --force" in pushed.stdout


def test_restoring_a_copy_when_the_ledger_cannot_be_read_says_to_check(cli, sb, data_dir):
    path = _file_with_a_copy(cli, sb, data_dir)
    _overwrite_pages(path, None)
    result = ok(cli("--lang", "en", "data", "restore-copy"))
    assert "could not be read" in result.stdout and "check in Jingcheng" in result.stdout
    assert ok(cli("config", "show"))


class _GonePipe:
    """Standard output as Windows has it once the reader of its pipe has gone: every write fails with EINVAL."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OSError(22, "Invalid argument")

    def flush(self) -> None:
        raise OSError(22, "Invalid argument")

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def test_a_reader_gone_on_windows_einval_ends_it_quietly_too(cli, sb, data_dir, monkeypatch):
    _pulled(cli, sb)
    monkeypatch.setattr(sys, "stdout", _GonePipe())
    assert main.main(["--data-dir", str(data_dir), "list"]) == main.EXIT_READER_GONE


def test_an_einval_that_is_not_the_pipe_is_not_hidden(data_dir, monkeypatch):
    def broken(_args) -> int:
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr("core.cli.parser.run", broken)
    with pytest.raises(OSError):
        main.main(["--data-dir", str(data_dir), "list"])


def _damaged_in_window_words(text: str, path: Path) -> None:
    assert "已损坏" in text and str(path) in text and store.newest_copy(path).name in text, text
    assert "Traceback" not in text and not cli_words_in(text), text


def test_a_damaged_file_met_by_a_worker_of_the_window_is_said_as_at_start(cli, sb, data_dir, qtbot):
    from core import overview
    from ui import worker

    path = _file_with_a_copy(cli, sb, data_dir)
    _overwrite_pages(path, RETURN_TABLES)
    failed: list[str] = []
    with open_app(data_dir, "zh_CN"):  # it opens: only the returns are damaged, and a worker reads them
        task = worker.Task(lambda _progress, _cancel: overview.list_returns(None))
        task.signals.failed.connect(failed.append)
        task.run()
    assert len(failed) == 1
    _damaged_in_window_words(failed[0], path)


def test_a_damaged_file_met_by_a_job_process_is_said_not_crashed(cli, sb, data_dir):
    import multiprocessing
    import threading

    from core import credentials, jobs

    path = _file_with_a_copy(cli, sb, data_dir)
    code = _pulled(cli, sb)[0]
    _overwrite_pages(path, RETURN_TABLES)
    secrets = {kind: json.dumps(entry) for kind in credentials.KINDS if (entry := credentials.load(kind))}
    receive, send = multiprocessing.Pipe(duplex=False)
    jobs._child(jobs.Job("push", {"codes": [code]}, data_dir=str(data_dir), lang="zh_CN"), secrets, send,
                threading.Event())
    kind, payload = receive.recv()
    receive.close()
    assert kind == "failed" and isinstance(payload, DataFileDamaged), (kind, payload)
    _damaged_in_window_words(window_message(payload), path)
