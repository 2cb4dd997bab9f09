"""The user's "取消": checked between requests and during waits, so long work stops promptly.

The window hands the core a ``threading.Event``; scripts and tests may hand a plain callable.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from core.errors import Cancelled

CancelSource = Callable[[], bool] | threading.Event | None
T = TypeVar("T")

# A callable cannot wake a sleeper, so a wait on one is cut into slices this long.
_POLL_SECONDS = 0.05


class CancelCheck:
    """One view over the ways a caller can ask us to stop."""

    def __init__(self, source: CancelSource = None) -> None:
        self._source = source

    def is_set(self) -> bool:
        if self._source is None:
            return False
        if isinstance(self._source, threading.Event):
            return self._source.is_set()
        return bool(self._source())

    def raise_if_set(self) -> None:
        if self.is_set():
            raise Cancelled()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``; raise :class:`Cancelled` as soon as cancellation is asked for."""
        if isinstance(self._source, threading.Event):
            if self._source.wait(max(seconds, 0.0)):
                raise Cancelled()
            return
        deadline = time.monotonic() + seconds
        while True:
            self.raise_if_set()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, _POLL_SECONDS))

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` — but when a cancel can be asked for, on a thread of its own, and the caller stops waiting for
        it as soon as one is (:class:`Cancelled`): a request to a server that accepts and never answers would
        otherwise hold the cancel until its read timeout. The work left behind ends by itself (its timeout); it must
        change nothing that matters once abandoned, as a read does."""
        if self._source is None:
            return work()
        ended = threading.Event()
        outcome: list[tuple[bool, object]] = []

        def run() -> None:
            try:
                outcome.append((True, work()))
            except BaseException as exc:  # handed to the caller, which raises it
                outcome.append((False, exc))
            finally:
                ended.set()

        threading.Thread(target=run, name="cancellable", daemon=True).start()
        while not ended.wait(_POLL_SECONDS):
            self.raise_if_set()
        done, value = outcome[0]
        if not done:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]
