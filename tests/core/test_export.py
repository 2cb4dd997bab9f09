"""The CSV export of SPEC §10 over a real SQLite file: BOM, RFC 4180, inert cells, filters, atomicity."""

from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core import i18n, synclog
from core.errors import Cancelled, ConfigError
from core.export import LOG_HEADER, export_log, inert, write_csv
from core.store import SyncLog
from core.synclog import LogFilter
from core.timeutil import parse_bound


def _log(time: str, status: str = "ok", message: str = "", *, action: str = "push", code: str | None = "R1",
         duration_ms: int = 0) -> None:
    SyncLog.create(time=datetime.strptime(time, "%Y-%m-%d %H:%M:%S"), action=action, code=code, status=status,
                   message=message, duration_ms=duration_ms, os_user="会计小王")


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_file_starts_with_bom_and_uses_crlf(db, tmp_path):
    _log("2026-03-01 09:30:05", message="推送成功")
    target = tmp_path / "log.csv"
    assert export_log(target) == 1
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 2 and data.count(b"\n") == 2
    assert "推送成功".encode() in data


def test_every_column_with_the_time_as_text(db, tmp_path):
    _log("2026-03-01 09:30:05", "failed", "精诚返回 Flag 0", code="RT001", duration_ms=1234)
    target = tmp_path / "log.csv"
    export_log(target)
    assert _read(target)[1] == ["2026-03-01 09:30:05", "推送", "RT001", "失败", "精诚返回 Flag 0", "1234", "会计小王"]


def test_empty_code_is_an_empty_cell(db, tmp_path):
    _log("2026-03-01 09:30:05", action="pull", code=None)
    export_log(tmp_path / "log.csv")
    assert _read(tmp_path / "log.csv")[1][2] == ""


@pytest.mark.parametrize(
    "message",
    [
        "客户，广州, 百货",
        'he said "退货" twice ""',
        "第一行\n第二行",
        "Windows\r\nline end",
        'all, of "them"\n在一起',
        " leading and trailing spaces ",
    ],
)
def test_quoting_reads_back_the_same_cells(db, tmp_path, message):
    _log("2026-03-01 09:30:05", message=message)
    _log("2026-03-01 09:30:06", message="next row")
    export_log(tmp_path / "log.csv")
    rows = _read(tmp_path / "log.csv")
    assert len(rows) == 3
    assert rows[1][4] == message
    assert rows[2][4] == "next row"


