"""Pulling into the local file against the sandbox: axes, filters, paging, drift, cancel, watermark, log."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import peewee as pw
import pytest
import requests

from core import pull
from core.errors import AuthError, Cancelled, ConfigError, ServerError
from core.guanyi.client import GuanyiClient
from core.guanyi.returns import dump_raw, load_raw, parse_return
from core.sandbox import Sandbox
from core.sandbox.generator import ReturnGenerator
from core.store import ReturnRecord, SyncLog, Watermark
from core.timeutil import day_windows, format_datetime, now_china
from tests.support.guanyi import FAST, client, direct_transport

END = datetime(2024, 5, 20, 16, 30, 0)
START = datetime(2024, 5, 1, 0, 0, 0)
# The own sandbox holds 6 days up to END: from here, one 10-day window covers all of it.
SB_START = datetime(2024, 5, 13, 0, 0, 0)


@pytest.fixture(scope="module")
def shared():
    """A sandbox for the tests that do not change its records."""
    with Sandbox(returns=150, days=20, seed=3, latency_ms=0, end=END) as sandbox:
        yield sandbox


@pytest.fixture
def sb():
    """A sandbox of its own, for tests whose faults change the records."""
    with Sandbox(returns=60, days=6, seed=5, latency_ms=0, end=END) as sandbox:
        yield sandbox


def _expected(sandbox, axis: str, start: datetime, end: datetime, filters: dict) -> set[str]:
    since, until = pull.AXES[axis]
    params = {since: format_datetime(start), until: format_datetime(end), **filters}
    return {r["code"] for r in sandbox.guanyi.matching(params)}


def _last_log() -> SyncLog:
    return SyncLog.select().where(SyncLog.action == "pull").order_by(SyncLog.id.desc()).get()


@pytest.mark.parametrize("axis", list(pull.AXES))
@pytest.mark.parametrize("transport", ["direct", "qimen"])
def test_every_axis_pulls_exactly_the_matching_codes(db, shared, axis, transport):
    with client(shared, transport) as c:
        result = pull.pull(c, START, END, axis=axis, page_size=100, window_days=1)
    expected = _expected(shared, axis, START, END, pull.default_filters(axis))
    assert expected
    assert len(result.codes) == len(set(result.codes))
    assert set(result.codes) == expected
    assert result.windows == len(day_windows(START, END, 1)) == 20
    assert result.new == len(expected) and result.updated == result.unchanged == 0
    assert ReturnRecord.select().count() == len(expected)
    assert result.warnings == [] and result.complete


@pytest.mark.parametrize(
    "options, filters",
    [
        ({"all_statuses": True}, {}),
        ({"filters": {"shop_code": "店铺A"}}, {"receive": 1, "cancel": 0, "shop_code": "店铺A"}),
        ({"axis": "modify"}, {"receive": 1}),
        ({"axis": "create", "filters": {"receive": 0}}, {"receive": 0, "cancel": 0}),
    ],
    ids=["all-statuses", "shop", "modify-keeps-cancelled", "create-unreceived"],
)
def test_filters(db, shared, options, filters):
    with client(shared) as c:
        result = pull.pull(c, START, END, page_size=100, window_days=7, **options)
    expected = _expected(shared, options.get("axis", "receive"), START, END, filters)
    assert expected and set(result.codes) == expected and len(result.codes) == len(expected)


def test_all_statuses_brings_more_than_the_default(db, shared):
    with client(shared) as c:
        default = pull.pull(c, START, END, axis="create", window_days=20)
        everything = pull.pull(c, START, END, axis="create", window_days=20, all_statuses=True)
    assert set(default.codes) < set(everything.codes)


def test_small_pages_read_ceil_total_over_size_pages_per_window(db, shared):
    windows = day_windows(START, END, 5)
    filters = pull.default_filters("receive")
    pages = sum(max(1, math.ceil(len(_expected(shared, "receive", a, b, filters)) / 7)) for a, b in windows)
    seen = []
    with client(shared) as c:
        result = pull.pull(c, START, END, page_size=7, window_days=5, progress=seen.append)
    assert result.requests == pages == len(seen)
    assert set(result.codes) == _expected(shared, "receive", START, END, filters)
    # Windows are read two at once: the last page read may be of the window before the last.
    for window in range(1, len(windows) + 1):
        pages_read = [p.page for p in seen if p.window == window]
        assert pages_read == list(range(1, len(pages_read) + 1))
        last = next(p for p in reversed(seen) if p.window == window)
        assert (last.windows, last.page) == (len(windows), last.pages)
    assert seen[-1].records == len(result.codes) and seen[-1].percent == 100
    assert all(p.window_total >= 0 and p.window_start <= p.window_end for p in seen)


def test_records_are_stored_compact_with_columns_and_first_pull_time_kept(db, shared):
    with client(shared) as c:
        first = pull.pull(c, START, END, window_days=20)
        row = ReturnRecord.get_by_id(first.codes[0])
        ReturnRecord.update(first_pulled_at=datetime(2000, 1, 1)).where(ReturnRecord.code == row.code).execute()
        again = pull.pull(c, START, END, window_days=20)
    assert again.new == 0 and again.unchanged == len(first.codes) and again.updated == 0
    row = ReturnRecord.get_by_id(first.codes[0])
    assert row.first_pulled_at == datetime(2000, 1, 1)
    raw = json.loads(row.raw_json)
    assert row.raw_json == json.dumps(raw, ensure_ascii=False, separators=(",", ":"))
    assert row.guanyi_id == str(raw["id"]) and row.shop_code == raw["shop_code"]
    assert row.receive_date == raw["receive_date"] and row.receive is True and row.cancel is False
    assert any("\\u" not in r.raw_json and any(ord(ch) > 127 for ch in r.raw_json) for r in ReturnRecord.select())


def test_a_changed_record_counts_as_updated(db, sb):
    with client(sb) as c:
        first = pull.pull(c, SB_START, END, window_days=10)
        target = next(r for r in sb.guanyi.records if r["code"] == first.codes[0])
        target["note"] = "改过的备注"
        second = pull.pull(c, SB_START, END, window_days=10)
    assert (second.new, second.updated, second.unchanged) == (0, 1, len(first.codes) - 1)
    assert "改过的备注" in ReturnRecord.get_by_id(first.codes[0]).raw_json


def test_a_stored_copy_with_its_keys_in_another_order_is_unchanged_and_takes_the_servers_text(db, sb):
    with client(sb) as c:
        first = pull.pull(c, SB_START, END, window_days=10)
        code = first.codes[0]
        sent = ReturnRecord.get_by_id(code).raw_json
        reordered = dump_raw(dict(reversed(load_raw(sent).items())))
        assert reordered != sent
        ReturnRecord.update(raw_json=reordered).where(ReturnRecord.code == code).execute()
        again = pull.pull(c, SB_START, END, window_days=10)
    assert (again.new, again.updated, again.unchanged) == (0, 0, len(first.codes))
    assert ReturnRecord.get_by_id(code).raw_json == sent


def test_storing_a_window_of_more_records_than_sqlite_binds_at_once(db):
    """A window may hold thousands of returns: the look-up of their stored copies is cut into chunks."""
    generator = ReturnGenerator(4, END, 30)
    records = generator.generate(1500)
    pulled = datetime(2024, 5, 21, 8, 0, 0)
    kinds = pull.store_window({r["code"]: r for r in records}, pulled)
    assert list(kinds.values()) == ["new"] * 1500
    records[7]["note"] = "改过"
    kinds = pull.store_window({r["code"]: r for r in records}, pulled + timedelta(hours=1))
    assert sorted(kinds.values()).count("updated") == 1 and list(kinds.values()).count("unchanged") == 1499
    assert kinds[records[7]["code"]] == "updated"
    row = ReturnRecord.get_by_id(records[7]["code"])
    assert (row.first_pulled_at, row.last_pulled_at) == (pulled, pulled + timedelta(hours=1))
    assert ReturnRecord.select().count() == 1500


def test_the_plain_upsert_refuses_to_run_when_the_model_has_other_columns(db, monkeypatch):
    """The upsert is written in SQL over a fixed list of columns: a column added to ReturnRecord without
    it would be left NULL (peewee's defaults apply only to its own inserts), so it fails loudly instead."""
    monkeypatch.setattr(pull, "_COLUMNS", pull._COLUMNS[:-1])
    with pytest.raises(RuntimeError, match="_COLUMNS"):
        pull.store_window({"R1": {"code": "R1"}}, datetime(2024, 5, 21))
    assert ReturnRecord.select().count() == 0


def _join_one(sb, params: dict, served: list[str], lands: Callable[[int], bool], where: str) -> None:
    """Receive one return not served yet, chosen so that it lands where ``lands(position)`` says."""
    for record in sb.guanyi.records:
        if record["code"] in served:
            continue
        saved = dict(record)
        record.update(cancel=False, receive=1, receive_date=format_datetime(END - timedelta(hours=1)))
        if lands([r["code"] for r in sb.guanyi.matching(params)].index(record["code"])):
            return
        record.clear()
        record.update(saved)
    raise AssertionError(f"no record of the seed joins {where}")


def _on_first_page(action):
    """A progress callback that runs ``action`` once, after the first page is stored."""
    done = []

    def callback(p: pull.PullProgress) -> None:
        if not done:
            done.append(p)
            action()

    return callback


DEFAULT = pull.default_filters("receive")


def test_drift_once_is_reread_to_a_complete_result(db, sb):
    before = _expected(sb, "receive", SB_START, END, DEFAULT)
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, page_size=5, window_days=10,
                           progress=_on_first_page(lambda: sb.guanyi.faults.push("drift")))
    after = _expected(sb, "receive", SB_START, END, DEFAULT)
    assert len(before) > 10 and len(after) == len(before) + 1
    assert set(result.codes) == after and len(result.codes) == len(after)
    assert result.warnings == [] and result.complete
    assert result.requests > 2 * math.ceil(len(after) / 5) - 1  # the window was read twice
    assert ReturnRecord.select().count() == len(after)


