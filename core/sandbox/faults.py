"""Faults a simulator injects into its replies: queued for the next requests, or at a seeded rate.

A test queues exactly the failure it wants to see (``push``); a benchmark or a demo sets a rate
(``set_rate``) and gets a reproducible sequence from the seed.
"""

from __future__ import annotations

import random
import threading
from collections import deque

# "timeout" holds a request for ``timeout_seconds`` and closes; "hang" accepts it and never answers (until the
# simulator stops), as a server whose backend is stuck does. The faults of a page that is served: "drift" (a record
# joins where the client has read, another changes), "vanish" (a record not yet served is deleted), "duplicate" (the
# page starts inside the one before, as an unstable order serves it), "envelope" (a success without ``tradeReturns``
# or without ``total``), "cut" (the reply's body broken off by a reset halfway). 精诚's "timeout" holds the request
# after the sheet is booked; "stall" holds it before the sheet is looked at (never booked).
GUANYI_FAULTS = ("http500", "http429", "timeout", "reset", "malformed", "drift", "gateway", "hang", "http503",
                 "vanish", "duplicate", "envelope", "cut")
JINGCHENG_FAULTS = ("flag0", "http500", "http401", "delay", "timeout", "reset", "http503", "stall")


class FaultPlan:
    """Which fault, if any, the next request gets. Safe to change while requests are served."""

    def __init__(self, kinds: tuple[str, ...], seed: int | str = 0) -> None:
        self.kinds = kinds
        self.timeout_seconds = 5.0  # how long "timeout" holds a request before closing without reply
        self.delay_seconds = 2.0  # how long "delay" waits before a (successful) reply
        self._queue: deque[str] = deque()
        self._rates: dict[str, float] = {}
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def push(self, kind: str, count: int = 1) -> None:
        """Give the next ``count`` requests this fault, after any already queued."""
        self._check(kind)
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._queue.extend([kind] * count)

    def set_rate(self, kind: str, probability: float) -> None:
        """Give each request this fault with ``probability`` (0 removes it)."""
        self._check(kind)
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        with self._lock:
            if probability:
                self._rates[kind] = probability
            else:
                self._rates.pop(kind, None)

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._rates.clear()

    def next(self) -> str | None:
        """The fault of the request being served now; queued faults come before random ones."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            for kind, probability in self._rates.items():
                if self._rng.random() < probability:
                    return kind
        return None

    def _check(self, kind: str) -> None:
        if kind not in self.kinds:
            raise ValueError(f"unknown fault {kind!r}; use one of {', '.join(self.kinds)}")
