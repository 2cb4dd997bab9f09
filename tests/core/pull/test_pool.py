"""The ordered pool a pull reads its windows on: order, notes, the read-ahead bound, failures."""

from __future__ import annotations

import random
import threading
import time

import pytest

from core.pull._pool import OrderedPool


class Stopped(Exception):
    """What a work raises when it sees the pool's stop, as a pull's reader raises Cancelled."""


def _sleepy(pool_box: list, seconds: list[float], started: list[int] | None = None):
    def work(index: int, item: str, note) -> str:
        if started is not None:
            started.append(index)
        deadline = time.monotonic() + seconds[index]
        while time.monotonic() < deadline:
            if pool_box[0].stop.is_set():
                raise Stopped(index)
            time.sleep(0.001)
        return item.upper()

    return work


def _pool(items, work, **options) -> OrderedPool:
    return OrderedPool(items, work, name="test", **options)


def test_results_come_back_in_order_on_the_calling_thread_though_they_finish_out_of_order():
    items = [f"w{n}" for n in range(12)]
    seconds = [random.Random(n).uniform(0, 0.02) for n in range(12)]
    seconds[0] = 0.05  # the first finishes last of its neighbours
    box: list = []
    finished_threads: set[int] = set()
    pool = _pool(items, _sleepy(box, seconds), workers=3)
    box.append(pool)
    handed: list[tuple[int, str]] = []

    def on_result(index: int, result: str) -> None:
        finished_threads.add(threading.get_ident())
        handed.append((index, result))

    pool.run(lambda index, payload: None, on_result)
    assert handed == [(n, f"W{n}") for n in range(12)]
    assert finished_threads == {threading.get_ident()}


def test_a_note_is_handled_on_the_calling_thread_before_the_work_goes_on():
    handled: list[tuple[int, int]] = []
    caller = threading.get_ident()
    errors: list[str] = []

    def work(index: int, item: int, note) -> int:
        for step in range(3):
            note(step)
            if (index, step) not in handled:
                errors.append(f"note {index}/{step} not handled when note() returned")
        return item

    def on_note(index: int, step: object) -> None:
        assert threading.get_ident() == caller
        time.sleep(0.002)  # a slow handler: the work must still wait for it
        handled.append((index, step))

    _pool(list(range(6)), work, workers=2).run(on_note, lambda index, result: None)
    assert errors == []
    assert sorted(handled) == [(i, s) for i in range(6) for s in range(3)]


def test_no_more_than_ahead_items_start_beyond_the_oldest_not_handed_back():
    items = list(range(20))
    seconds = [0.03 if n % 7 == 0 else 0.001 for n in items]  # a slow one now and then holds the others back
    started: list[int] = []
    handed: list[int] = []
    box: list = []
    pool = _pool([str(n) for n in items], _sleepy(box, seconds, started), workers=3, ahead=4)
    box.append(pool)
    furthest: list[int] = []

    def on_note(index: int, payload: object) -> None:
        pass

    def on_result(index: int, result: str) -> None:
        furthest.append(max(started) - index)
        handed.append(index)

    pool.run(on_note, on_result)
    assert handed == items
    assert max(furthest) <= 3  # items index..index+3 at most: four beyond the ones handed back
    assert max(furthest) >= 1  # and the pool did read ahead


def test_a_failure_hands_back_what_finished_before_it_and_raises_it_once_the_threads_stopped():
    box: list = []
    seconds = [0.001, 0.001, 0.2, 0.001, 0.001, 0.001]

    def work(index: int, item: str, note) -> str:
        if index == 3:
            time.sleep(0.01)
            raise ValueError("item 3 failed")
        return _sleepy(box, seconds)(index, item, note)

    pool = _pool(list("abcdef"), work, workers=2)
    box.append(pool)
    handed: list[int] = []
    with pytest.raises(ValueError, match="item 3 failed"):
        pool.run(lambda i, p: None, lambda index, result: handed.append(index))
    # Item 2 was still running, saw the stop and gave up: only the run before it is handed back,
    # and its Stopped, which the failure caused, is not what the caller sees.
    assert handed == [0, 1]
    assert pool.stop.is_set()
    assert not [t for t in threading.enumerate() if t.name.startswith("test-")]


def test_an_item_that_finishes_anyway_after_the_failure_is_still_handed_back_in_order():
    release = threading.Event()

    def work(index: int, item: str, note) -> str:
        if index == 0:
            release.wait(5)  # finishes after item 1 failed, without looking at the stop
            return "first"
        release.set()
        raise ValueError("item 1 failed")

    handed: list[str] = []
    with pytest.raises(ValueError):
        _pool(["x", "y", "z"], work, workers=2).run(lambda i, p: None, lambda index, result: handed.append(result))
    assert handed == ["first"]


def test_a_failing_result_handler_stops_the_pool_with_its_error():
    box: list = []
    pool = _pool([str(n) for n in range(10)], _sleepy(box, [0.002] * 10), workers=2)
    box.append(pool)
    handed: list[int] = []

    def on_result(index: int, result: str) -> None:
        if index == 4:
            raise OSError("disk full")
        handed.append(index)

    with pytest.raises(OSError, match="disk full"):
        pool.run(lambda i, p: None, on_result)
    assert handed == [0, 1, 2, 3]


def test_keyboard_interrupt_in_a_note_handler_stops_the_pool_and_is_raised():
    box: list = []

    def work(index: int, item: str, note) -> str:
        note("page")
        return _sleepy(box, [0.05] * 8)(index, item, note)

    pool = _pool(list("abcdefgh"), work, workers=2)
    box.append(pool)

    def on_note(index: int, payload: object) -> None:
        if index == 2:
            raise KeyboardInterrupt

    handed: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        pool.run(on_note, lambda index, result: handed.append(index))
    assert handed in ([], [0], [0, 1])  # nothing from the interrupted item on
    assert not [t for t in threading.enumerate() if t.name.startswith("test-")]


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_items_than_workers(count):
    handed: list[int] = []
    pool = _pool(list(range(count)), lambda index, item, note: item, workers=4)
    pool.run(lambda i, p: None, lambda index, result: handed.append(result))
    assert handed == list(range(count)) and pool.workers == max(count, 1)


def test_workers_must_be_at_least_one():
    with pytest.raises(ValueError):
        OrderedPool([1], lambda index, item, note: item, workers=0)