def test_a_window_read_again_stores_the_latest_copy_of_each_record(db, sb):
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, page_size=5, window_days=10,
                           progress=_on_first_page(lambda: sb.guanyi.faults.push("drift", count=2)))
    assert result.complete
    current = {r["code"]: load_raw(dump_raw(r)) for r in sb.guanyi.records}
    for row in ReturnRecord.select():
        assert load_raw(row.raw_json) == current[row.code], row.code


def test_progress_counts_records_read_and_stored(db, shared):
    seen: list[pull.PullProgress] = []
    with client(shared) as c:
        result = pull.pull(c, START, END, page_size=10, window_days=2, progress=seen.append)
    assert [p.records for p in seen] == sorted(p.records for p in seen)
    assert [p.stored for p in seen] == sorted(p.stored for p in seen)
    assert all(p.stored <= p.records for p in seen)
    assert seen[-1].records == len(result.codes) and seen[0].stored == 0
    for field in ("percent", "windows_read"):
        values = [getattr(p, field) for p in seen]
        assert values == sorted(values) and values[0] >= 0 and values[-1] <= (100 if field == "percent" else 10)
    assert seen[-1].percent == 100 and seen[0].percent < 100


def test_drift_that_never_settles_is_a_warning_in_result_and_log(db, sb):
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, page_size=20, window_days=10, max_rereads=2,
                           progress=_on_first_page(lambda: sb.guanyi.faults.push("drift", count=1000)))
        sb.guanyi.faults.clear()
        assert not result.complete and len(result.warnings) == 1
        assert len(result.codes) == len(set(result.codes))
        assert set(result.codes) <= _expected(sb, "receive", SB_START, END, DEFAULT)
        log = _last_log()
        assert log.status == "warning" and result.warnings[0] in log.message
        settled = pull.pull(c, SB_START, END, page_size=5, window_days=10)
    assert settled.complete and set(settled.codes) == _expected(sb, "receive", SB_START, END, DEFAULT)


