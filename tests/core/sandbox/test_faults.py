"""Every fault of both simulators over real sockets, and the FaultPlan that schedules them."""

from __future__ import annotations

import time

import pytest
import requests

from core.sandbox import FaultPlan, Sandbox
from core.sandbox.faults import GUANYI_FAULTS, JINGCHENG_FAULTS
from core.timeutil import parse_datetime
from tests.support.wire import END, direct, direct_params, push, sheet


def _ok(sb: Sandbox) -> requests.Response:
    return direct(sb, direct_params(sb, page_size=1))


class TestFaultPlan:
    def test_queued_faults_come_first_in_order(self):
        plan = FaultPlan(GUANYI_FAULTS, seed=1)
        plan.set_rate("http500", 1.0)
        plan.push("reset")
        plan.push("timeout", count=2)
        assert [plan.next() for _ in range(4)] == ["reset", "timeout", "timeout", "http500"]

    def test_rates_are_seeded(self):
        def sequence(seed: int) -> list[str | None]:
            plan = FaultPlan(JINGCHENG_FAULTS, seed=seed)
            plan.set_rate("flag0", 0.3)
            return [plan.next() for _ in range(50)]

        assert sequence(4) == sequence(4)
        assert 0 < sequence(4).count("flag0") < 50

    def test_clear_and_zero_rate(self):
        plan = FaultPlan(GUANYI_FAULTS)
        plan.push("drift", 3)
        plan.set_rate("http429", 1.0)
        plan.set_rate("http429", 0)
        assert plan.next() == "drift"
        plan.clear()
        assert plan.next() is None

    def test_defaults_and_validation(self):
        plan = FaultPlan(GUANYI_FAULTS)
        assert (plan.timeout_seconds, plan.delay_seconds) == (5.0, 2.0)
        with pytest.raises(ValueError):
            plan.push("flag0")
        with pytest.raises(ValueError):
            plan.push("http500", count=0)
        with pytest.raises(ValueError):
            plan.set_rate("http500", 1.5)


@pytest.mark.parametrize(("kind", "status"), [("http500", 500), ("http429", 429)])
def test_guanyi_http_errors_then_recovery(sb, kind, status):
    sb.guanyi.faults.push(kind)
    assert _ok(sb).status_code == status
    assert _ok(sb).json()["success"] is True
    assert sb.guanyi.request_count == 2


def test_guanyi_timeout_holds_then_closes(sb):
    sb.guanyi.faults.push("timeout", 2)
    started = time.monotonic()
    with pytest.raises(requests.ConnectionError):
        _ok(sb)
    assert time.monotonic() - started >= 0.3
    with pytest.raises(requests.ReadTimeout):
        direct(sb, direct_params(sb), timeout=0.1)
    assert _ok(sb).status_code == 200


def test_guanyi_reset(sb):
    sb.guanyi.faults.push("reset")
    with pytest.raises(requests.ConnectionError):
        _ok(sb)
    assert _ok(sb).status_code == 200


def test_guanyi_malformed_is_a_200_that_is_not_json(sb):
    sb.guanyi.faults.push("malformed", 4)
    for _ in range(4):
        reply = _ok(sb)
        assert reply.status_code == 200
        with pytest.raises(ValueError):
            reply.json()


def test_guanyi_faults_apply_to_qimen_too(sb):
    from tests.support.wire import qimen_parts, qimen_post

    sb.guanyi.faults.push("http500")
    assert qimen_post(sb, *qimen_parts(sb, {})).status_code == 500


def test_guanyi_rate(sb):
    sb.guanyi.faults.set_rate("http500", 1.0)
    assert {_ok(sb).status_code for _ in range(3)} == {500}
    sb.guanyi.faults.clear()
    assert _ok(sb).status_code == 200


def _page(sb: Sandbox, filters: dict, page_no: int, page_size: int = 5) -> dict:
    body = direct(sb, direct_params(sb, **filters, page_no=page_no, page_size=page_size)).json()
    assert body["success"] is True
    return body


