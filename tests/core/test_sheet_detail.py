"""What the sheet pane shows of a return: the body is byte for byte what 精诚 receives (before the push, and from the
ledger after it), and what changed after posting is said field by field and line by line."""

from __future__ import annotations

import json

import pytest

from core import push, sheet_detail
from core.sandbox import Sandbox
from core.sandbox.jingcheng_sim import AUTH_MODES, SHEET_PATH
from core.sheet_detail import FieldChange, LineChange, compare
from core.states import ReturnState
from core.store import LedgerEntry, ReturnRecord
from tests.support.pushing import load_returns, loaded_sandbox, ready_codes, use_sandbox


def _record_bodies(sb: Sandbox) -> list[bytes]:
    """Every request body that reaches the sandbox's 精诚, as the bytes it read off the socket."""
    received: list[bytes] = []
    server = next(s for s in sb._servers if s.app is sb.jingcheng)
    answer = server.app

    def recording(request):
        if request.path == SHEET_PATH:
            received.append(request.body)
        return answer(request)

    server.app = recording
    return received


@pytest.fixture
def sb(db):
    with loaded_sandbox() as sandbox:
        yield sandbox


def _edit_return(code: str, edit) -> None:
    raw = json.loads(ReturnRecord.get_by_id(code).raw_json)
    edit(raw)
    ReturnRecord.update(raw_json=json.dumps(raw, ensure_ascii=False)).where(ReturnRecord.code == code).execute()


@pytest.mark.parametrize("auth", AUTH_MODES)
def test_the_body_shown_is_the_bytes_jingcheng_receives_and_holds_no_secret(db, auth):
    with Sandbox(returns=30, days=10, seed=12, jingcheng_auth=auth) as sb:
        use_sandbox(sb)
        load_returns(sb)
        received = _record_bodies(sb)
        code = max(ready_codes(), key=lambda c: len(push.preview(c).mapped.sheet.items))
        before = sheet_detail.detail(code)
        assert before.state is ReturnState.READY and not before.shows_sent and before.body == before.body_now

        assert push.push([code]).items[0].status == "posted"
        assert received == [before.body.encode("utf-8")]
        after = sheet_detail.detail(code)
        assert after.state is ReturnState.POSTED and after.shows_sent
        assert after.body.encode("utf-8") == received[0]
        for secret in filter(None, sb.credentials["jingcheng"].values()):
            assert secret not in after.body


def test_a_posted_sheet_shows_the_body_the_ledger_recorded(sb):
    code = ready_codes()[0]
    push.push([code])
    recorded = LedgerEntry.get_by_id(code).request_body
    shown = sheet_detail.detail(code)
    assert shown.shows_sent and shown.body == recorded == shown.body_sent and shown.changes is None


def test_an_unknown_sheet_shows_what_went_out_and_a_failed_one_what_would_go(sb):
    unknown, failed = ready_codes()[:2]
    sb.jingcheng.faults.push("http500")
    push.push([unknown])
    sb.jingcheng.faults.push("flag0")
    push.push([failed])
    _edit_return(unknown, lambda raw: raw.update(reason="改过的原因"))
    _edit_return(failed, lambda raw: raw.update(reason="改过的原因"))

    in_doubt = sheet_detail.detail(unknown)
    assert in_doubt.state is ReturnState.UNKNOWN and in_doubt.shows_sent
    assert in_doubt.body == LedgerEntry.get_by_id(unknown).request_body and "改过的原因" not in in_doubt.body
    assert "改过的原因" in in_doubt.body_now

    again = sheet_detail.detail(failed)
    assert again.state is ReturnState.FAILED and not again.shows_sent
    assert "改过的原因" in again.body and again.body == again.body_now


def test_changes_after_posting_are_said_field_by_field_and_line_by_line(sb):
    code = next(c for c in ready_codes() if len(push.preview(c).mapped.sheet.items) >= 2)
    push.push([code])
    sent = json.loads(LedgerEntry.get_by_id(code).request_body)
    first, second = sent["Items"][0], sent["Items"][1]

    def edit(raw: dict) -> None:
        raw["reason"] = "质量问题（已核实）"
        details = [d for d in raw["details"] if str(d.get("real_in")) not in ("0", "0.0", "None")]
        details[0]["note"] = "客户补寄一件"
        details[1]["real_in"] = 0  # the second line of the sheet goes
        raw["details"].append(dict(details[0], sku_code="NEW-SKU-9", item_code="NEW-9", real_in=1, qty=1,
                                   price="99.0000", amount="99.0000", note="", is_gift=0))

    _edit_return(code, edit)
    shown = sheet_detail.detail(code)
    assert shown.state is ReturnState.CHANGED and shown.shows_sent
    assert shown.body == LedgerEntry.get_by_id(code).request_body != shown.body_now
    changes = shown.changes
    now = json.loads(shown.body_now)
    assert [c.field for c in changes.header] == ["Qua", "Amo", "Remark"]
    assert changes.header[2] == FieldChange("Remark", sent["Remark"], now["Remark"])
    assert "质量问题（已核实）" in changes.header[2].new
    number_now = len(json.loads(ReturnRecord.get_by_id(code).raw_json)["details"])
    assert changes.lines == (
        LineChange("changed", first["GoodsID"], shown.preview.mapped.origins[0].number,
                   (FieldChange("Remark", first["Remark"], now["Items"][0]["Remark"]),)),
        LineChange("removed", second["GoodsID"], None,
                   tuple(FieldChange(name, second[name], "") for name in ("Qua", "Price", "Amo", "Remark"))),
        LineChange("added", "NEW-SKU-9", number_now,
                   (FieldChange("Qua", "", "1"), FieldChange("Price", "", "99.00"), FieldChange("Amo", "", "99.00"),
                    FieldChange("Remark", "", ""))),
    )
    described = "\n".join(changes.describe())
    assert f"备注 Remark：{sent['Remark']} → {now['Remark']}" in described
    assert f"删除明细 {second['GoodsID']}" in described
    assert f"新增明细 NEW-SKU-9（管易云第 {number_now} 行）" in described