def test_fewer_codes_than_total_is_reread(db, sb):
    """After page 1, an unread record leaves the filter and one joins on page 1: the total stays,
    the records behind it shift by one, so page 2 repeats a code and the newcomer is missed."""
    since, until = pull.AXES["receive"]
    params = {since: format_datetime(SB_START), until: format_datetime(END), **DEFAULT}

    def leave_and_join() -> None:
        served = [r["code"] for r in sb.guanyi.matching(params)]
        records = {r["code"]: r for r in sb.guanyi.records}
        records[served[-1]]["cancel"] = True
        _join_one(sb, params, served, lambda position: position < 5, "on the first page")

    before = len(sb.guanyi.matching(params))
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, page_size=5, window_days=10, progress=_on_first_page(leave_and_join))
    expected = _expected(sb, "receive", SB_START, END, DEFAULT)
    assert len(expected) == before
    assert set(result.codes) == expected and result.complete and result.warnings == []
    assert result.requests == 2 * math.ceil(before / 5)


@pytest.mark.xfail(strict=True, reason="known gap, documented at _Pull._window: a leave on a page already read "
                   "and a join on a later page keep total and the distinct count, and shift one return past us")
def test_leave_on_a_read_page_and_join_on_a_later_one_misses_nothing(db, sb):
    """After page 1, a return on page 1 is cancelled (leaves) and another is received on a later page
    (joins): total stays, the first return of page 2 moves onto page 1, already read, and is missed."""
    since, until = pull.AXES["receive"]
    params = {since: format_datetime(SB_START), until: format_datetime(END), **DEFAULT}
    shifted: list[str] = []

    def leave_and_join() -> None:
        served = [r["code"] for r in sb.guanyi.matching(params)]
        records = {r["code"]: r for r in sb.guanyi.records}
        records[served[0]]["cancel"] = True
        shifted.append(served[5])
        _join_one(sb, params, served, lambda position: position >= 10, "after the second page")

    before = len(sb.guanyi.matching(params))
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, page_size=5, window_days=10, progress=_on_first_page(leave_and_join))
    assert len(_expected(sb, "receive", SB_START, END, DEFAULT)) == before
    assert result.complete and shifted[0] in _expected(sb, "receive", SB_START, END, DEFAULT)
    assert shifted[0] in result.codes


