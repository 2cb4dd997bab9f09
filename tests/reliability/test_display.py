"""Names with control and bidi characters (issue 10): kept exactly in the machine formats (``--json``), shown safely
where a person reads them — the ``list`` table and ``preview`` show each as its escape (``\\x1b``, ``\\u202e``), so
that a name can neither break the table's columns and lines, nor colour the terminal, nor reorder the text."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from core.sandbox import Sandbox
from core.visible import visible

END = datetime(2024, 6, 10, 15, 0, 0)
HOSTILE = [
    "\x1b[31m红色\x1b[0m",
    "店\u202egpj.exe",
    "A\x00B",
    "两\n行",
    "制\t表",
    "\u2066隔离\u2069\x7f",
    "\u200f\u061c",
]
RAW = "".join(
    chr(c) for c in [*range(0x20), 0x7F, 0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def test_visible_escapes_every_control_and_bidi_character_and_nothing_else():
    shown = visible(RAW)
    assert not any(ch in shown for ch in RAW)
    assert shown.startswith("\\x00\\x01") and "\\x1b" in shown and "\\u202e" in shown and "\\u2069" in shown
    assert visible("天猫旗舰店 (Tmall) ¥1,234.50 — 好") == "天猫旗舰店 (Tmall) ¥1,234.50 — 好"


@pytest.fixture
def hostile_names(cli):
    with Sandbox(returns=len(HOSTILE) * 3, days=3, seed=5, end=END) as sb:
        received = [r for r in sb.guanyi.records if r.get("receive") and not r.get("cancel")]
        named = dict(zip((r["code"] for r in received), HOSTILE, strict=False))
        for record in received:
            if record["code"] in named:
                record["shop_name"] = named[record["code"]]
        assert cli("credentials", "set", "guanyi", stdin=json.dumps(sb.credentials["guanyi"])).code == 0
        assert cli("config", "set", "guanyi.url", sb.guanyi_url).code == 0
        assert cli("pull", "--from", "2024-06-06", "--to", "2024-06-10").code == 0
        yield named


def test_the_list_table_shows_them_escaped_and_its_columns_hold(cli, hostile_names):
    listed = cli("list")
    assert listed.code == 0
    assert not any(ch in listed.stdout for ch in RAW.replace("\t", "").replace("\n", ""))
    rows = listed.stdout.splitlines()
    width = rows[0].count("\t")
    assert all(row.count("\t") == width for row in rows[:-1]), rows  # a tab or line break in a name broke nothing
    for code, name in hostile_names.items():
        row = next(row for row in rows if row.startswith(code))
        assert row.split("\t")[1] == visible(name)
    assert "\\u202egpj.exe" in listed.stdout and "\\x1b[31m" in listed.stdout


def test_the_json_keeps_them_exactly(cli, hostile_names):
    returns = {r["code"]: r for r in cli("list", "--json").json()["returns"]}
    for code, name in hostile_names.items():
        assert returns[code]["shop_name"] == name


def test_preview_shows_the_customer_name_escaped(cli, hostile_names):
    code = next(code for code, name in hostile_names.items() if "\u202e" in name)
    shown = cli("preview", code)
    assert "\u202e" not in shown.stdout and "\\u202e" in shown.stdout
    sent = json.loads(cli("preview", code, "--json").stdout)["sheet"]["CustomerName"]
    assert "\u202e" in sent  # 精诚 gets the name as 管易云 holds it