def test_a_posted_return_that_no_longer_makes_a_sheet_says_so(sb):
    code = ready_codes()[0]
    push.push([code])

    def nothing_received(raw: dict) -> None:
        for line in raw["details"]:
            line["real_in"] = "0"

    _edit_return(code, nothing_received)
    shown = sheet_detail.detail(code)
    assert shown.state is ReturnState.CHANGED and shown.body_now is None and shown.body == shown.body_sent
    assert shown.changes is not None and not shown.changes.sheet_now and shown.changes
    assert "无法生成单据" in shown.changes.describe()[0]


def test_a_cancelled_posted_return_has_the_same_sheet_but_is_changed(sb):
    code = ready_codes()[0]
    push.push([code])
    _edit_return(code, lambda raw: raw.update(cancel=True))
    shown = sheet_detail.detail(code)
    assert shown.state is ReturnState.CHANGED and shown.changes is not None
    assert not shown.changes and shown.changes.header == () and shown.changes.lines == ()
    assert [p.code for p in shown.preview.mapped.blocking] == ["cancelled"]


def test_lines_of_the_same_goods_pair_in_order():
    def body(*items: tuple[str, str]) -> str:
        return json.dumps({"SheetID": "R1", "Items": [{"Qua": q, "GoodsID": g, "Price": "1.00", "Amo": q + ".00",
                                                      "Remark": ""} for g, q in items]})

    changes = compare(body(("G1", "1"), ("G1", "2"), ("G2", "1")), body(("G1", "1"), ("G1", "3")))
    assert changes.header == ()
    assert [(c.kind, c.goods_id, [f.field for f in c.fields]) for c in changes.lines] == [
        ("changed", "G1", ["Qua", "Amo"]), ("removed", "G2", ["Qua", "Price", "Amo", "Remark"])]
    assert not compare(body(("G1", "1")), body(("G1", "1")))


def test_detail_of_a_code_never_pulled_is_none(sb):
    assert sheet_detail.detail("NO-SUCH") is None


def test_the_raw_record_is_the_one_pulled(sb):
    code = ready_codes()[0]
    shown = sheet_detail.detail(code)
    assert json.loads(shown.raw_text) == json.loads(ReturnRecord.get_by_id(code).raw_json)
    assert shown.raw_text.startswith("{\n  ")


def test_every_line_of_the_return_is_in_the_detail_in_guanyi_order(sb):
    code = next(c for c in ready_codes() if len(push.preview(c).mapped.sheet.items) >= 2)

    def one_not_received(raw: dict) -> None:
        raw["details"][0]["real_in"] = 0

    _edit_return(code, one_not_received)
    shown = sheet_detail.detail(code)
    raw = json.loads(ReturnRecord.get_by_id(code).raw_json)["details"]
    assert [line.number for line in shown.lines] == list(range(1, len(raw) + 1))
    assert [(line.item_code, line.sku_code) for line in shown.lines] == [
        (d.get("item_code") or "", d.get("sku_code") or "") for d in raw]
    assert shown.lines[0].left_out == "数量为 0，不推送" and shown.lines[0].goods_id == ""
    on_sheet = [line for line in shown.lines if not line.left_out]
    assert [line.goods_id for line in on_sheet] == [i["GoodsID"] for i in json.loads(shown.body)["Items"]]


def test_the_command_line_preview_gives_the_body_and_the_changes(cli, sb):
    code = ready_codes()[0]
    before = cli("preview", code, "--json").json()
    assert before["body"] == sheet_detail.detail(code).body_now and before["body_sent"] is False
    assert before["changes"] is None
    push.push([code])
    _edit_return(code, lambda raw: raw.update(reason="质量问题（已核实）"))
    after = cli("preview", code, "--json").json()
    assert after["body_sent"] is True and after["body"] == LedgerEntry.get_by_id(code).request_body
    assert [c["field"] for c in after["changes"]["header"]] == ["Remark"]
    text = cli("preview", code).stdout
    assert "推送后的变更（已发送 → 现在）：" in text and "→" in text.split("推送后的变更")[1]
