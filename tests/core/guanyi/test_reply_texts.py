"""Reading a reply while keeping each record's JSON as sent: the same values as load_raw, the exact texts."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.guanyi.reply_texts import load_keeping_texts
from core.guanyi.returns import dump_raw, load_raw
from tests.support.samples import SAMPLE

KEY = "tradeReturns"


def _texts(value: object, kept) -> list[str | None]:
    records = value[KEY] if KEY in value else value["response"][KEY]
    return [kept.text_of(r) for r in records]


def test_the_shared_sample_as_saved_pretty_printed_keeps_each_record_as_written():
    data = SAMPLE.read_bytes()
    value, kept = load_keeping_texts(data, KEY)
    assert value == load_raw(data)
    texts = _texts(value, kept)
    assert texts and all(texts)
    for record, text in zip(value[KEY], texts, strict=True):
        assert text.startswith("{") and text.endswith("}") and text in data.decode("utf-8")
        assert load_raw(text) == record


def test_numbers_keep_their_text_and_become_decimals():
    data = b'{"success":true,"total":2,"tradeReturns":[{"code":"R1","amount":146.10,"id":123456789012345678},' \
           b'{"code":"R2","qty":"2.0000","price":1e2}]}'
    value, kept = load_keeping_texts(data, KEY)
    assert value[KEY][0]["amount"] == Decimal("146.10") and isinstance(value[KEY][0]["amount"], Decimal)
    assert value[KEY][0]["id"] == 123456789012345678
    assert _texts(value, kept) == ['{"code":"R1","amount":146.10,"id":123456789012345678}',
                                   '{"code":"R2","qty":"2.0000","price":1e2}']


def test_the_qimen_wrapper_and_space_everywhere_json_allows():
    data = ' \r\n{ "response" :\t{ "flag" : "success" , "total" : 1 ,\n "tradeReturns" : [ \n'
    data += '  { "code" : "R1" , "note" : "退货 \\"急\\"" } \n ] } } \n'
    value, kept = load_keeping_texts(data.encode("utf-8"), KEY)
    assert value == json.loads(data)
    assert _texts(value, kept) == ['{ "code" : "R1" , "note" : "退货 \\"急\\"" }']


def test_a_byte_order_mark_is_skipped():
    data = codecs.BOM_UTF8 + b'{"total":1,"tradeReturns":[{"code":"R1"}]}'
    value, kept = load_keeping_texts(data, KEY)
    assert _texts(value, kept) == ['{"code":"R1"}']


def test_records_deeper_than_the_depth_are_values_only():
    data = b'{"a":{"b":{"tradeReturns":[{"code":"R1"}]}}}'
    value, kept = load_keeping_texts(data, KEY)
    assert value == load_raw(data) and len(kept) == 0
    value, kept = load_keeping_texts(data, KEY, depth=3)
    assert kept.text_of(value["a"]["b"][KEY][0]) == '{"code":"R1"}'


@pytest.mark.parametrize(
    "data",
    [
        b'{"total":1,"tradeReturns":[{"code":"R1"}]} x',  # extra data
        b'{"total":1,"tradeReturns":[{"code":"R1"},]}',  # a trailing comma
        b'{"total":1 "tradeReturns":[]}',
        b'{"total":1,"tradeReturns":[{"code":"R1"}}',
        b'{"total":1,"tradeReturns":[{"code":"R1"}',
        b"",
        b"<html>502 Bad Gateway</html>",
        '{"tradeReturns":[{"code":"R1"}]}'.encode("utf-16"),  # json.loads reads UTF-16, the walker does not
        b'{"tradeReturns":[{"code":"R1"}],"x":"\xff"}',  # not UTF-8
    ],
)
def test_what_the_walker_does_not_take_is_left_to_load_raw(data):
    try:
        expected = load_raw(data)
    except ValueError as exc:
        with pytest.raises(type(exc)):
            load_keeping_texts(data, KEY)
    else:
        value, kept = load_keeping_texts(data, KEY)
        assert value == expected and len(kept) == 0


def test_a_half_emoji_is_mended_as_load_raw_does_and_no_text_kept_with_the_broken_escape():
    data = b'{"total":1,"tradeReturns":[{"code":"R1","note":"\\ud83d cut"}]}'
    value, kept = load_keeping_texts(data, KEY)
    assert value[KEY][0]["note"] == "\ufffd cut"
    assert len(kept) == 0


def test_a_repeated_name_keeps_the_last_value_as_json_loads_does():
    data = b'{"tradeReturns":[{"code":"OLD"}],"total":1,"tradeReturns":[{"code":"NEW"}]}'
    value, kept = load_keeping_texts(data, KEY)
    assert value == load_raw(data)
    assert _texts(value, kept) == ['{"code":"NEW"}']


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20), st.text(max_size=8),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12,
)
_RECORD_LISTS = st.lists(st.one_of(st.dictionaries(st.text(max_size=6), _VALUES, max_size=4), _SCALARS), max_size=4)
_ENVELOPES = st.builds(
    lambda extra, records, wrap: {"response": {**extra, KEY: records}} if wrap else {**extra, KEY: records},
    st.dictionaries(st.text(max_size=6).filter(lambda k: k != KEY), _VALUES, max_size=3),
    _RECORD_LISTS,
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(_ENVELOPES, st.sampled_from([None, 1, 2]), st.booleans())
def test_any_envelope_reads_as_load_raw_and_each_kept_text_reads_back_as_its_record(envelope, indent, ascii_only):
    text = dump_raw(envelope, indent=indent)
    if ascii_only:  # every other character as a \\u escape, as some gateways send (astral ones as a pair)
        text = "".join(c if c.isascii() else _escaped(c) for c in text)
    data = text.encode("utf-8")
    value, kept = load_keeping_texts(data, KEY)
    assert value == load_raw(data)
    for record, kept_text in zip(_records(value), _texts(value, kept), strict=True):
        if isinstance(record, dict) and "\\ud" not in text.lower():
            assert kept_text is not None and load_raw(kept_text) == record
        else:
            assert kept_text is None


def _records(value: dict) -> list:
    return value[KEY] if KEY in value else value["response"][KEY]


def _escaped(character: str) -> str:
    units = character.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2))