@pytest.mark.parametrize("filters", [
    {},
    {"receive": 1, "cancel": 0},
    {"modify_start_date": "2024-03-25 00:00:00", "modify_end_date": "2024-03-28 23:59:59"},
    {"in_begin_time": "2024-03-24 00:00:00", "in_end_time": "2024-03-26 23:59:59", "shop_code": "03"},
])
def test_drift_makes_a_naive_pager_miss_a_record(sb, filters):
    if "shop_code" in filters:
        filters = filters | {"shop_code": sb.guanyi.records[0]["shop_code"]}
    first = _page(sb, filters, 1, page_size=2)
    total = first["total"]
    assert total > 2, "the window must hold more than a page"
    before = {r["code"]: r["modify_date"] for r in sb.guanyi.records}
    read = [r["code"] for r in first["tradeReturns"]]
    sb.guanyi.faults.push("drift")
    pages = -(-total // 2)
    totals = []
    for page_no in range(2, pages + 1):
        body = _page(sb, filters, page_no, page_size=2)
        totals.append(body["total"])
        read += [r["code"] for r in body["tradeReturns"] or []]
    assert totals[0] == total + 1
    expected = {r["code"] for r in sb.guanyi.matching(filters)}
    new = expected - set(before)
    assert len(new) == 1 and not new & set(read), "the new record sits where the pager already was"
    touched = [r for r in sb.guanyi.records if r["code"] in before and r["modify_date"] != before[r["code"]]]
    assert len(touched) == 1 and touched[0]["code"] in expected
    assert parse_datetime(touched[0]["modify_date"]) > parse_datetime(before[touched[0]["code"]])
    record = next(r for r in sb.guanyi.records if r["code"] in new)
    assert record["create_date"] <= (record["receive_date"] or record["modify_date"]) <= record["modify_date"]


def test_drift_on_the_first_page_still_changes_the_total(sb):
    sb.guanyi.faults.push("drift")
    assert _page(sb, {}, 1)["total"] == 61
    assert len(sb.guanyi.records) == 61


def test_latency():
    with Sandbox(returns=5, latency_ms=150, end=END) as slow:
        started = time.monotonic()
        assert _ok(slow).status_code == 200
        assert push(slow, sheet()).status_code == 200
        assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(("kind", "status"), [("flag0", 200), ("http500", 500), ("http401", 401)])
def test_jingcheng_refusals_are_not_recorded(sb, kind, status):
    sb.jingcheng.faults.push(kind)
    reply = push(sb, sheet())
    assert reply.status_code == status
    if kind == "flag0":
        assert reply.json()["Flag"] == "0" and reply.json()["Message"]
    assert sb.jingcheng.sheets == []
    assert push(sb, sheet()).status_code == 200
    assert sb.jingcheng.sheet_ids() == [sheet()["SheetID"]]


def test_jingcheng_delay_records_then_answers_late(sb):
    sb.jingcheng.faults.push("delay")
    started = time.monotonic()
    reply = push(sb, sheet())
    assert time.monotonic() - started >= 0.3
    assert str(reply.json()["Flag"]).lower() in ("1", "true")
    assert sb.jingcheng.sheets[0]["SheetNo"] == reply.json()["SheetNo"]


def test_jingcheng_timeout_records_but_never_answers(sb):
    sb.jingcheng.faults.push("timeout", 2)
    with pytest.raises(requests.ConnectionError):
        push(sb, sheet("RGO1"))
    with pytest.raises(requests.ReadTimeout):
        push(sb, sheet("RGO2"), timeout=0.1)
    assert sb.jingcheng.sheet_ids() == ["RGO1", "RGO2"]


def test_jingcheng_reset_records_nothing(sb):
    sb.jingcheng.faults.push("reset")
    with pytest.raises(requests.ConnectionError):
        push(sb, sheet())
    assert sb.jingcheng.sheets == [] and sb.jingcheng.request_count == 1


def test_guanyi_503_and_a_body_cut_off_by_a_reset(sb):
    sb.guanyi.faults.push("http503")
    assert _ok(sb).status_code == 503
    sb.guanyi.faults.push("cut")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        _ok(sb)
    assert _ok(sb).json()["success"] is True


def test_guanyi_envelope_without_its_records_or_its_total(sb):
    missing = set()
    for _ in range(12):
        sb.guanyi.faults.push("envelope")
        body = _ok(sb).json()
        assert body["success"] is True
        missing |= {"tradeReturns", "total"} - set(body)
        assert len({"tradeReturns", "total"} - set(body)) == 1
    assert missing == {"tradeReturns", "total"}


def test_guanyi_duplicate_starts_a_page_inside_the_one_before(sb):
    first = [r["code"] for r in _page(sb, {}, 1)["tradeReturns"]]
    sb.guanyi.faults.push("duplicate")
    second = [r["code"] for r in _page(sb, {}, 2)["tradeReturns"]]
    assert set(first) & set(second) and len(second) == 5


def test_guanyi_vanish_deletes_a_record_not_yet_served(sb):
    first = _page(sb, {}, 1)
    sb.guanyi.faults.push("vanish")
    second = _page(sb, {}, 2)
    assert second["total"] == first["total"] - 1 == len(sb.guanyi.records)
    codes = {r["code"] for r in sb.guanyi.records}
    assert {r["code"] for r in first["tradeReturns"] + second["tradeReturns"]} <= codes


@pytest.mark.parametrize("kind", ["http503", "stall"])
def test_jingcheng_503_and_a_stall_before_the_sheet_is_looked_at_record_nothing(sb, kind):
    sb.jingcheng.faults.push(kind)
    if kind == "stall":
        with pytest.raises(requests.ConnectionError):
            push(sb, sheet())
    else:
        assert push(sb, sheet()).status_code == 503
    assert sb.jingcheng.sheets == []
