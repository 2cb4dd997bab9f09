"""The returns table's background work: loading every row, and reviewing returns again after the rules changed.

Plain functions for :class:`ui.worker.Task`, taking ``(progress, cancel)``; the rows they hand back are complete
(texts made, keys ready), so the GUI thread only puts them in the model.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core import overview, review
from core.errors import ConfigError
from ui.returns_model import RowSet, View


@dataclass(frozen=True)
class Loaded:
    rows: RowSet
    stale: bool  # some rows were reviewed under other rules, or not yet: a refresh should follow
    problem: str  # why reviews cannot be made now (the mapping rules cannot work), or ""


def current_stamp() -> tuple[str | None, str]:
    """The current review stamp, or ``None`` and why the rules cannot work."""
    try:
        return review.Context.current().stamp, ""
    except ConfigError as exc:
        return None, str(exc)


def load_job(_progress: Callable[[object], None], _cancel: threading.Event, view: View | None = None) -> Loaded:
    """Every row, and — for the table's ``view`` — the rows it shows, in order, and their amount."""
    stamp, problem = current_stamp()
    with _out_of_the_collectors_sight():
        rows = overview.load_rows(stamp=stamp)
        return Loaded(RowSet(rows, view), any(row.stale for row in rows), problem)


@contextmanager
def _out_of_the_collectors_sight() -> Iterator[None]:
    """Hundreds of thousands of new objects, none of them in a cycle, that live as long as the table. The cycle
    collector, run every few hundred new objects, would walk the growing table again and again (a tenth of the load's
    time); paused, its first pass after would walk all of them at once, holding the interpreter lock — and the window
    — for 15 ms; and each full pass later, a few a minute while a pull or a push runs, would too. So it is paused
    while they are made, and then they are moved where it never looks (``gc.freeze``: they are still freed when no
    longer used)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def refresh_job(progress: Callable[[object], None], cancel: threading.Event) -> int:
    """Review the stale returns again; each batch's rows go to ``progress`` as ``(done, total, rows)``."""
    stamp, _ = current_stamp()

    def batch_done(codes: list[str], done: int, total: int) -> None:
        progress((done, total, overview.load_rows(codes, stamp=stamp)))

    return review.refresh(progress=batch_done, cancel=cancel)
