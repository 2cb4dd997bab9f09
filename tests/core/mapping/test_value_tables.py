"""The value tables: editing one row at a time, every change checked and logged."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.mapping import value_tables
from core.mapping.value_tables import (
    GOODS,
    SHOPS,
    Customer,
    ValueTables,
    change_row,
    delete_row,
    delete_rows,
    list_rows,
    set_row,
)
from core.store import SyncLog
from tests.support.value_tables import set_goods, set_shop


def _last_log() -> SyncLog:
    return SyncLog.select().order_by(SyncLog.id.desc()).get()


# --- editing -----------------------------------------------------------------------------------

def test_set_list_delete_and_the_mapping_snapshot(db):
    assert set_shop(" 天猫旗舰店 ", "C001", "广州百货") is True
    assert set_shop("天猫旗舰店", "C009") is False
    assert set_goods("SKU-1", "G100") is True
    assert list_rows(SHOPS) == [{"shop_code": "天猫旗舰店", "customer_code": "C009", "customer_name": ""}]
    tables = ValueTables.load()
    assert tables.shops == {"天猫旗舰店": Customer("C009", "")}
    assert tables.goods == {"SKU-1": "G100"}
    assert delete_row(GOODS, "SKU-1") is True
    assert delete_row(GOODS, "SKU-1") is False
    assert list_rows(GOODS) == []


def test_every_change_is_logged(db):
    set_goods("SKU-1", "G100")
    assert (_last_log().action, _last_log().status) == ("maps", "ok")
    assert "SKU-1" in _last_log().message and "G100" in _last_log().message
    delete_row(GOODS, "SKU-1")
    assert "删除 SKU-1" in _last_log().message


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"shop_code": "", "customer_code": "C1"}, "店铺编码为空"),
        ({"shop_code": "A", "customer_code": "  "}, "客户编码为空"),
        ({"shop_code": "A", "customer_code": "6.90123E+12"}, "科学计数法"),
    ],
)
def test_set_refuses_a_bad_row(db, values, words):
    with pytest.raises(ConfigError) as caught:
        set_row(SHOPS, values)
    assert words in str(caught.value)
    assert list_rows(SHOPS) == []


def test_set_refuses_control_characters(db):
    with pytest.raises(ConfigError, match="换行"):
        set_goods("A\nB", "G1")
    assert list_rows(GOODS) == []


def test_change_row_moves_a_mapping_to_a_new_code_and_never_onto_another(db):
    set_shop("S1", "KH1", "客户一")
    set_shop("S2", "KH2", "客户二")
    assert change_row(SHOPS, "S1", {"shop_code": " S9 ", "customer_code": "KH1", "customer_name": "客户一"}) == {
        "shop_code": "S9", "customer_code": "KH1", "customer_name": "客户一"}
    assert [r["shop_code"] for r in list_rows(SHOPS)] == ["S2", "S9"]
    with pytest.raises(ConfigError, match="已在表中"):
        change_row(SHOPS, "S9", {"shop_code": "S2", "customer_code": "KH9", "customer_name": ""})
    assert ValueTables.load().shops == {"S2": Customer("KH2", "客户二"), "S9": Customer("KH1", "客户一")}


def test_delete_rows_is_all_or_none(db, monkeypatch):
    for code in ("A", "B", "C"):
        set_goods(code, f"G{code}")
    assert delete_rows(GOODS, ["A", "nope"]) == 1
    real = value_tables.delete_row

    def fail_at_c(table, key):
        if key == "C":
            raise ConfigError("磁盘已满", "disk full")
        return real(table, key)

    monkeypatch.setattr(value_tables, "delete_row", fail_at_c)
    with pytest.raises(ConfigError):
        delete_rows(GOODS, ["B", "C"])
    assert [r["code"] for r in list_rows(GOODS)] == ["B", "C"]  # B's delete rolled back with C's failure
