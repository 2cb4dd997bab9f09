"""The value tables to and from CSV: UTF-8, UTF-8 with BOM and GBK, what Excel does to codes, all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from core import i18n
from core.errors import ConfigError
from core.mapping.tables_csv import BadRows, export_csv, import_csv
from core.mapping.value_tables import (
    GOODS,
    SHOPS,
    list_rows,
)
from core.store import SyncLog
from tests.support.value_tables import set_goods, set_shop

SHOPS_ZH = "店铺编码,客户编码,客户名称\n天猫旗舰店,C001,广州百货有限公司\n京东自营店,C002,深圳优品贸易\n"


def _write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _last_log() -> SyncLog:
    return SyncLog.select().order_by(SyncLog.id.desc()).get()


def _shops() -> dict[str, tuple[str, str]]:
    return {r["shop_code"]: (r["customer_code"], r["customer_name"]) for r in list_rows(SHOPS)}


# --- import: encodings and headers -------------------------------------------------------------

@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GBK")],
)
def test_import_reads_every_encoding_excel_writes(db, tmp_path, encoding, name):
    result = import_csv(SHOPS, _write(tmp_path, SHOPS_ZH, encoding))
    assert result.encoding == name
    assert result.rows == 2
    assert _shops() == {"天猫旗舰店": ("C001", "广州百货有限公司"), "京东自营店": ("C002", "深圳优品贸易")}


def test_gbk_file_as_written_by_python_open(db, tmp_path):
    path = tmp_path / "excel.csv"
    with open(path, "w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerows([["商品编码", "精诚商品ID"], ["保温杯-白", "G-001"], ["羽绒服 XL", "G-002"]])
    assert import_csv(GOODS, path).encoding == "GBK"
    assert {r["code"]: r["goods_id"] for r in list_rows(GOODS)} == {"保温杯-白": "G-001", "羽绒服 XL": "G-002"}


@pytest.mark.parametrize(
    "header",
    [
        "shop_code,customer_code,customer_name",
        "Shop Code, Customer Code ,Customer Name",
        "ShopCode,CustomerCode,CustomerName",
        "店铺编码,customer_code,客户名称",
    ],
)
def test_headers_in_chinese_or_english(db, tmp_path, header):
    import_csv(SHOPS, _write(tmp_path, header + "\nA,C1,甲\n"))
    assert _shops() == {"A": ("C1", "甲")}


def test_columns_in_any_order_name_optional_blank_rows_and_empty_columns_ignored(db, tmp_path):
    text = "\ufeff客户编码,店铺编码,,\r\n\r\nC1,A,,\r\n,,,\r\nC2,B\r\n"
    assert import_csv(SHOPS, _write(tmp_path, text)).rows == 2
    assert _shops() == {"A": ("C1", ""), "B": ("C2", "")}


def test_goods_id_header_in_jingcheng_words(db, tmp_path):
    import_csv(GOODS, _write(tmp_path, "商品编码,GoodsID\nSKU1,G1\n"))
    assert list_rows(GOODS) == [{"code": "SKU1", "goods_id": "G1"}]


def test_cells_are_trimmed(db, tmp_path):
    import_csv(GOODS, _write(tmp_path, "code,goods_id\n  SKU1 ,\u3000G1\u3000\n"))
    assert list_rows(GOODS) == [{"code": "SKU1", "goods_id": "G1"}]


# --- import: bad files change nothing ----------------------------------------------------------

def _bad(tmp_path: Path, text: str, table=SHOPS, encoding: str = "utf-8") -> BadRows:
    with pytest.raises(BadRows) as caught:
        import_csv(table, _write(tmp_path, text, encoding))
    return caught.value


def test_empty_code_names_the_line_and_imports_nothing(db, tmp_path):
    set_shop("老店", "C000", "原有客户")
    error = _bad(tmp_path, "店铺编码,客户编码,客户名称\nA,C1,甲\n,C2,乙\nB,C3,丙\n")
    assert "第 3 行：店铺编码为空" in str(error)
    assert [p.line for p in error.problems] == [3]
    assert _shops() == {"老店": ("C000", "原有客户")}


def test_english_message(db, tmp_path):
    i18n.set_language("en")
    error = _bad(tmp_path, "shop_code,customer_code\nA,\n")
    assert "line 2: customer code is empty" in str(error)
    assert "nothing in it was changed" in str(error)


def test_duplicate_code_names_both_lines(db, tmp_path):
    error = _bad(tmp_path, "code,goods_id\nSKU1,G1\nSKU2,G2\nSKU1,G3\n", GOODS)
    assert "第 4 行：商品编码“SKU1”重复（第 2 行已有）" in str(error)
    assert list_rows(GOODS) == []


def test_missing_column_in_the_header(db, tmp_path):
    error = _bad(tmp_path, "店铺编码,客户名称\nA,甲\n")
    assert "第 1 行：缺少列“客户编码”（customer_code）" in str(error)
    assert "表头应为：店铺编码/shop_code, 客户编码/customer_code, 客户名称/customer_name" in str(error)


def test_unknown_and_repeated_header(db, tmp_path):
    error = _bad(tmp_path, "店铺编码,shop_code,客户编号\nA,A,C1\n")
    assert "列“shop_code”出现两次" in str(error)
    assert "不认识的列名“客户编号”" in str(error)


def test_row_longer_than_header(db, tmp_path):
    error = _bad(tmp_path, "code,goods_id\nSKU1,G1,extra\n", GOODS)
    assert error.problems[0].line == 2 and "多于表头" in error.problems[0].zh


def test_excel_scientific_notation_is_refused(db, tmp_path):
    error = _bad(tmp_path, "code,goods_id\n6.90123E+12,G1\n", GOODS)
    assert "第 2 行" in str(error) and "科学计数法" in str(error)


def test_line_numbers_count_physical_lines_after_a_multiline_cell(db, tmp_path):
    error = _bad(tmp_path, '店铺编码,客户编码,客户名称\nA,C1,"两行\n名字"\n\nB,,乙\n')
    assert [p.line for p in error.problems] == [2, 5]  # a name on two lines is refused too: see below


def test_gbk_file_with_a_bad_row(db, tmp_path):
    error = _bad(tmp_path, "店铺编码,客户编码,客户名称\n天猫旗舰店,,广州百货\n", encoding="gbk")
    assert "第 2 行：客户编码为空" in str(error)


def test_all_problems_listed_up_to_ten(db, tmp_path):
    text = "code,goods_id\n" + "".join(f"SKU{i},\n" for i in range(15))
    error = _bad(tmp_path, text, GOODS)
    assert len(error.problems) == 15
    assert "另有 5 处问题" in str(error)


def test_failed_import_is_logged(db, tmp_path):
    _bad(tmp_path, "code,goods_id\n,G1\n", GOODS)
    assert (_last_log().action, _last_log().status) == ("import", "failed")
    assert "第 2 行" in _last_log().message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "空文件"),
        (b"\r\n\r\n", "空文件"),
        ("店铺编码,客户编码\n".encode(), "没有数据行"),
        ("店铺编码,客户编码\nA,C1\n".encode("utf-16"), "UTF-16"),
        (b"\xff\xff\x80\x80,\xff\n", "不是 UTF-8 或 GBK"),
    ],
)
def test_unusable_files(db, tmp_path, content, words):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        import_csv(SHOPS, path)
    assert words in str(caught.value)


def test_missing_file(db, tmp_path):
    with pytest.raises(ConfigError) as caught:
        import_csv(SHOPS, tmp_path / "nope.csv")
    assert "无法读取文件" in str(caught.value)


# --- merge and replace -------------------------------------------------------------------------

def test_merge_upserts_and_keeps_other_codes(db, tmp_path):
    set_shop("老店", "C000", "原有客户")
    set_shop("A", "C1", "甲")
    set_shop("B", "C2", "乙")
    result = import_csv(SHOPS, _write(tmp_path, "店铺编码,客户编码,客户名称\nA,C1,甲\nB,C22,乙\nC,C3,丙\n"))
    assert (result.changes.added, result.changes.changed, result.changes.unchanged, result.changes.removed) == (
        1, 1, 1, 0)
    assert _shops() == {"老店": ("C000", "原有客户"), "A": ("C1", "甲"), "B": ("C22", "乙"), "C": ("C3", "丙")}
    assert (_last_log().action, _last_log().status) == ("import", "ok")
    assert "合并" in _last_log().message and "新增 1" in _last_log().message


def test_replace_makes_the_table_the_file(db, tmp_path):
    set_shop("老店", "C000", "原有客户")
    set_shop("A", "C1", "甲")
    result = import_csv(SHOPS, _write(tmp_path, "shop_code,customer_code\nA,C1\nC,C3\n"), replace=True)
    assert (result.changes.added, result.changes.changed, result.changes.removed) == (1, 1, 1)
    assert _shops() == {"A": ("C1", ""), "C": ("C3", "")}
    assert "替换" in _last_log().message


def test_bad_file_under_replace_keeps_everything(db, tmp_path):
    set_shop("老店", "C000", "原有客户")
    _bad(tmp_path, "shop_code,customer_code\nA,C1\nA,C2\n")
    assert _shops() == {"老店": ("C000", "原有客户")}


def test_large_import_crosses_insert_batches(db, tmp_path):
    text = "code,goods_id\n" + "".join(f"SKU{i:05d},G{i}\n" for i in range(1234))
    assert import_csv(GOODS, _write(tmp_path, text)).changes.added == 1234
    assert len(list_rows(GOODS)) == 1234
    assert import_csv(GOODS, _write(tmp_path, "code,goods_id\nSKU00001,G1\n"), replace=True).changes.removed == 1233


# --- export ------------------------------------------------------------------------------------

def test_export_has_bom_chinese_header_and_reimports_to_the_same_table(db, tmp_path):
    set_shop("天猫旗舰店", "C001", "广州百货, \"总店\"")
    set_shop("-退货专用", "=C002", "@客户")
    set_goods("+SKU", "G1")
    target = tmp_path / "shops.csv"
    assert export_csv(SHOPS, target) == 2
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    with open(target, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["店铺编码", "客户编码", "客户名称"]
    assert ["'-退货专用", "'=C002", "'@客户"] in rows
    before = _shops()
    result = import_csv(SHOPS, target, replace=True)
    assert result.changes.unchanged == 2 and result.changes.removed == 0
    assert _shops() == before
    assert (_last_log().action, _last_log().status) == ("import", "ok")


def test_export_header_in_english_and_logged(db, tmp_path):
    i18n.set_language("en")
    set_goods("SKU1", "G1")
    export_csv(GOODS, tmp_path / "goods.csv")
    assert (tmp_path / "goods.csv").read_bytes() == "\ufeffcode,goods_id\r\nSKU1,G1\r\n".encode()
    assert (_last_log().action, _last_log().status) == ("export", "ok")
    assert "goods.csv" in _last_log().message


# --- files as Excel and its users really leave them ----------------------------------------------

def test_excel_gbk_file_with_crlf_trailing_columns_long_codes_and_leading_zeros(db, tmp_path):
    text = "商品编码,精诚商品ID,,\r\n00123,000456,,\r\n690123456789012345,G-羽绒服,,\r\n,,,\r\n"
    result = import_csv(GOODS, _write(tmp_path, text, "gbk"))
    assert (result.encoding, result.rows) == ("GBK", 2)
    assert {r["code"]: r["goods_id"] for r in list_rows(GOODS)} == {"00123": "000456",
                                                                    "690123456789012345": "G-羽绒服"}


def test_bom_followed_by_gbk_text_is_read_as_gbk(db, tmp_path):
    # Some editors put a UTF-8 BOM in front of text they still save in the ANSI code page (GBK).
    path = tmp_path / "bom-gbk.csv"
    path.write_bytes(b"\xef\xbb\xbf" + SHOPS_ZH.replace("\n", "\r\n").encode("gbk"))
    result = import_csv(SHOPS, path)
    assert result.encoding == "GBK"
    assert _shops() == {"天猫旗舰店": ("C001", "广州百货有限公司"), "京东自营店": ("C002", "深圳优品贸易")}


def test_a_second_bom_before_the_header_is_ignored(db, tmp_path):
    import_csv(GOODS, _write(tmp_path, "\ufeff\ufeff商品编码,精诚商品ID\r\n00123,G1\r\n"))
    assert list_rows(GOODS) == [{"code": "00123", "goods_id": "G1"}]


def test_an_unpaired_quote_does_not_swallow_the_rows_after_it(db, tmp_path):
    # Without the check, line 2's GoodsID became 'G1\r\nB,G2\r\nC,G3' and B, C were silently lost.
    set_goods("B", "G-old")
    error = _bad(tmp_path, 'code,goods_id\r\nA,"G1\r\nB,G2\r\nC,G3\r\n', GOODS)
    assert [p.line for p in error.problems] == [2]
    assert "换行" in error.problems[0].zh and "引号" in error.problems[0].zh
    assert "line break" in error.problems[0].en
    assert list_rows(GOODS) == [{"code": "B", "goods_id": "G-old"}]


def test_a_code_that_lost_its_leading_zeros_in_excel_is_refused(db, tmp_path):
    # Export, open in Excel, save: 03 comes back as 3. Under --replace the shop 03 would silently lose its
    # customer and its returns would be posted to the customer whose code is the bare shop code.
    set_shop("03", "C003", "广州百货")
    error = _bad(tmp_path, "店铺编码,客户编码,客户名称\r\n3,C003,广州百货\r\n")
    assert [p.line for p in error.problems] == [2]
    assert "“03”" in error.problems[0].zh and "前导零" in error.problems[0].zh
    assert "leading zeros" in error.problems[0].en
    assert _shops() == {"03": ("C003", "广州百货")}


def test_a_value_that_lost_its_leading_zeros_in_excel_is_refused(db, tmp_path):
    set_goods("SKU1", "000456")
    error = _bad(tmp_path, "code,goods_id\r\nSKU1,456\r\n", GOODS)
    assert [p.line for p in error.problems] == [2] and "“000456”" in error.problems[0].zh
    assert list_rows(GOODS) == [{"code": "SKU1", "goods_id": "000456"}]


def test_a_long_code_that_lost_digits_in_excel_is_refused(db, tmp_path):
    # Excel keeps 15 significant digits: formatted as a number, 690123456789012345 is saved as 690123456789012000.
    set_goods("690123456789012345", "G1")
    error = _bad(tmp_path, "code,goods_id\r\n690123456789012000,G1\r\n", GOODS)
    assert [p.line for p in error.problems] == [2] and "690123456789012345" in error.problems[0].zh


def test_codes_with_and_without_leading_zeros_can_live_side_by_side(db, tmp_path):
    # Not a loss: the file still has 03, or the table never had a zero-padded twin.
    set_shop("03", "C003")
    import_csv(SHOPS, _write(tmp_path, "shop_code,customer_code\r\n03,C003\r\n3,C3\r\n"), replace=True)
    import_csv(SHOPS, _write(tmp_path, "shop_code,customer_code\r\n30,C30\r\n"))
    assert _shops() == {"03": ("C003", ""), "3": ("C3", ""), "30": ("C30", "")}
