"""The disk full while writing (issue 10, item 4), made real with SQLite's own limit: the data file's free space is
filled with ballast and every connection the app opens is held to the file's page count (``PRAGMA max_page_count``),
so a write that needs one page more fails exactly as on a full disk — ``SQLITE_FULL``, "database or disk is full".

A pull stops saying 磁盘已满 / the disk is full, exit code 2 (SPEC §7: the user must fix something here), with whole
windows stored or none; a push whose claim cannot be written sends nothing; a push whose outcome cannot be written
says what 精诚 answered and that the sheet will show as unknown — it is never left ready, never marked posted. The file
passes ``PRAGMA integrity_check`` after each, and once there is room again the pull completes."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from core import store
from core.jingcheng import client as jingcheng_client
from core.paths import database_path
from core.sandbox import Sandbox
from tests.support.cli import ok

pytestmark = pytest.mark.timeout(60)

END = datetime(2024, 6, 10, 15, 0, 0)


@pytest.fixture
def sb():
    with Sandbox(returns=60, days=4, seed=11, end=END) as sandbox:
        yield sandbox


def _configured(cli, sb) -> None:
    ok(cli("credentials", "set", "guanyi", stdin=json.dumps(sb.credentials["guanyi"])))
    ok(cli("credentials", "set", "jingcheng", stdin=json.dumps(sb.credentials["jingcheng"])))
    for key, value in (
        ("guanyi.url", sb.guanyi_url),
        ("jingcheng.url", sb.jingcheng_url),
        ("jingcheng.auth", sb.jingcheng_auth),
        ("pull.window_days", "1"),
    ):
        ok(cli("config", "set", key, value))


def _fill(path: Path) -> int:
    """Fill the file's free pages with ballast; its page count, which the app's connections are then held to."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS ballast (x BLOB)")
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages}")
        for size in (4000, 400, 40, 1):
            with contextlib.suppress(sqlite3.OperationalError):
                while True:
                    connection.execute("INSERT INTO ballast VALUES (randomblob(?))", (size,))
        with pytest.raises(sqlite3.OperationalError, match="full"):
            connection.execute("INSERT INTO ballast VALUES (randomblob(5000))")
    return pages


@pytest.fixture
def full_disk(monkeypatch, data_dir):
    """``full_disk()``: from now on the data file cannot grow — in every connection the app opens, and in this
    thread's connection if one is open."""

    def make_full() -> None:
        pages = _fill(database_path(data_dir))
        opened = store.open_database

        def limited(path: Path):
            database = opened(path)
            database._pragmas = [*database._pragmas, ("max_page_count", pages)]
            database.close()  # opened again, with the limit, by the next statement of each thread
            return database

        monkeypatch.setattr(store, "open_database", limited)
        if store.db.obj is not None and not store.db.is_closed():
            store.db.execute_sql(f"PRAGMA max_page_count = {pages}")

    return make_full


def _many_lines(sb, code: str, lines: int = 80) -> None:
    """The return ``code`` with ``lines`` lines: its sheet (6 KB) needs pages of its own in the ledger."""
    record = next(r for r in sb.guanyi.records if r["code"] == code)
    record["details"] = [dict(record["details"][0]) for _ in range(lines)]


def _wordy(sb) -> None:
    """精诚 answers every sheet it books with a long message (kept in the ledger row: pages of its own)."""
    server = sb._servers[1]
    app = server.app

    def answer(request):
        reply = app(request)
        if request.method == "POST" and reply.status == 200:
            payload = json.loads(reply.body)
            payload["Message"] += "；库存已更新" * 1000
            reply.body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return reply

    server.app = answer


def _said_full(result, *, en: bool = False) -> None:
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text and 'File "' not in text, text
    assert result.code == 2, result
    assert ("the disk is full" if en else "磁盘已满") in result.stderr, result.stderr


def _integrity(data_dir: Path) -> None:
    with contextlib.closing(sqlite3.connect(database_path(data_dir))) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def _stored(data_dir: Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(database_path(data_dir))) as connection:
        return {row[0] for row in connection.execute("SELECT code FROM return_record")}


def _ledger(data_dir: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(database_path(data_dir))) as connection:
        return dict(connection.execute("SELECT code, status FROM ledger_entry"))


def test_a_pull_on_a_full_disk_says_so_keeps_whole_windows_and_completes_once_there_is_room(
    cli, sb, data_dir, full_disk, monkeypatch
):
    _configured(cli, sb)
    first = set(ok(cli("pull", "--from", "2024-06-08", "--to", "2024-06-08", "--json")).json()["codes"])
    assert first
    full_disk()
    _said_full(cli("pull", "--from", "2024-06-05", "--to", "2024-06-10"))
    _said_full(cli("--lang", "en", "pull", "--from", "2024-06-05", "--to", "2024-06-10", "--json"), en=True)
    _integrity(data_dir)
    assert _stored(data_dir) == first  # nothing of a window half written
    monkeypatch.undo()  # room again
    everything = ok(cli("pull", "--from", "2024-06-05", "--to", "2024-06-10", "--json")).json()["codes"]
    assert set(everything) == _stored(data_dir) > first
    _integrity(data_dir)


def _ready(cli, sb) -> list[str]:
    _configured(cli, sb)
    ok(cli("pull", "--from", "2024-06-05", "--to", "2024-06-10"))
    return [r["code"] for r in ok(cli("list", "--json")).json()["returns"] if r["status"] == "ready"]


def test_a_push_whose_claim_cannot_be_written_sends_nothing(cli, sb, data_dir, full_disk):
    code = _ready(cli, sb)[0]
    _many_lines(sb, code)
    ok(cli("pull", "--from", "2024-06-05", "--to", "2024-06-10"))
    full_disk()
    result = cli("push", code)
    _said_full(result)
    assert f"“{code}”没有发出" in result.stderr
    assert sb.jingcheng.sheets == []
    assert _ledger(data_dir).get(code, "ready") == "ready"
    _integrity(data_dir)


def test_a_push_whose_outcome_cannot_be_written_leaves_the_sheet_unknown_never_ready(
    cli, sb, data_dir, full_disk, monkeypatch
):
    code = _ready(cli, sb)[0]
    _wordy(sb)
    send = jingcheng_client.Client.send

    def sent_then_full(self, body: bytes):
        full_disk()  # the claim is committed; the disk fills while 精诚 books the sheet
        return send(self, body)

    monkeypatch.setattr(jingcheng_client.Client, "send", sent_then_full)
    result = cli("push", code)
    assert result.code == 2 and "Traceback" not in result.stderr, result
    assert "磁盘已满" in result.stderr and "状态未知" in result.stderr and "保存成功" in result.stderr
    assert len(sb.jingcheng.sheets) == 1
    monkeypatch.undo()
    assert _ledger(data_dir)[code] == "sending"  # as the push left it: the next start decides
    listed = {r["code"]: r for r in ok(cli("list", "--json")).json()["returns"]}
    assert listed[code]["ledger_status"] == "unknown"  # recovered at start: never ready, never posted
    again = cli("push", "--all-ready", "--json")
    assert code not in [item["code"] for item in again.json()["items"]]
    assert not sb.jingcheng.duplicates()
    _integrity(data_dir)
