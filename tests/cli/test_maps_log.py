"""``maps`` and ``log`` end to end, in process through ``main.main``."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest

from core import store
from core.paths import database_path


def _json(cli, *args: str) -> dict:
    result = cli(*args, "--json")
    assert result.code == 0, result.stderr
    return result.json()


def _add_log_rows(data_dir: Path, rows: list[tuple[str, str, str]], action: str = "push") -> None:
    store.open_database(database_path(data_dir))
    try:
        for time, status, message in rows:
            store.SyncLog.create(time=datetime.strptime(time, "%Y-%m-%d %H:%M:%S"), action=action, code="RT1",
                                 status=status, message=message, os_user="会计小王")
    finally:
        store.close_database()


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_shops_set_list_delete(cli):
    assert _json(cli, "maps", "shops", "set", "天猫旗舰店", "C001", "广州百货")["created"] is True
    assert _json(cli, "maps", "shops", "set", "京东自营店", "C002")["row"]["customer_name"] == ""
    listed = _json(cli, "maps", "shops", "list")["rows"]
    assert {r["shop_code"]: r["customer_code"] for r in listed} == {"天猫旗舰店": "C001", "京东自营店": "C002"}
    result = cli("maps", "shops", "list")
    assert result.code == 0 and "天猫旗舰店" in result.stdout and "广州百货" in result.stdout
    assert cli("maps", "shops", "delete", "京东自营店").code == 0
    assert [r["shop_code"] for r in _json(cli, "maps", "shops", "list")["rows"]] == ["天猫旗舰店"]


def test_goods_set_and_bad_values_exit_2(cli):
    assert cli("maps", "goods", "set", "SKU1", "G1").code == 0
    result = cli("--lang", "en", "maps", "goods", "set", "SKU2", " ")
    assert result.code == 2 and "GoodsID is empty" in result.stderr
    result = cli("--lang", "en", "maps", "goods", "delete", "NOPE")
    assert result.code == 2 and "nothing was deleted" in result.stderr
    assert cli("maps", "goods", "set", "SKU3").code == 2  # argparse: missing GOODS_ID


def test_import_merge_replace_and_export(cli, tmp_path):
    cli("maps", "goods", "set", "OLD", "G0")
    source = tmp_path / "goods.csv"
    source.write_bytes("商品编码,精诚商品ID\n保温杯-白,G-001\n羽绒服 XL,G-002\n".encode("gbk"))
    merged = _json(cli, "maps", "goods", "import", str(source))
    assert (merged["encoding"], merged["mode"], merged["added"], merged["removed"]) == ("GBK", "merge", 2, 0)
    replaced = _json(cli, "maps", "goods", "import", str(source), "--replace")
    assert (replaced["unchanged"], replaced["removed"]) == (2, 1)
    target = tmp_path / "out.csv"
    assert _json(cli, "maps", "goods", "export", str(target))["rows"] == 2
    assert _read(target) == [["商品编码", "精诚商品ID"], ["保温杯-白", "G-001"], ["羽绒服 XL", "G-002"]]


def test_bad_import_exits_2_naming_the_line_and_changes_nothing(cli, tmp_path):
    cli("maps", "shops", "set", "老店", "C000")
    source = tmp_path / "shops.csv"
    source.write_text("店铺编码,客户编码\nA,C1\nB,\n", encoding="utf-8-sig")
    result = cli("maps", "shops", "import", str(source), "--replace")
    assert result.code == 2
    assert "第 3 行：客户编码为空" in result.stderr and "Traceback" not in result.stderr
    assert [r["shop_code"] for r in _json(cli, "maps", "shops", "list")["rows"]] == ["老店"]


def test_log_export_with_dates_and_status(cli, data_dir, tmp_path):
    _add_log_rows(data_dir, [
        ("2026-03-01 08:00:00", "ok", "推送成功，精诚单号 JC1"),
        ("2026-03-02 09:00:00", "failed", "=精诚返回 Flag 0"),
        ("2026-03-02 23:59:59", "ok", "推送成功，精诚单号 JC2"),
        ("2026-03-03 00:00:00", "ok", "next day"),
    ])
    target = tmp_path / "log.csv"
    result = _json(cli, "log", "export", str(target), "--from", "2026-03-02", "--to", "2026-03-02")
    assert result["rows"] == 2
    assert [row[0] for row in _read(target)[1:]] == ["2026-03-02 09:00:00", "2026-03-02 23:59:59"]
    assert _json(cli, "log", "export", str(target), "--status", "failed")["rows"] == 1
    assert _read(target)[1][4] == "'=精诚返回 Flag 0"
    result = cli("--lang", "en", "log", "export", str(target), "--from", "2026-03-01 12:00:00")
    assert result.code == 0
    rows = _read(target)
    assert rows[0][0] == "Time"
    # three pushes from 12:00 on, then the two exports above, logged at the time they ran
    assert [row[1] for row in rows[1:]] == ["push", "push", "push", "export", "export"]


def test_log_export_by_action_code_and_text_as_the_log_view_filters(cli, data_dir, tmp_path):
    _add_log_rows(data_dir, [("2026-03-01 08:00:00", "failed", "精诚返回 Flag 0"),
                             ("2026-03-01 08:00:01", "ok", "推送成功 100%")])
    _add_log_rows(data_dir, [("2026-03-01 08:00:02", "posted", "经核对 FLAG 0 已入账")], action="mark")
    target = tmp_path / "log.csv"
    assert _json(cli, "log", "export", str(target), "--action", "mark")["rows"] == 1
    assert _read(target)[1][1:5] == ["手工标记", "RT1", "已推送", "经核对 FLAG 0 已入账"]
    assert _json(cli, "log", "export", str(target), "--text", "flag 0")["rows"] == 2
    assert [row[4] for row in _read(target)[1:]] == ["精诚返回 Flag 0", "经核对 FLAG 0 已入账"]  # in the order logged
    assert _json(cli, "log", "export", str(target), "--text", "%", "--action", "push")["rows"] == 1
    assert _json(cli, "log", "export", str(target), "--code", "RT1", "--status", "failed")["rows"] == 1
    assert _json(cli, "log", "export", str(target), "--code", "RT2")["rows"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--from", "2026-02-30"],
        ["--from", "2026-03-02", "--to", "2026-03-01"],
    ],
)
def test_log_export_bad_dates_exit_2(cli, tmp_path, args):
    result = cli("log", "export", str(tmp_path / "log.csv"), *args)
    assert result.code == 2 and result.stderr
    assert not (tmp_path / "log.csv").exists()


def test_log_show_latest_rows_oldest_first(cli, data_dir):
    _add_log_rows(data_dir, [(f"2026-03-01 08:00:0{i}", "ok", f"第 {i} 条") for i in range(5)])
    rows = _json(cli, "log", "show", "--limit", "3")["rows"]
    assert [r["message"] for r in rows] == ["第 2 条", "第 3 条", "第 4 条"]
    assert rows[0]["time"] == "2026-03-01 08:00:02"
    result = cli("log", "show")
    assert result.code == 0 and "第 0 条" in result.stdout
    assert cli("log", "show", "--limit", "0").code == 2


def test_import_and_its_refusal_are_logged_and_exported(cli, tmp_path):
    source = tmp_path / "shops.csv"
    source.write_bytes("店铺编码,客户编码,客户名称\n天猫旗舰店,C001,广州百货有限公司\n".encode("gbk"))
    imported = cli("maps", "shops", "import", str(source), "--json")
    assert imported.code == 0, imported.stderr
    assert imported.json()["added"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_bytes("店铺编码,客户编码\n天猫旗舰店,C001\n天猫旗舰店,C002\n".encode("gbk"))
    refused = cli("--lang", "en", "maps", "shops", "import", str(bad))
    assert refused.code == 2 and "line 3" in refused.stderr and "appears twice" in refused.stderr
    exported = cli("log", "export", str(tmp_path / "log.csv"), "--json")
    assert exported.code == 0, exported.stderr
    rows = _read(tmp_path / "log.csv")
    assert [row[1:4:2] for row in rows[1:]] == [["导入", "成功"], ["导入", "失败"]]
    assert "shops.csv" in rows[1][4] and "GBK" in rows[1][4]
    shown = cli("log", "show", "--json")
    assert [r["action"] for r in shown.json()["rows"]][-1] == "export"


def test_log_export_writes_words_and_its_status_filter_takes_the_code(cli, data_dir, tmp_path):
    _add_log_rows(data_dir, [("2026-03-01 08:00:00", "unknown", "读取超时"), ("2026-03-01 08:00:01", "ok", "")])
    _add_log_rows(data_dir, [("2026-03-01 08:00:02", "unknown", "启动时发现推送中的单据")], action="recover")
    target = tmp_path / "log.csv"
    assert _json(cli, "log", "export", str(target), "--status", "unknown")["rows"] == 2
    assert [row[1:4:2] for row in _read(target)[1:]] == [["推送", "结果未知"], ["启动恢复", "结果未知"]]
    assert cli("--lang", "en", "log", "export", str(target), "--status", "unknown").code == 0
    assert [row[1:4:2] for row in _read(target)[1:]] == [["push", "unknown"], ["recovery at start-up", "unknown"]]


def test_log_show_speaks_words_and_json_keeps_the_codes(cli, data_dir):
    _add_log_rows(data_dir, [("2026-03-01 08:00:00", "unknown", "读取超时"), ("2026-03-01 08:00:01", "dry-run", "")])
    _add_log_rows(data_dir, [("2026-03-01 08:00:02", "posted", "经核对精诚")], action="mark")
    shown = cli("log", "show")
    assert shown.code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert "推送" in lines[0] and "结果未知" in lines[0] and "试运行" in lines[1]
    assert "手工标记" in lines[2] and "已推送" in lines[2]
    assert not any(code in shown.stdout for code in ("push", "unknown", "dry-run", "mark", "posted"))
    # the codes line up in one column whatever the width of the words before them
    assert len({_columns(line[: line.index("RT1")]) for line in lines}) == 1
    english = cli("--lang", "en", "log", "show").stdout.splitlines()
    assert "push" in english[0] and "unknown" in english[0] and "dry run" in english[1]
    assert "marked by hand" in english[2] and "posted" in english[2]
    rows = _json(cli, "log", "show")["rows"]
    assert [(r["action"], r["status"]) for r in rows] == [("push", "unknown"), ("push", "dry-run"), ("mark", "posted")]


def _columns(text: str) -> int:
    return sum(2 if "\u4e00" <= char <= "\u9fff" else 1 for char in text)
