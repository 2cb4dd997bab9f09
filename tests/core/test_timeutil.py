from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import ConfigError
from core.timeutil import QUICK_RANGES, day_windows, parse_bound, quick_range


def test_parse_bound_whole_day_both_ends():
    assert parse_bound("2024-01-02", end=False) == datetime(2024, 1, 2, 0, 0, 0)
    assert parse_bound("2024-01-02", end=True) == datetime(2024, 1, 2, 23, 59, 59)
    assert parse_bound("2024-01-02 10:11:12", end=True) == datetime(2024, 1, 2, 10, 11, 12)


@pytest.mark.parametrize("text", ["2024/01/02", "yesterday", "2024-13-01", ""])
def test_parse_bound_refuses_bad_text(text):
    with pytest.raises(ConfigError):
        parse_bound(text, end=False)


def test_day_windows_touch_without_gaps_or_overlap():
    start, end = datetime(2024, 1, 1, 8, 30), datetime(2024, 1, 4, 12, 0)
    windows = day_windows(start, end)
    assert windows[0] == (start, datetime(2024, 1, 1, 23, 59, 59))
    assert windows[-1] == (datetime(2024, 1, 4), end)
    assert len(windows) == 4
    for (_, a_end), (b_start, _) in zip(windows, windows[1:], strict=False):
        assert (b_start - a_end).total_seconds() == 1


def test_day_windows_of_several_days():
    windows = day_windows(datetime(2024, 1, 1), datetime(2024, 1, 10, 23, 59, 59), days=3)
    assert [w[0].day for w in windows] == [1, 4, 7, 10]


def test_day_windows_refuses_reversed_range():
    with pytest.raises(ConfigError):
        day_windows(datetime(2024, 1, 2), datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("name", "today", "expected"),
    [("today", date(2026, 3, 1), (date(2026, 3, 1), date(2026, 3, 1))),
     ("yesterday", date(2026, 3, 1), (date(2026, 2, 28), date(2026, 2, 28))),
     ("last7", date(2026, 1, 3), (date(2025, 12, 28), date(2026, 1, 3))),
     ("this_month", date(2024, 2, 29), (date(2024, 2, 1), date(2024, 2, 29))),
     ("last_month", date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
     ("last_month", date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29)))],
)
def test_quick_ranges_cross_months_years_and_leap_days(name, today, expected):
    assert quick_range(name, today) == expected


def test_every_quick_range_has_its_words_and_an_unknown_one_is_refused():
    assert set(QUICK_RANGES) == {"today", "yesterday", "last7", "this_month", "last_month"}
    with pytest.raises(ValueError):
        quick_range("next_week", date(2026, 1, 1))
