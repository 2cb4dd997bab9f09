"""Hostile value-table files (issue 10, item 4) through ``maps … import`` as a user runs it: wrong encodings, binary
files, missing columns, 100,000 rows. Each is imported correctly or refused with a clear message in Chinese and
English naming the file and what to do — exit code 2, never a traceback, within seconds — and a refused file changes
nothing."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

SHOPS = "店铺编码,客户编码,客户名称\n天猫旗舰店,C001,广州百货\n京东自营店,C002,深圳优品\n"
EXPECTED = {"天猫旗舰店": "C001", "京东自营店": "C002"}


def _import(cli, path: Path, table: str = "shops", *extra: str):
    started = time.monotonic()
    result = cli("maps", table, "import", str(path), *extra)
    took = time.monotonic() - started
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text and 'File "' not in text, text
    return result, took


def _shops(cli) -> dict[str, str]:
    listed = cli("maps", "shops", "list", "--json")
    assert listed.code == 0
    return {row["shop_code"]: row["customer_code"] for row in listed.json()["rows"]}


@pytest.mark.parametrize(
    ("encoding", "named"), [("gbk", "GBK"), ("gb18030", "GBK"), ("utf-8-sig", "UTF-8 (BOM)"), ("utf-8", "UTF-8")]
)
def test_the_encodings_excel_writes_are_imported(cli, data_dir, tmp_path, encoding, named):
    path = tmp_path / "shops.csv"
    path.write_bytes(SHOPS.encode(encoding))
    result, _ = _import(cli, path, "shops", "--json")
    assert result.code == 0 and result.json()["encoding"] == named and result.json()["rows"] == 2
    assert _shops(cli) == EXPECTED


@pytest.mark.parametrize("separator", ["\t", ";"])
def test_a_file_cut_by_tabs_or_semicolons_is_imported(cli, data_dir, tmp_path, separator):
    path = tmp_path / "shops.csv"
    path.write_text(SHOPS.replace(",", separator), "utf-8")
    assert _import(cli, path)[0].code == 0
    assert _shops(cli) == EXPECTED


def _refused(cli, path: Path, zh: str, en: str) -> None:
    before = _shops(cli)
    result, took = _import(cli, path)
    assert result.code == 2 and str(path) in result.stderr and zh in result.stderr, result
    assert took < 10
    english, _ = _import(cli, path, "shops", "--json")
    said = english.json()
    assert english.code == 2 and said["ok"] is False
    assert en in cli("--lang", "en", "maps", "shops", "import", str(path)).stderr
    assert not any(ch in result.stderr for ch in "\x00\x01\x16\x7f\u202e"), repr(result.stderr)
    assert _shops(cli) == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_or_without_its_bom_is_refused_naming_it(cli, data_dir, tmp_path, encoding):
    path = tmp_path / "unicode.csv"
    path.write_bytes(SHOPS.encode(encoding))
    _refused(cli, path, "是 UTF-16", "is UTF-16")


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04\x14\x00\x06\x00" + random.Random(1).randbytes(4000),  # an .xlsx workbook renamed
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(2).randbytes(4000),
        random.Random(3).randbytes(20000),
        "店铺编码,客户编码\nA\x00,C1\n".encode(),
    ],
    ids=["xlsx", "png", "random", "nul"],
)
def test_binary_garbage_is_refused_as_not_a_text_file(cli, data_dir, tmp_path, content):
    path = tmp_path / "garbage.csv"
    path.write_bytes(content)
    _refused(cli, path, "不是文本文件", "is not a text file")


def test_bytes_neither_utf8_nor_gbk_are_refused(cli, data_dir, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\xff\xfa\x80\x80,\xff\n" * 100)
    _refused(cli, path, "不是 UTF-8 或 GBK", "not a CSV file in UTF-8 or GBK")


def test_missing_columns_are_named(cli, data_dir, tmp_path):
    path = tmp_path / "shops.csv"
    path.write_text("店铺编码,客户名称\nA,甲\n", "utf-8")
    _refused(cli, path, "缺少列“客户编码”", "missing column 'customer_code'")


def test_an_unknown_column_name_is_quoted_with_its_control_characters_visible(cli, data_dir, tmp_path):
    path = tmp_path / "shops.csv"
    path.write_text("店铺编码,客户编码,\u202e\x1b[31mname\n", "utf-8")
    _refused(cli, path, "不认识的列名“\\u202e\\x1b[31mname”", "unknown column '\\u202e\\x1b[31mname'")


def test_100000_rows_are_imported_in_seconds_and_again_unchanged(cli, data_dir, tmp_path):
    path = tmp_path / "goods.csv"
    path.write_text("商品编码,精诚商品ID\n" + "".join(f"SKU{i:06d},G{i}\n" for i in range(100_000)), "utf-8-sig")
    result, took = _import(cli, path, "goods", "--json")
    assert result.code == 0 and result.json()["added"] == 100_000 and took < 30, took
    again, took = _import(cli, path, "goods", "--json")
    assert again.json()["unchanged"] == 100_000 and took < 30


def test_100000_bad_rows_are_refused_with_a_bounded_message(cli, data_dir, tmp_path):
    path = tmp_path / "goods.csv"
    path.write_text("code,goods_id\n" + "".join(f"SKU{i:06d},\n" for i in range(100_000)), "utf-8")
    result, took = _import(cli, path, "goods")
    assert result.code == 2 and took < 30
    assert "另有 99990 处问题" in result.stderr and len(result.stderr) < 2000
    assert json.loads(cli("maps", "goods", "list", "--json").stdout)["rows"] == []
