"""``team move`` against the real server: a data folder with posted, failed and unknown sheets, returns, value tables,
watermarks and its sync log comes in whole; run again it changes nothing; a sheet posted on two PCs before their moves
is reported as a conflict and never merged."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from core import store
from core.paths import database_path
from core.pull import store_window
from core.sandbox import Sandbox
from core.store import LedgerEntry, ShopMap, Watermark, write_log
from core.team import connection
from core.timeutil import now_china

STAMP = datetime(2026, 11, 30, 9, 0)
TABLES = ("ledger_entry", "return_record", "sync_log", "shop_map", "goods_map", "watermark", "setting", "team_conflict")


def _folder(path: Path, sheets: dict[str, tuple[str, str | None]], *, returns: dict | None = None) -> Path:
    """A PC's data folder with these ledger rows (SheetID -> status, 精诚 number) and a log row for each."""
    path.mkdir()
    store.open_database(database_path(path))
    try:
        if returns:
            store_window(returns, now_china())
        for sheet_id, (status, number) in sheets.items():
            LedgerEntry.create(
                sheet_id=sheet_id,
                code=sheet_id,
                status=status,
                sheet_no=number,
                attempts=1,
                updated_at=STAMP,
                posted_at=STAMP if status == "posted" else None,
                request_body=f'{{"SheetID": "{sheet_id}"}}',
                sheet_hash="h-" + sheet_id,
            )
            write_log("push", status, f"{sheet_id} {status}", code=sheet_id)
        ShopMap.create(shop_code=f"shop-{path.name}", customer_code="C1")
        Watermark.create(axis="receive", value=STAMP)
    finally:
        store.close_database()
    return path


def _snapshot(url: str) -> dict[str, list]:
    database = connection.connect(url)
    try:
        return {t: sorted(map(repr, database.execute_sql(f"SELECT * FROM {t}").fetchall())) for t in TABLES}
    finally:
        database.close()


def _ledger(url: str) -> dict[str, tuple]:
    database = connection.connect(url)
    try:
        rows = database.execute_sql("SELECT sheet_id, status, sheet_no, request_body FROM ledger_entry").fetchall()
        return {row[0]: row[1:] for row in rows}
    finally:
        database.close()


def test_a_move_keeps_every_state_and_twice_changes_nothing(cli, pg_url: str, tmp_path: Path):
    with Sandbox(returns=8, days=3, seed=51) as sb:
        records = {r["code"]: r for r in sb.guanyi.records}
    first = _folder(
        tmp_path / "pc1",
        {
            "S-POSTED": ("posted", "XT1"),
            "S-FAILED": ("failed", None),
            "S-UNKNOWN": ("unknown", None),
            "S-SENDING": ("sending", None),
        },
        returns=records,
    )
    assert cli("--data-dir", str(first), "team", "init", pg_url).code == 0
    moved = cli("--data-dir", str(first), "team", "move", "--json")
    assert moved.code == 0, moved.stderr
    ledger = _ledger(pg_url)
    # A push this PC left "sending" (its process gone) comes in as unknown: never as something to send again.
    assert {k: v[:2] for k, v in ledger.items()} == {
        "S-POSTED": ("posted", "XT1"),
        "S-FAILED": ("failed", None),
        "S-UNKNOWN": ("unknown", None),
        "S-SENDING": ("unknown", None),
    }
    assert ledger["S-POSTED"][2] == '{"SheetID": "S-POSTED"}'
    before = _snapshot(pg_url)
    assert len(before["return_record"]) == len(records) and len(before["shop_map"]) == 1
    assert len(before["sync_log"]) == moved.json()["counts"]["sync_log"] > 4

    again = cli("--data-dir", str(first), "team", "move", "--json")
    assert again.code == 0, again.stderr
    assert set(again.json()["counts"].values()) == {0}
    assert _snapshot(pg_url) == before


def test_a_sheet_posted_on_two_pcs_is_a_conflict_never_merged(cli, pg_url: str, tmp_path: Path):
    first = _folder(tmp_path / "pc1", {"S-BOTH": ("posted", "XT1"), "S-FAILED-THERE": ("failed", None)})
    second = _folder(
        tmp_path / "pc2", {"S-BOTH": ("posted", "XT9"), "S-FAILED-THERE": ("posted", "XT5"), "S-NEW": ("posted", "XT6")}
    )
    assert cli("--data-dir", str(first), "team", "init", pg_url).code == 0
    assert cli("--data-dir", str(first), "team", "move").code == 0
    assert cli("--data-dir", str(second), "team", "join", pg_url).code == 0
    moved = cli("--data-dir", str(second), "team", "move", "--json")
    assert moved.code == 1, moved.stderr
    conflicts = moved.json()["conflicts"]
    assert [(c["sheet_id"], c["moved_sheet_no"], c["shared_sheet_no"]) for c in conflicts] == [("S-BOTH", "XT9", "XT1")]
    ledger = _ledger(pg_url)
    assert ledger["S-BOTH"][:2] == ("posted", "XT1")  # the team's row as it was
    assert ledger["S-FAILED-THERE"][:2] == ("posted", "XT5")  # booked from the second PC: never sent again
    assert ledger["S-NEW"][:2] == ("posted", "XT6")
    text = cli("--data-dir", str(second), "team", "move")
    assert text.code == 1 and "S-BOTH" in text.stdout and "XT9" in text.stdout
    status = cli("--data-dir", str(second), "team", "status", "--json").json()
    assert [c["sheet_id"] for c in status["conflicts"]] == ["S-BOTH"]