def test_cancel_mid_window_stores_nothing_of_it_and_keeps_the_watermark(db, sb):
    mark = SB_START + timedelta(minutes=5)
    Watermark.create(axis="receive", value=mark)
    stop = threading.Event()

    def cancel_after_two_pages(p: pull.PullProgress) -> None:
        if p.page == 2:
            stop.set()

    with client(sb) as c, pytest.raises(Cancelled):
        pull.pull_since_last(c, page_size=5, window_days=10, progress=cancel_after_two_pages, cancel=stop, now=END)
    assert ReturnRecord.select().count() == 0  # one window, cut short: none of its pages is kept
    assert Watermark.get_by_id("receive").value == mark
    log = _last_log()
    assert log.status == "cancelled" and "（已保存 0 张）" in log.message


def _windows_before_a_long_one(sandbox, page_size: int) -> tuple[list[tuple[datetime, datetime]], int, set[str]]:
    """One-day windows of SB_START..END, the 1-based index of the first window after the first with
    more than one page, and the codes of the windows before it."""
    windows = day_windows(SB_START, END, 1)
    counts = [len(_expected(sandbox, "receive", a, b, DEFAULT)) for a, b in windows]
    target = next(i for i, n in enumerate(counts, start=1) if i > 1 and n > page_size and sum(counts[: i - 1]))
    before = set().union(*(_expected(sandbox, "receive", a, b, DEFAULT) for a, b in windows[: target - 1]))
    return windows, target, before


