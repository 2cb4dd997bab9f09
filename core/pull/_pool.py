"""Work on a few items at once, with every result handed back in the items' order, on the calling thread.

A pull reads its windows this way: two windows on the wire at once roughly halve the time spent
waiting for 管易云, while everything that must be ordered or single-threaded — progress callbacks,
the order windows are committed in, the choice of which error a caller sees — stays on the thread
that called :meth:`OrderedPool.run`.

Rules:

* ``work(index, item, note)`` runs on one of ``workers`` threads; ``note(payload)`` passes a payload
  to ``on_note`` on the calling thread (progress) and returns once ``on_note`` has run, so what the
  caller does there (ask to cancel, say) happens before that ``work`` goes on.
* ``on_result(index, result)`` is called for index 0, 1, 2, … in order, each as soon as it and every
  item before it are done. At most ``ahead`` items are started beyond the oldest one not yet handed
  back, so a slow item holds the others back instead of filling memory.
* The first exception — from a ``work``, an ``on_note``, an ``on_result``, or the calling thread's own
  KeyboardInterrupt — stops the pool: ``stop`` is set (a ``work`` is expected to check it between steps
  and raise), no new item starts, the threads are waited for, the items done before the first failed
  or unfinished one are still handed back in order, and then that first exception is raised. The
  exceptions that ``stop`` itself causes afterwards are not the cause and are dropped.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# How long the calling thread blocks on the event queue before it looks again: short enough that
# Ctrl+C reaches it promptly on Windows, where a blocking wait on a lock is not interrupted.
_WAKE_SECONDS = 0.2

_NOTE, _DONE, _FAILED, _SKIPPED = "note", "done", "failed", "skipped"


class OrderedPool(Generic[T, R]):
    def __init__(
        self,
        items: Sequence[T],
        work: Callable[[int, T, Callable[[object], None]], R],
        *,
        workers: int,
        ahead: int | None = None,
        name: str = "pool",
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.items, self.work, self.name = items, work, name
        self.workers = min(workers, max(len(items), 1))
        self.ahead = max(ahead if ahead is not None else 2 * workers, self.workers)
        self.stop = threading.Event()
        self._tasks: queue.Queue[int | None] = queue.Queue()
        self._events: queue.Queue[tuple[str, int, object, threading.Event | None]] = queue.Queue()

    def run(self, on_note: Callable[[int, object], None], on_result: Callable[[int, R], None]) -> None:
        """Run every item (see the module's rules); returns when all were handed back, or raises the first error."""
        threads = [
            threading.Thread(target=self._serve, name=f"{self.name}-{n + 1}", daemon=True) for n in range(self.workers)
        ]
        for thread in threads:
            thread.start()
        done: dict[int, R] = {}
        handed = started = 0
        broken = len(self.items)  # the first index that failed: nothing from it on is handed back
        failure: BaseException | None = None
        try:
            while handed < len(self.items):
                while started < len(self.items) and started < handed + self.ahead:
                    self._tasks.put(started)
                    started += 1
                kind, index, payload, seen = self._next_event()
                broken = index
                if kind == _NOTE:
                    try:
                        on_note(index, payload)
                    finally:
                        seen.set()  # type: ignore[union-attr]
                elif kind == _DONE:
                    done[index] = payload  # type: ignore[assignment]
                    while handed in done:
                        broken = handed
                        on_result(handed, done.pop(handed))
                        handed += 1
                else:  # the first failure is the cause
                    raise payload  # type: ignore[misc]
                broken = len(self.items)
        except BaseException as exc:
            failure = exc
        finally:
            self.stop.set()
            for _ in threads:
                self._tasks.put(None)
            if failure is not None:
                handed = self._drain(threads, done, handed, broken, on_result, failure)
            for thread in threads:
                thread.join()
        if failure is not None:
            raise failure

    def _drain(
        self,
        threads: list[threading.Thread],
        done: dict[int, R],
        handed: int,
        broken: int,
        on_result: Callable[[int, R], None],
        failure: BaseException,
    ) -> int:
        """After a failure: wait for the threads, keep the results that finished anyway, hand back the run
        of them that follows the ones already handed back (up to the first failed index)."""
        while any(thread.is_alive() for thread in threads) or not self._events.empty():
            try:
                kind, index, payload, seen = self._events.get(timeout=_WAKE_SECONDS)
            except queue.Empty:
                continue
            if seen is not None:
                seen.set()
            if kind == _DONE:
                done[index] = payload  # type: ignore[assignment]
            elif kind in (_FAILED, _SKIPPED):
                broken = min(broken, index)
        try:
            while handed in done and handed < broken:
                on_result(handed, done.pop(handed))
                handed += 1
        except BaseException as exc:  # a second failure while keeping what was done: the first stays the cause
            log.warning("after %s: handing back item %d failed too: %s: %s",
                        type(failure).__name__, handed, type(exc).__name__, exc)
        return handed

    def _next_event(self) -> tuple[str, int, object, threading.Event | None]:
        while True:
            try:
                return self._events.get(timeout=_WAKE_SECONDS)
            except queue.Empty:
                continue

    def _serve(self) -> None:
        while (index := self._tasks.get()) is not None:
            if self.stop.is_set():
                self._events.put((_SKIPPED, index, None, None))
                continue
            try:
                result = self.work(index, self.items[index], lambda payload, index=index: self._note(index, payload))
            except BaseException as exc:  # handed to the calling thread, which decides what it means
                self._events.put((_FAILED, index, exc, None))
            else:
                self._events.put((_DONE, index, result, None))

    def _note(self, index: int, payload: object) -> None:
        seen = threading.Event()
        self._events.put((_NOTE, index, payload, seen))
        # Wait for on_note; a stopped pool may have dropped the note, and then there is nothing to wait for.
        while not seen.wait(_WAKE_SECONDS) and not self.stop.is_set():
            pass
