"""Rounding and the text forms of numbers on a 精诚 sheet (SPEC §4).

- quantity: as exact as it came, no trailing zeros (``2``, ``1.5``);
- price: rounded half-up to 4 decimals, written with at least 2 and at most 4 (``146.00``, ``33.3333``);
- amount: rounded half-up to 0.01, written with exactly 2 (``292.00``).

Never an exponent (``Decimal("1E+2")`` is ``100``) and never ``-0``. The text is built from the
digits of the number itself, so no context precision can round it and any finite value prints.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

PRICE_PLACES = 4
AMOUNT_PLACES = 2
_PRICE_MIN_PLACES = 2


@lru_cache(maxsize=64)
def _half_up(prec: int) -> Context:
    return Context(prec=prec, rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN)


@lru_cache(maxsize=16)
def _unit(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """``value`` rounded half-up (away from zero at a tie) to ``places`` decimals, exactly."""
    # quantize fails when the result has more digits than the context's precision; give it enough. The contexts are
    # kept: a push or a pull rounds tens of thousands of numbers, and making a context costs more than rounding.
    digits = max(value.adjusted() + 1, 0) + places + 2
    return value.quantize(_unit(places), context=_half_up(max(digits, 28)))


def round_price(value: Decimal) -> Decimal:
    return round_half_up(value, PRICE_PLACES)


def round_amount(value: Decimal) -> Decimal:
    return round_half_up(value, AMOUNT_PLACES)


def _plain(value: Decimal, min_places: int) -> str:
    """Positional text of ``value``: trailing zeros of the fraction cut, but at least ``min_places`` kept."""
    text = format(value, "f")  # every digit, positional, never rounded: "f" without a precision is exact
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    fraction = fraction.rstrip("0").ljust(min_places, "0")
    body = f"{whole}.{fraction}" if fraction else whole
    # A negative zero (e.g. a negated free gift) must read "0.00", never "-0.00".
    return f"-{body}" if negative and value != 0 else body


def quantity_text(value: Decimal) -> str:
    """``2``, ``1.5``, ``100``; the quantity is sent exactly as received."""
    return _plain(value, 0)


def price_text(value: Decimal) -> str:
    """``146.00``, ``12.50``, ``33.3333``: rounded half-up to 4 decimals, at least 2 shown."""
    return _plain(round_price(value), _PRICE_MIN_PLACES)


def amount_text(value: Decimal) -> str:
    """``292.00``: rounded half-up to 0.01, always 2 decimals."""
    return _plain(round_amount(value), AMOUNT_PLACES)