def _kept_windows(sandbox, windows: list[tuple[datetime, datetime]], target: int, concurrency: int,
                  before: set[str]) -> set[str]:
    """What a pull cut short at window ``target`` (1-based) stored: read one at a time, exactly the windows
    ``before`` it; read several at once, the windows before the oldest one still being read — whole windows from
    the first on, nothing of any other. That oldest one is the target, one before it, or (when the reader beside it
    met the failure first and the target was finished meanwhile) the one after it. Returns the stored codes."""
    stored = {r.code for r in ReturnRecord.select(ReturnRecord.code)}
    if concurrency == 1:
        assert stored == before
    else:
        prefixes = [set().union(*(_expected(sandbox, "receive", a, b, DEFAULT) for a, b in windows[:k]))
                    for k in range(target + 1)]
        assert stored in prefixes
    return stored


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_failure_mid_window_keeps_exactly_the_complete_windows_before_it(db, sb, concurrency):
    """HTTP 500s that outlast the retries after page 1 of a window: the windows before it are stored
    whole, nothing of it is, the log row counts what was stored and the watermark stays. Read two at
    once, the 500s are shared by both readers: twice as many make one of them give up."""
    mark = SB_START + timedelta(minutes=5)  # the overlap takes "since last pull" back to SB_START
    Watermark.create(axis="receive", value=mark)
    windows, target, before = _windows_before_a_long_one(sb, 5)

    def fail_from_page_two(p: pull.PullProgress) -> None:
        if (p.window, p.page) == (target, 1):
            sb.guanyi.faults.push("http500", count=concurrency * (FAST["retries"] + 1))

    with client(sb) as c, pytest.raises(ServerError):
        pull.pull_since_last(c, page_size=5, window_days=1, progress=fail_from_page_two, now=END,
                             concurrency=concurrency)
    stored = _kept_windows(sb, windows, target, concurrency, before)
    assert Watermark.get_by_id("receive").value == mark
    log = _last_log()
    assert log.status == "failed" and "HTTP 500" in log.message and f"（已保存 {len(stored)} 张）" in log.message


@pytest.mark.parametrize("concurrency", [1, 2])
def test_cancel_after_page_one_of_a_window_keeps_exactly_the_complete_windows_before_it(db, sb, concurrency):
    windows, target, before = _windows_before_a_long_one(sb, 5)
    stop = threading.Event()

    def cancel_on_page_one(p: pull.PullProgress) -> None:
        if (p.window, p.page) == (target, 1):
            stop.set()

    with client(sb) as c, pytest.raises(Cancelled):
        pull.pull(c, SB_START, END, page_size=5, window_days=1, progress=cancel_on_page_one, cancel=stop,
                  concurrency=concurrency)
    stored = _kept_windows(sb, windows, target, concurrency, before)
    log = _last_log()
    assert log.status == "cancelled" and f"（已保存 {len(stored)} 张）" in log.message


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_store_that_fails_stops_the_pull_with_its_error_and_keeps_the_windows_stored_before(
    db, sb, monkeypatch, concurrency
):
    """The windows are written on a thread of their own: its failure still reaches the caller (and the log),
    the pull stops reading, and the windows committed before stay whole."""
    windows, target, before = _windows_before_a_long_one(sb, 5)
    real_store = pull.store_window
    stored: list[int] = []

    def failing_store(records, *args):
        if len(stored) == target - 1:
            raise pw.OperationalError("disk I/O error")
        stored.append(len(records))
        return real_store(records, *args)

    monkeypatch.setattr(pull, "store_window", failing_store)
    with client(sb) as c, pytest.raises(pw.OperationalError, match="disk I/O error"):
        pull.pull(c, SB_START, END, page_size=5, window_days=1, concurrency=concurrency)
    assert {r.code for r in ReturnRecord.select(ReturnRecord.code)} == before  # the store failed, not the reading
    if concurrency == 1:  # read several at once, the few windows of this sandbox may all be read by then
        assert c.requests < sum(max(1, math.ceil(len(_expected(sb, "receive", a, b, DEFAULT)) / 5))
                                for a, b in windows)
    log = _last_log()
    assert log.status == "failed" and "OperationalError" in log.message


class _CountingSession(requests.Session):
    """A real session that notes how many of its POSTs were on the wire at once."""

    def __init__(self) -> None:
        super().__init__()
        self.lock, self.now, self.most = threading.Lock(), 0, 0

    def post(self, *args, **kwargs):  # requests' own signature
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().post(*args, **kwargs)
        finally:
            with self.lock:
                self.now -= 1


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_windows_are_read_concurrency_at_once_and_stored_in_order(db, concurrency):
    """With a latency, the readers' requests overlap: as many on the wire as windows read at once, never more;
    the codes come back window by window, as read one at a time."""
    with Sandbox(returns=40, days=6, seed=5, latency_ms=40, end=END) as sandbox:
        session = _CountingSession()
        one_by_one = GuanyiClient(direct_transport(sandbox), session=session, **FAST)
        with one_by_one as c:
            result = pull.pull(c, SB_START, END, window_days=1, page_size=100, all_statuses=True,
                               concurrency=concurrency)
        assert session.most == concurrency
        window_of = {code: n for n, (a, b) in enumerate(day_windows(SB_START, END, 1))
                     for code in _expected(sandbox, "receive", a, b, {})}
    assert sorted(result.codes) == sorted(window_of)
    assert [window_of[code] for code in result.codes] == sorted(window_of[code] for code in result.codes)
    assert result.complete and ReturnRecord.select().count() == len(result.codes)


