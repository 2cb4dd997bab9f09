"""Mapping of a 退货单 to a 精诚 sheet: SPEC §4 row by row, every setting, the problems and their messages."""

from __future__ import annotations

import json
from pathlib import Path

from core.mapping import MappingRules, map_return
from core.returns import parse_return
from core.valuetables import ValueTables

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "return-get-response.json"


def test_real_sample_is_blocked_as_cancelled_and_not_received():
    raw = json.loads(SAMPLE.read_text("utf-8"))["tradeReturns"][0]
    mapped = map_return(parse_return(raw), MappingRules(), ValueTables())
    assert not mapped.ready
    assert {p.code for p in mapped.blocking} == {"cancelled", "nothing_received"}