@pytest.mark.parametrize("message", ["=HYPERLINK(\"http://x\")", "+86 138", "-1 拒绝", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_looking_cells_are_inert(db, tmp_path, message):
    _log("2026-03-01 09:30:05", message=message, code=message)
    export_log(tmp_path / "log.csv")
    row = _read(tmp_path / "log.csv")[1]
    assert row[4] == "'" + message
    assert row[2] == "'" + message


@pytest.mark.parametrize("text", ["推送成功", "R-1", "1+1", "a=b", "", "'quoted"])
def test_harmless_text_is_left_alone(text):
    assert inert(text) == text


def test_header_in_chinese_by_default(db, tmp_path):
    export_log(tmp_path / "log.csv")
    assert _read(tmp_path / "log.csv") == [[zh for zh, _ in LOG_HEADER]]
    assert _read(tmp_path / "log.csv")[0][0] == "时间"


def test_header_in_english(db, tmp_path):
    i18n.set_language("en")
    export_log(tmp_path / "log.csv")
    assert _read(tmp_path / "log.csv")[0] == ["Time", "Action", "Code", "Status", "Message", "Duration (ms)", "OS user"]


def test_whole_day_bounds_include_both_ends(db, tmp_path):
    for time in ("2026-02-28 23:59:59", "2026-03-01 00:00:00", "2026-03-02 23:59:59", "2026-03-03 00:00:00"):
        _log(time, message=time)
    start, end = parse_bound("2026-03-01", end=False), parse_bound("2026-03-02", end=True)
    assert export_log(tmp_path / "log.csv", LogFilter(start=start, end=end)) == 2
    assert [row[0] for row in _read(tmp_path / "log.csv")[1:]] == ["2026-03-01 00:00:00", "2026-03-02 23:59:59"]


def test_open_ended_bounds(db, tmp_path):
    for time in ("2026-03-01 10:00:00", "2026-03-05 10:00:00"):
        _log(time)
    assert export_log(tmp_path / "a.csv", LogFilter(start=datetime(2026, 3, 2))) == 1
    assert export_log(tmp_path / "b.csv", LogFilter(end=datetime(2026, 3, 2))) == 1


def test_status_filter(db, tmp_path):
    _log("2026-03-01 10:00:00", "ok")
    _log("2026-03-01 10:00:01", "failed", "精诚返回 Flag 0")
    _log("2026-03-01 10:00:02", "unknown")
    # The filter takes the code, the CSV shows the word.
    assert export_log(tmp_path / "log.csv", LogFilter(status="failed")) == 1
    assert _read(tmp_path / "log.csv")[1][3:5] == ["失败", "精诚返回 Flag 0"]


def test_rows_in_the_order_logged(db, tmp_path):
    for i in range(30):
        _log("2026-03-01 10:00:00", message=f"第 {i} 条")
    export_log(tmp_path / "log.csv")
    assert [row[4] for row in _read(tmp_path / "log.csv")[1:]] == [f"第 {i} 条" for i in range(30)]


def test_newest_first_writes_the_rows_in_the_order_the_log_view_shows_them(db, tmp_path):
    for time, message in (("2026-03-01 10:00:01", "b"), ("2026-03-01 10:00:00", "a"), ("2026-03-01 10:00:01", "c")):
        _log(time, message=message)
    export_log(tmp_path / "log.csv", newest_first=True)
    assert [row[4] for row in _read(tmp_path / "log.csv")[1:]] == ["c", "b", "a"]
    export_log(tmp_path / "log.csv", LogFilter(action="push"))  # not the export just logged
    assert [row[4] for row in _read(tmp_path / "log.csv")[1:]] == ["b", "a", "c"]


def test_the_view_s_filter_writes_what_it_was_filled_with_and_nothing_logged_since(db, tmp_path):
    _log("2026-03-01 10:00:00", "failed", "精诚返回 Flag 0", code="R1")
    _log("2026-03-01 10:00:01", "ok", "推送成功", code="R2")
    _log("2026-03-01 10:00:02", "failed", "读取超时 100%", action="pull", code=None)
    shown = LogFilter(status="failed", text="0", up_to_id=synclog.latest_id())
    _log("2026-03-01 10:00:03", "failed", "后来的 Flag 0", code="R3")
    assert export_log(tmp_path / "log.csv", shown, newest_first=True) == 2
    assert [row[1:5] for row in _read(tmp_path / "log.csv")[1:]] == [
        ["拉取", "", "失败", "读取超时 100%"], ["推送", "R1", "失败", "精诚返回 Flag 0"]]
    assert export_log(tmp_path / "log.csv", LogFilter(action="push", text="flag")) == 2
    assert export_log(tmp_path / "log.csv", LogFilter(code="R2")) == 1
    last = SyncLog.select().order_by(SyncLog.id.desc()).get()
    assert "单号 R2" in last.message and "1 行" in last.message


def test_the_export_is_logged_after_its_rows(db, tmp_path):
    _log("2026-03-01 10:00:00")
    export_log(tmp_path / "log.csv", LogFilter(status="ok"))
    last = SyncLog.select().order_by(SyncLog.id.desc()).get()
    assert (last.action, last.status) == ("export", "ok")
    assert "log.csv" in last.message and "1 行" in last.message and "状态 成功" in last.message
    assert len(_read(tmp_path / "log.csv")) == 2


def test_progress_counts_to_the_total(db, tmp_path):
    SyncLog.insert_many(
        [{"time": datetime(2026, 3, 1), "action": "push", "status": "ok"} for _ in range(2500)]
    ).execute()
    calls = []
    assert export_log(tmp_path / "log.csv", progress=lambda done, total: calls.append((done, total))) == 2500
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]


def test_cancel_leaves_the_old_file_and_no_temp_file(db, tmp_path):
    SyncLog.insert_many(
        [{"time": datetime(2026, 3, 1), "action": "push", "status": "ok"} for _ in range(1500)]
    ).execute()
    target = tmp_path / "log.csv"
    target.write_text("earlier export", encoding="utf-8")

    def stop(done: int, total: int) -> None:
        raise Cancelled()

    with pytest.raises(Cancelled):
        export_log(target, progress=stop)
    assert target.read_text(encoding="utf-8") == "earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "log.csv"]
    last = SyncLog.select().order_by(SyncLog.id.desc()).get()
    assert (last.action, last.status) == ("export", "cancelled")


def test_unwritable_place_is_a_config_error_and_logged(db, tmp_path):
    target = tmp_path / "no such folder" / "log.csv"
    with pytest.raises(ConfigError) as caught:
        export_log(target)
    assert "无法写入文件" in str(caught.value)
    assert caught.value.exit_code == 2
    last = SyncLog.select().order_by(SyncLog.id.desc()).get()
    assert (last.action, last.status) == ("export", "failed")


def test_failure_mid_write_leaves_no_file(tmp_path):
    def rows():
        yield ["a", 1]
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_csv(tmp_path / "out.csv", ["x", "y"], rows())
    assert list(tmp_path.iterdir()) == []


def test_write_csv_keeps_numbers_and_empties(tmp_path):
    assert write_csv(tmp_path / "out.csv", ["a", "b", "c", "d"], [[None, 0, 1234, Decimal("12.50")]]) == 1
    assert _read(tmp_path / "out.csv") == [["a", "b", "c", "d"], ["", "0", "1234", "12.50"]]


def test_every_cell_starting_with_a_minus_is_inert_numbers_too(tmp_path):
    # SPEC §10: *a cell* starting with - is prefixed, whatever its type in Python; Excel sees only the text.
    write_csv(tmp_path / "out.csv", ["a", "b", "c"], [[-5, Decimal("-1.50"), -0.5]])
    assert _read(tmp_path / "out.csv")[1] == ["'-5", "'-1.50", "'-0.5"]


def test_negative_duration_in_the_log_is_inert(db, tmp_path):
    _log("2026-03-01 09:30:05", duration_ms=-3)
    export_log(tmp_path / "log.csv")
    assert _read(tmp_path / "log.csv")[1][5] == "'-3"


def test_status_filter_ignores_case_and_spaces(db, tmp_path):
    _log("2026-03-01 10:00:00", "ok")
    _log("2026-03-01 10:00:01", "failed")
    assert export_log(tmp_path / "log.csv", LogFilter(status=" Failed ")) == 1


# SPEC §10: the 操作 and 状态 columns hold the words of the UI language (the §8 vocabulary), not internal codes.
LOGGED = [
    ("pull", "ok", "拉取", "成功", "pull", "ok"),
    ("pull", "warning", "拉取", "有提醒", "pull", "warning"),
    ("pull", "cancelled", "拉取", "已中止", "pull", "cancelled"),
    ("push", "sending", "推送", "推送中", "push", "sending"),
    ("push", "posted", "推送", "已推送", "push", "posted"),
    ("push", "failed", "推送", "失败", "push", "failed"),
    ("push", "unknown", "推送", "结果未知", "push", "unknown"),
    ("push", "blocked", "推送", "不可推送", "push", "blocked"),
    ("push", "skipped", "推送", "已跳过", "push", "skipped"),
    ("push", "partial", "推送", "部分完成", "push", "partial"),
    ("push", "stopped", "推送", "已停止", "push", "stopped"),
    ("push", "dry-run", "推送", "试运行", "push", "dry run"),
    ("force", "posted", "强制重推", "已推送", "forced re-push", "posted"),
    ("mark", "failed", "手工标记", "失败", "marked by hand", "failed"),
    ("recover", "unknown", "启动恢复", "结果未知", "recovery at start-up", "unknown"),
    ("config", "ok", "设置", "成功", "settings", "ok"),
    ("credentials", "ok", "凭据", "成功", "credentials", "ok"),
    ("maps", "ok", "对照表", "成功", "value tables", "ok"),
    ("import", "failed", "导入", "失败", "import", "failed"),
    ("export", "cancelled", "导出", "已中止", "export", "cancelled"),
    ("someday", "whatever", "someday", "whatever", "someday", "whatever"),  # an unknown code is shown as it is
]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_action_and_status_are_words_of_the_ui_language(db, tmp_path, lang):
    for i, (action, status, *_) in enumerate(LOGGED):
        _log(f"2026-03-01 10:00:{i:02d}", status, action=action)
    i18n.set_language(lang)
    assert export_log(tmp_path / "log.csv") == len(LOGGED)
    words = [(row[1], row[3]) for row in _read(tmp_path / "log.csv")[1:]]
    column = 2 if lang == "zh_CN" else 4
    assert words == [(entry[column], entry[column + 1]) for entry in LOGGED]
    # The database keeps the codes: only what is exported changes.
    assert [(r.action, r.status) for r in SyncLog.select().order_by(SyncLog.id)][: len(LOGGED)] == [
        entry[:2] for entry in LOGGED
    ]


def test_cancelled_is_never_the_word_of_a_cancelled_return(db, tmp_path):
    _log("2026-03-01 10:00:00", "cancelled", action="export")
    export_log(tmp_path / "log.csv")
    assert _read(tmp_path / "log.csv")[1][3] == "已中止"
    assert "已取消" not in (tmp_path / "log.csv").read_text(encoding="utf-8-sig")


def test_a_word_that_looks_like_a_formula_is_still_inert(db, tmp_path):
    _log("2026-03-01 10:00:00", "-1", action="=cmd")  # never logged by core; shown as it is, and inert
    export_log(tmp_path / "log.csv")
    assert _read(tmp_path / "log.csv")[1][1:4:2] == ["'=cmd", "'-1"]