@pytest.mark.parametrize("concurrency", [0, 5])
def test_a_concurrency_outside_one_to_four_is_refused(db, sb, concurrency):
    with client(sb) as c, pytest.raises(ConfigError, match="1 to 4|1 到 4"):
        pull.pull(c, SB_START, END, concurrency=concurrency)
    assert c.requests == 0


def test_cancel_by_callable_before_the_first_request(db, sb):
    with client(sb) as c, pytest.raises(Cancelled):
        pull.pull(c, SB_START, END, cancel=lambda: True)
    assert c.requests == 0 and ReturnRecord.select().count() == 0


def test_since_last_uses_watermark_minus_overlap_and_moves_it(db, sb):
    with client(sb) as c:
        first = pull.pull_since_last(c, now=END, all_statuses=True)
        assert (first.start, first.end) == (END.replace(hour=0, minute=0), END - timedelta(minutes=1))
        assert Watermark.get_by_id("receive").value == first.end == first.watermark
        later = END + timedelta(hours=2)
        second = pull.pull_since_last(c, now=later, all_statuses=True)
    assert second.start == first.end - timedelta(minutes=5)
    assert second.end == later - timedelta(minutes=1) == Watermark.get_by_id("receive").value
    assert set(second.codes) == _expected(sb, "receive", second.start, second.end, {})
    assert "receive" in pull.AXES and Watermark.get_or_none(Watermark.axis == "modify") is None


def test_failed_pull_leaves_watermark_and_writes_a_failed_log_row(db, sb):
    Watermark.create(axis="receive", value=END - timedelta(hours=3))
    sb.guanyi.faults.push("http500", count=FAST["retries"] + 1)
    with client(sb) as c, pytest.raises(ServerError):
        pull.pull_since_last(c, now=END)
    assert Watermark.get_by_id("receive").value == END - timedelta(hours=3)
    log = _last_log()
    assert log.status == "failed" and "HTTP 500" in log.message and log.duration_ms >= 0


def test_unsettled_since_last_does_not_move_the_watermark(db, sb):
    with client(sb) as c:
        result = pull.pull_since_last(c, now=END, page_size=5, max_rereads=1, all_statuses=True,
                                      progress=_on_first_page(lambda: sb.guanyi.faults.push("drift", count=1000)))
    assert not result.complete and result.watermark is None and len(result.warnings) == 2
    assert Watermark.get_or_none(Watermark.axis == "receive") is None


def test_auth_failure_logs_without_secret(db, sb):
    wrong = "WRONG-secret-value"
    with GuanyiClient(direct_transport(sb, secret=wrong), **FAST) as c, pytest.raises(AuthError):
        pull.pull(c, SB_START, END)
    log = _last_log()
    # The log says what happened, never what to type: the command line and the window each add that.
    assert log.status == "failed" and "管易云拒绝了请求签名" in log.message and "credentials set" not in log.message
    for secret in (wrong, sb.credentials["guanyi"]["secret"], sb.credentials["guanyi"]["sessionkey"]):
        assert secret not in log.message


def test_ok_pull_log_row_has_counts_and_range(db, shared):
    with client(shared) as c:
        result = pull.pull(c, START, END, window_days=20)
    log = _last_log()
    assert log.status == "ok" and f"{len(result.codes)}" in log.message
    assert format_datetime(START) in log.message and format_datetime(END) in log.message
    assert result.as_json()["count"] == len(result.codes)


