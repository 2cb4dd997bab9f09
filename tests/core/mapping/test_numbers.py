"""Half-up rounding and the text forms of quantities, prices and amounts (SPEC §4)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.mapping.numbers import amount_text, price_text, quantity_text, round_amount, round_price


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", "2"), ("2.0", "2"), ("1.50", "1.5"), ("1E+2", "100"), ("100", "100"), ("0", "0"), ("-0", "0"),
     ("-0.000", "0"), ("-1.5", "-1.5"), ("1E-7", "0.0000001"), ("1.23E+30", "1230000000000000000000000000000"),
     ("0.000", "0"), ("12345678901234567890.123456789", "12345678901234567890.123456789")],
)
def test_quantity_text(value, expected):
    assert quantity_text(Decimal(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("146.0000", "146.00"), ("146", "146.00"), ("12.5", "12.50"), ("33.3333", "33.3333"), ("33.33333", "33.3333"),
     ("2.00005", "2.0001"), ("2.000049", "2.00"), ("0.125", "0.125"), ("0.12345", "0.1235"), ("1E+2", "100.00"),
     ("1E-10", "0.00"), ("-0.00001", "0.00"), ("-3", "-3.00"), ("-2.00005", "-2.0001"), ("9.99995", "10.00"),
     ("1E+20", "100000000000000000000.00")],
)
def test_price_text(value, expected):
    assert price_text(Decimal(value)) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("292", "292.00"), ("292.0000", "292.00"), ("0.125", "0.13"), ("0.135", "0.14"), ("0.005", "0.01"),
     ("0.0049999", "0.00"), ("-0.005", "-0.01"), ("-0.004", "0.00"), ("1E+2", "100.00"), ("1E-30", "0.00"),
     ("99.995", "100.00"), ("1E+40", "10000000000000000000000000000000000000000.00")],
)
def test_amount_text(value, expected):
    assert amount_text(Decimal(value)) == expected


def test_rounding_is_half_up_not_bankers():
    assert round_price(Decimal("0.00005")) == Decimal("0.0001")
    assert round_price(Decimal("0.00015")) == Decimal("0.0002")
    assert round_amount(Decimal("0.125")) == Decimal("0.13")
    assert round_amount(Decimal("0.115")) == Decimal("0.12")
    assert round_amount(Decimal("-0.125")) == Decimal("-0.13")


def test_rounding_huge_values_does_not_overflow_the_context():
    assert round_amount(Decimal("1.5E+40")) == Decimal("15000000000000000000000000000000000000000.00")


finite = st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1E+30"), max_value=Decimal("1E+30"))


@given(finite)
def test_text_forms_are_positional_and_exact(value):
    quantity, price, amount = quantity_text(value), price_text(value), amount_text(value)
    for text in (quantity, price, amount):
        assert re.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?", text), text
        assert not re.fullmatch(r"-0(\.0*)?", text)
    assert Decimal(quantity) == value
    assert quantity == "0" or "." not in quantity or not quantity.endswith("0")
    assert re.fullmatch(r"-?\d+\.\d{2,4}", price) and Decimal(price) == round_price(value)
    assert re.fullmatch(r"-?\d+\.\d{2}", amount) and Decimal(amount) == round_amount(value)
