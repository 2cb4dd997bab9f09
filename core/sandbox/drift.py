"""The "drift" fault: the data changes under a client that is paging through it (SPEC §2.4).

Before the page is served, one NEW record that the query selects is inserted where the client
has already read (so a client that pages naively never sees it), and another selected record
gets a later ``modify_date``. The query's ``total`` therefore changes between two pages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from core.sandbox.generator import ReturnGenerator
from core.sandbox.query import Query
from core.timeutil import format_datetime, parse_datetime


def apply_drift(
    add: Callable[[dict], None], query: Query, served: list[dict], order_key: Callable[[str], str],
    generator: ReturnGenerator, rng: random.Random,
) -> None:
    """Give ``add`` the new record and change one of ``served`` in place; ``served`` is what the query
    selects, in the order served."""
    offset = (query.page_no - 1) * query.page_size
    if 0 < offset <= len(served):
        # Sorting before the last record already served puts the new one inside the pages read.
        boundary = order_key(served[offset - 1]["code"])

        def already_read(code: str) -> bool:
            return order_key(code) < boundary
    else:
        def already_read(code: str) -> bool:
            return True

    record = generator.extra(already_read, tries=2000)
    if _fit(record, query, generator, rng):
        add(record)
    if served:
        _touch(rng.choice(served), query, rng)


def _fit(record: dict, query: Query, generator: ReturnGenerator, rng: random.Random) -> bool:
    """Make ``record`` one the query selects; False when no record can be (e.g. a ``code`` filter)."""
    if "code" in query.texts:
        return False
    lows = [low for low, _ in query.ranges.values() if low is not None]
    highs = [high for _, high in query.ranges.values() if high is not None]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)
    if low is not None and high is not None:
        if low > high:
            return False
        moment = low + timedelta(seconds=rng.randint(0, int((high - low).total_seconds())))
    else:
        moment = low or high or generator.end
    stamp = format_datetime(moment)
    record.update(create_date=stamp, approve_date=stamp, receive_date=stamp, modify_date=stamp)
    for field, value in query.texts.items():
        record[field] = value
    if "shop_code" in query.texts:
        record["shop_name"] = generator.shop_name(query.texts["shop_code"]) or record["shop_name"]
    for field, wanted in query.flags.items():
        record[field] = int(wanted) if field != "cancel" else wanted
    if not query.flags.get("receive", True):
        record["receive_date"] = None
    if query.flags.get("cancel"):
        record["cancel_date"] = stamp
    return query.matches(record)


def _touch(record: dict, query: Query, rng: random.Random) -> None:
    """A later ``modify_date``, still inside the query's modify range so the record stays selected."""
    current = parse_datetime(record["modify_date"])
    _, high = query.ranges.get("modify_date", (None, None))
    latest: datetime = high if high is not None else current + timedelta(hours=1)
    room = int((latest - current).total_seconds())
    if room > 0:
        record["modify_date"] = format_datetime(current + timedelta(seconds=rng.randint(1, room)))