def test_a_record_without_code_is_skipped_with_a_warning_and_no_reread(db, sb):
    since, until = pull.AXES["receive"]
    params = {since: format_datetime(SB_START), until: format_datetime(END), **DEFAULT}
    codeless = dict(sb.guanyi.matching(params)[0], code="", id=999000111222333)
    sb.guanyi.records.append(codeless)
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, page_size=100, window_days=10)
    assert result.requests == 1 and result.complete and result.status == "warning"
    assert len(result.warnings) == 1 and "999000111222333" in result.warnings[0]
    assert set(result.codes) == _expected(sb, "receive", SB_START, END, DEFAULT) - {""}


def test_numbers_reach_the_file_and_the_parser_exactly_as_sent(db, sb):
    """A JSON number is never turned into a float: ``146.10`` stays ``146.10`` in the raw JSON, and an
    amount with more digits than a float holds reaches ``Decimal`` whole."""
    since, until = pull.AXES["receive"]
    params = {since: format_datetime(SB_START), until: format_datetime(END), **DEFAULT}
    target = sb.guanyi.matching(params)[0]
    line = target["details"][0]
    line.update(price=Decimal("146.10"), amount=Decimal("12345678901234567.8912"), qty=Decimal("2.0"))
    with client(sb) as c:
        result = pull.pull(c, SB_START, END, window_days=10)
    assert target["code"] in result.codes and result.complete
    raw_json = ReturnRecord.get_by_id(target["code"]).raw_json
    assert '"price":146.10,' in raw_json and '"amount":12345678901234567.8912,' in raw_json
    assert '"qty":2.0,' in raw_json
    parsed = parse_return(load_raw(raw_json)).lines[0]
    assert parsed.price == Decimal("146.10") and str(parsed.amount) == "12345678901234567.8912"


def test_ctrl_c_mid_pull_writes_a_cancelled_log_row_and_keeps_the_watermark(db, sb):
    """Ctrl+C in a command-line pull arrives as KeyboardInterrupt: the pull still leaves its log row."""
    mark = SB_START + timedelta(minutes=5)
    Watermark.create(axis="receive", value=mark)

    def interrupt(p: pull.PullProgress) -> None:
        raise KeyboardInterrupt

    with client(sb) as c, pytest.raises(KeyboardInterrupt):
        pull.pull_since_last(c, page_size=5, window_days=10, progress=interrupt, now=END)
    assert ReturnRecord.select().count() == 0
    assert Watermark.get_by_id("receive").value == mark
    log = _last_log()
    assert log.status == "cancelled" and "（已保存 0 张）" in log.message


def test_a_pc_clock_ahead_of_guanyi_does_not_push_the_watermark_past_guanyi_time(db):
    """"A minute before now" is Guanyi's now: a PC clock 30 minutes fast would otherwise put the watermark
    25 minutes past what the server had, and returns received in between would never be pulled."""
    real_now = now_china()
    with Sandbox(returns=20, days=2, seed=9, end=real_now) as sandbox, client(sandbox) as c:
        result = pull.pull_since_last(c, now=real_now + timedelta(minutes=30), all_statuses=True)
    assert result.complete and result.end == real_now + timedelta(minutes=29)
    mark = Watermark.get_by_id("receive").value
    assert mark == result.watermark and mark <= now_china() - timedelta(seconds=59)


def test_since_last_for_one_shop_does_not_move_the_watermark_of_all_shops(db, sb):
    """A "since last pull" narrowed to one shop read nothing of the others: their next pull must still
    start where the last pull of every shop ended, or their returns of that time are never pulled."""
    shop = sb.guanyi.records[0]["shop_code"]
    Watermark.create(axis="receive", value=SB_START)
    with client(sb) as c:
        narrow = pull.pull_since_last(c, now=END, all_statuses=True, filters={"shop_code": shop})
        assert narrow.complete and narrow.watermark == END - timedelta(minutes=1)
        assert Watermark.get_by_id("receive").value == SB_START
        wide = pull.pull_since_last(c, now=END, all_statuses=True)
    assert wide.start == SB_START - timedelta(minutes=5)
    assert set(wide.codes) == _expected(sb, "receive", wide.start, wide.end, {})
    later = pull.since_last_range("receive", END + timedelta(hours=1), filters={"shop_code": shop})
    assert later[0] == END - timedelta(minutes=6)
