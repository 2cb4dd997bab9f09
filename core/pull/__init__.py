"""Pulling 退货单 from 管易云 into the local file: windows, paging, completeness (SPEC §2.4).

A range on one time axis is cut into windows; each window is paged until ``ceil(total /
page_size)`` pages are read. The server's order is unknown and records change while we page, so
codes are de-duplicated, and a window whose ``total`` moves between pages — or that yields fewer
distinct codes than ``total`` — is read again (a bounded number of times) and then reported as a
warning, never silently.

Windows are read ``pull.concurrency`` at once (two by default) on an :class:`~core.pull._pool.OrderedPool`:
while one reader waits for 管易云, another reads. Each window is still paged by one reader, and the
progress, the order of storing and the error a caller sees stay on the calling thread.

A window is stored in one transaction once it has settled — all its pages and re-reads, the latest
copy of each record — and windows are stored in their order, so the file never holds half a window:
a cancel or a failure keeps whole windows from the first on, up to the oldest one still being read
(read one at a time: exactly the windows before the one cut short), and nothing of any other. The
store runs on a thread of its own (:class:`_Writer`) while later windows are read, so parsing and
writing hide behind the network wait; the pull returns, or raises, only after every window handed
to it is committed. Each record is stored as the JSON text Guanyi sent it in, where the reply could
be read that way (:mod:`core.guanyi.reply_texts`). Every pull, failed ones too, writes one sync-log row,
which counts what was stored.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict, Unpack
from urllib.parse import urlencode

import peewee as pw

from core import review, settings
from core.cancel import CancelCheck, CancelSource
from core.errors import Cancelled, ConfigError, ReturnSyncError
from core.guanyi.replies import RetryNote
from core.guanyi.returns import InvalidRecord, ReturnOrder, dump_raw, load_raw, parse_return, record_code
from core.i18n import t
from core.pull._pool import OrderedPool
from core.store import ReturnRecord, Watermark, db, raw_json_of, write_log
from core.timeutil import day_windows, elapsed_ms, format_datetime, now_china

if TYPE_CHECKING:
    from core.guanyi.client import GuanyiClient

log = logging.getLogger(__name__)

# Time axis -> the (from, to) request parameters of gy.erp.trade.return.get (SPEC §2.3).
AXES: dict[str, tuple[str, str]] = {
    "receive": ("in_begin_time", "in_end_time"),
    "modify": ("modify_start_date", "modify_end_date"),
    "create": ("start_create", "end_create"),
}


def default_filters(axis: str, all_statuses: bool = False) -> dict[str, int]:
    """The status filters sent with a pull unless the user asks for every status.

    Received and not cancelled (SPEC §2.4) on the receive and create axes: only those can become a
    精诚 sheet. On the modify axis ``cancel`` is left open, because a modification may be the
    cancellation itself — pulling it lets the stored copy say "cancelled" (which blocks posting)
    instead of keeping a stale, postable one.
    """
    if all_statuses:
        return {}
    if axis == "modify":
        return {"receive": 1}
    return {"receive": 1, "cancel": 0}


def axis_label(axis: str) -> str:
    return settings.KEYS["pull.axis"].choice_label(axis)


@dataclass(frozen=True)
class PullProgress:
    """Where a pull is, after each page read."""

    window: int  # 1-based
    windows: int
    window_start: datetime
    window_end: datetime
    page: int  # 1-based
    pages: int  # of this read of the window, from the latest ``total``
    records: int  # distinct codes read by this pull so far
    window_total: int  # the server's latest ``total`` for this window
    stored: int = 0  # of those, how many are in the file: a window is committed whole, once it settled
    windows_read: int = 0  # windows read to the end and handed to the store, in order
    percent: int = 0  # of the whole pull, from the pages read of each window; never goes back
    stored_now: tuple[str, ...] = ()  # codes committed since the previous report: their rows can be shown now
    retry: str = ""  # a request of this window is being tried again, and why: "第 2 次重试…（超时）"; else ""


@dataclass
class PullResult:
    """What a pull brought in. ``new + updated + unchanged == len(codes)``."""

    axis: str
    start: datetime
    end: datetime
    codes: list[str] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    windows: int = 0
    requests: int = 0
    complete: bool = True  # False when a window never settled: codes may be missing
    watermark: datetime | None = None  # where "since last pull" now starts from, when it moved

    @property
    def status(self) -> str:
        return "warning" if self.warnings else "ok"

    def as_json(self) -> dict:
        return {
            "ok": True,
            "status": self.status,
            "axis": self.axis,
            "from": format_datetime(self.start),
            "to": format_datetime(self.end),
            "codes": self.codes,
            "count": len(self.codes),
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "warnings": self.warnings,
            "windows": self.windows,
            "requests": self.requests,
            "complete": self.complete,
            "watermark": _date_text(self.watermark),
        }

    def summary(self) -> str:
        """One line for people and the sync log: the range, the counts, where the next pull starts."""
        span = f"{axis_label(self.axis)} {format_datetime(self.start)} – {format_datetime(self.end)}"
        text = t(
            f"{span}：{len(self.codes)} 张退货单（新 {self.new}，更新 {self.updated}，未变 {self.unchanged}），"
            f"{self.windows} 个窗口，{self.requests} 次请求",
            f"{span}: {len(self.codes)} returns ({self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged), {self.windows} windows, {self.requests} requests",
        )
        if self.watermark:
            mark = format_datetime(self.watermark)
            text += t(f"；下次从 {mark} 起", f"; next from {mark}")
        return text


def _date_text(value: datetime | None) -> str | None:
    return format_datetime(value) if value else None


# The columns of ReturnRecord in the order _row fills them; _upsert_sql checks the model still has exactly these.
_COLUMNS = ("code", "guanyi_id", "shop_code", "shop_name", "platform_code", "create_date", "receive_date",
            "modify_date", "cancel", "receive", "raw_json", "first_pulled_at", "last_pulled_at")


def _upsert_sql() -> str:
    """One row's upsert by ``code`` in plain SQL, for ``executemany``: ~13 µs a row, where peewee's
    insert_many, which builds each query in Python, took 60–80. ``first_pulled_at`` survives an update."""
    fields = ReturnRecord._meta.fields
    if set(fields) != set(_COLUMNS):
        raise RuntimeError(f"ReturnRecord has the fields {sorted(fields)}; update pull._COLUMNS to match")
    names = [f'"{fields[name].column_name}"' for name in _COLUMNS]
    kept = [n for name, n in zip(_COLUMNS, names, strict=True) if name not in ("code", "first_pulled_at")]
    return (
        f'INSERT INTO "{ReturnRecord._meta.table_name}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))}) '
        f'ON CONFLICT ({names[0]}) DO UPDATE SET {", ".join(f"{n} = excluded.{n}" for n in kept)}'
    )


def _row(order: ReturnOrder, raw: dict, pulled_at: object, text: str | None = None) -> tuple:
    """The values of ``_COLUMNS`` for one parsed record; ``text`` is its JSON as Guanyi sent it, when kept (else it
    is written out)."""
    return (order.code, order.id or None, order.shop_code, order.shop_name, order.platform_code,
            _date_text(order.create_date), _date_text(order.receive_date), _date_text(order.modify_date),
            order.cancel, order.receive, text or dump_raw(raw), pulled_at, pulled_at)


def review_context() -> review.Context | None:
    """The context a pull reviews its returns under; ``None`` when the mapping rules cannot work — the pull stores
    the returns all the same, and their reviews are made once the rules are mended."""
    try:
        return review.Context.current()
    except ConfigError as exc:
        log.warning("returns stored without review: %s", exc.en)
        return None


def store_window(
    records: Mapping[str, dict],
    pulled_at: datetime,
    texts: Mapping[str, str | None] | None = None,
    context: review.Context | None = None,
) -> dict[str, str]:
    """Upsert ``{code: record}`` in one transaction, on the calling thread, with each record's review under
    ``context`` (unless ``None``); ``{code: "new" | "updated" | "unchanged"}`` as the file stood before. Every row is
    written, unchanged ones too: ``last_pulled_at`` moves. ``texts`` are the records' JSON as Guanyi sent them, where
    kept. The full typed parse runs here, as the indexed columns come from it and it is where a record the parser
    cannot take would fail the pull."""
    moment = ReturnRecord.last_pulled_at.db_value(pulled_at)
    texts = texts or {}
    orders = [(parse_return(raw), raw, code) for code, raw in records.items()]
    rows = [_row(order, raw, moment, texts.get(code)) for order, raw, code in orders]
    reviews = [review.summarize(order, context) for order, _raw, _code in orders] if context else []
    kinds: dict[str, str] = {}
    # The write lock from the first read: a plain BEGIN that reads, then writes after another connection's commit,
    # fails at once under WAL (SQLITE_BUSY_SNAPSHOT), whatever the busy timeout.
    with db.atomic("IMMEDIATE"):
        stored = raw_json_of(list(records))
        for row in rows:
            code, text = row[0], row[10]
            before = stored.get(code)
            if before is None:
                kinds[code] = "new"
            elif before == text or load_raw(before) == load_raw(text):
                # Equal text is the usual case; otherwise compare as objects, since a tenant may send the
                # same record with its keys in another order.
                kinds[code] = "unchanged"
            else:
                kinds[code] = "updated"
        db.connection().executemany(_upsert_sql(), rows)
        review.store(reviews)
    return kinds


@dataclass
class _Settled:
    """A window read to the end: every record it brought (latest copy) and the codes the pull reports."""

    records: dict[str, dict]
    texts: dict[str, str | None]  # each record's JSON as Guanyi sent it, where kept
    codes: dict[str, None]
    warnings: list[str] = field(default_factory=list)
    complete: bool = True  # False when the window never settled: codes may be missing


class _Writer:
    """Commits settled windows, in order, on a thread of its own while later windows are read.

    peewee keeps one connection per thread, so this thread has its own, closed when it ends; SQLite's
    WAL lets it write while other connections read. At most one window waits behind the one being
    written, so a slow disk holds the reading back instead of filling memory. After a failure it stores
    nothing more (the windows after a failed one are not "finished before" anything) and keeps only the
    error, which :meth:`check` and :meth:`close` raise on the calling thread.
    """

    def __init__(self) -> None:
        self.kinds: dict[str, str] = {}  # first classification of each code this pull stored
        self.codes: dict[str, None] = {}  # reported codes of the committed windows, in order
        self.windows = 0  # committed
        self.handed = 0  # handed over to be committed
        self.error: BaseException | None = None
        self.context: review.Context | None = None  # the reviews of every window are made under it
        self.committed: list[str] = []  # codes of the windows committed so far, in order (appended, never changed)
        self._queue: queue.Queue[_Settled | None] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name="pull-writer", daemon=True)
        self._thread.start()

    def put(self, window: _Settled) -> None:
        self.check()
        self._queue.put(window)
        self.handed += 1

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        """Wait until every window handed over is committed (or the writer has failed)."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _run(self) -> None:
        try:
            while (window := self._queue.get()) is not None:
                if self.error is None:
                    try:
                        self._commit(window)
                    except BaseException as exc:  # handed to the reading thread, which raises it
                        log.warning("storing a window failed: %s: %s", type(exc).__name__, exc)
                        self.error = exc
        finally:
            db.close()

    def _commit(self, window: _Settled) -> None:
        if self.context is None and not self.windows:
            self.context = review_context()  # on this thread's connection, once a pull
        kinds = store_window(window.records, now_china(), window.texts, self.context)
        for code, kind in kinds.items():
            self.kinds.setdefault(code, kind)
        self.codes.update(window.codes)
        self.committed.extend(window.records)
        self.windows += 1


@dataclass
class _WindowRead:
    codes: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    totals: list[int] = field(default_factory=list)
    skipped: int = 0  # records without a code: counted by the server, unkeepable here

    @property
    def settled(self) -> bool:
        total = self.totals[-1] if self.totals else 0
        return len(set(self.totals)) <= 1 and len(self.codes) + self.skipped >= total


_Note = Callable[["_PageRead | RetryNote"], None]  # a reader's note to the calling thread


@dataclass(frozen=True)
class _PageRead:
    """A reader's note to the calling thread after each page."""

    page: int
    pages: int
    total: int
    codes: list[str]


class _Pull:
    def __init__(
        self,
        client: GuanyiClient,
        start: datetime,
        end: datetime,
        *,
        axis: str,
        filters: Mapping[str, object],
        page_size: int,
        window_days: int,
        max_rereads: int,
        concurrency: int,
        progress: Callable[[PullProgress], None] | None,
        cancel: CancelCheck,
    ) -> None:
        if axis not in AXES:
            raise ConfigError(
                f"时间类型只能是 {'、'.join(AXES)}（收到“{axis}”）。",
                f"The time axis is one of {', '.join(AXES)} (got '{axis}').",
            )
        if not 1 <= page_size <= settings.GUANYI_MAX_PAGE_SIZE:
            raise ConfigError(f"每页条数须在 1 到 {settings.GUANYI_MAX_PAGE_SIZE} 之间。",
                              f"The page size must be between 1 and {settings.GUANYI_MAX_PAGE_SIZE}.")
        if not 1 <= concurrency <= settings.PULL_MAX_CONCURRENCY:
            raise ConfigError(
                f"同时读取的窗口数须在 1 到 {settings.PULL_MAX_CONCURRENCY} 之间。",
                f"The number of windows read at once must be between 1 and {settings.PULL_MAX_CONCURRENCY}.",
            )
        self.client, self.axis, self.filters = client, axis, dict(filters)
        self.page_size, self.max_rereads, self.concurrency = page_size, max_rereads, concurrency
        self.progress, self.cancel = progress, cancel
        self.reader_cancel = cancel  # what the readers check: the user's cancel, and in run() the pool's stop too
        self.windows = day_windows(start, end, window_days)
        self.result = PullResult(axis=axis, start=start, end=end)
        # The progress, kept on the calling thread: every code read, and how far each window is read (0..1).
        self.seen: set[str] = set()
        self.read_part = [0.0] * len(self.windows)
        self.last_page = [_PageRead(0, 0, 0, [])] * len(self.windows)  # each window's latest page read
        self.percent = 0
        self.reported = 0  # committed codes already handed to the progress
        self.writer: _Writer | None = None
        self.server_start: datetime | None = None  # Guanyi's clock at the first reply of this pull
        self.clock_skew = timedelta(0)  # how far this PC's clock is ahead of Guanyi's, at that reply

    @property
    def stored(self) -> int:
        """Distinct codes this pull has committed so far."""
        return len(self.writer.kinds) if self.writer else 0

    def run(self) -> PullResult:
        requests_before = self.client.requests
        self.writer = _Writer()
        pool = OrderedPool(self.windows, self._window, workers=self.concurrency, name="pull-reader")
        # A reader stops at its next request when the user cancels, or when the pool stops after a failure.
        self.reader_cancel = CancelCheck(lambda: self.cancel.is_set() or pool.stop.is_set())
        try:
            pool.run(self._on_page, self._on_window)
        finally:
            # Cancelled or failed or done, the windows already read are finished: they are committed
            # before the pull returns or raises, so the log row and the watermark follow the file.
            self.writer.close()
            self.result.requests = self.client.requests - requests_before
            self._count()
        self.writer.check()
        return self.result

    def _on_page(self, index: int, page: _PageRead | RetryNote) -> None:
        """A page was read, or a request is being tried again (calling thread): the progress, and a failed store
        stops the pull here."""
        assert self.writer is not None
        self.writer.check()
        if isinstance(page, RetryNote):
            log.info("window %d: %s", index + 1, page)
            if self.progress:
                w_start, w_end = self.windows[index]
                last = self.last_page[index]
                self.progress(PullProgress(index + 1, len(self.windows), w_start, w_end, last.page + 1, last.pages,
                                           len(self.seen), last.total, self.stored, self.writer.handed, self.percent,
                                           retry=str(page)))
            return
        self.last_page[index] = page
        self.seen.update(page.codes)
        self.read_part[index] = max(self.read_part[index], page.page / max(page.pages, 1))
        self.percent = max(self.percent, int(100 * sum(self.read_part) / len(self.windows)))
        if self.progress:
            w_start, w_end = self.windows[index]
            fresh = tuple(self.writer.committed[self.reported:])  # the writer only ever appends
            self.reported += len(fresh)
            self.progress(PullProgress(index + 1, len(self.windows), w_start, w_end, page.page, page.pages,
                                       len(self.seen), page.total, self.stored, self.writer.handed, self.percent,
                                       fresh))

    def _on_window(self, index: int, window: _Settled) -> None:
        """The windows before this one are handed over already (calling thread): this one goes to the store."""
        assert self.writer is not None
        for warning in window.warnings:
            if warning not in self.result.warnings:
                self.result.warnings.append(warning)
        self.result.complete = self.result.complete and window.complete
        self.writer.put(window)

    def _count(self) -> None:
        assert self.writer is not None
        self.result.codes, self.result.windows = list(self.writer.codes), self.writer.windows
        kinds = [self.writer.kinds[c] for c in self.result.codes]
        self.result.new, self.result.updated = kinds.count("new"), kinds.count("updated")
        self.result.unchanged = kinds.count("unchanged")

    def _window(self, index: int, span: tuple[datetime, datetime], note: _Note) -> _Settled:
        """Read one window until a read settles (see ``_WindowRead.settled``), at most ``max_rereads`` more times.

        Known gap, left open on purpose. A read of several pages is not a snapshot. If, between two
        pages, a return on a page already read leaves the filter (cancelled) and another joins on a
        page not yet read (received), ``total`` stays and the distinct count still adds up, but every
        return between the two moves back one place: the first of the next page lands on a page
        already read and is missed, with no warning (test_leave_on_a_read_page_and_join_on_a_later_one
        _misses_nothing). A window of one page is one request and cannot suffer it.

        What was weighed: re-reading page 1 at the end is not sound (the leave may be on any page read).
        Counting shows a read can miss a return that stayed only if it also read one that joined while
        it ran, so "a record modified since the read began" would be a cheap trigger, but it rests on
        Guanyi bumping ``modify_date`` on every status change and on its clock (nothing in SPEC says so).
        Overlapping reads with varying page sizes would detect any shift, but need an order that holds
        across page sizes, which MySQL does not promise for ties. A second, confirming read of every
        window of several pages is sound but doubles their requests. Until one of these is chosen, the
        only cover is pulling a busy range again later (the overlap of "since last pull" re-reads only
        its last minutes). A smaller ``page_size`` makes windows of several pages, and so the gap, likelier.
        """
        w_start, w_end = span
        since, until = AXES[self.axis]
        params = {
            since: format_datetime(w_start),
            until: format_datetime(w_end),
            **self.filters,
        }
        records: dict[str, dict] = {}  # every record of every read of this window, its latest copy
        texts: dict[str, str | None] = {}  # and that copy's text
        union: dict[str, None] = {}
        reads: list[_WindowRead] = []
        warnings: list[str] = []
        for _ in range(self.max_rereads + 1):
            read = self._read(params, records, texts, warnings, note)
            reads.append(read)
            union.update(read.codes)
            if read.settled:
                # A read whose total held still and whose codes add up is a consistent snapshot.
                return _Settled(records, texts, read.codes, warnings)
            log.info("window %s..%s not settled (totals %s, %d codes); reading it again",
                     w_start, w_end, read.totals, len(read.codes))
        totals = ", ".join(str(n) for n in dict.fromkeys(n for r in reads for n in r.totals))
        when = f"{format_datetime(w_start)} – {format_datetime(w_end)}"
        warnings.append(t(
            f"窗口 {when}：读了 {len(reads)} 遍，总数仍在变化或对不上（总数 {totals}，读到 {len(union)} 个单号）。"
            "已读到的都已保存；请稍后重新拉取这段时间。",
            f"Window {when}: read {len(reads)} times, the total kept changing or did not add up (totals "
            f"{totals}; {len(union)} codes read). Everything read is stored; pull this range again later.",
        ))
        return _Settled(records, texts, union, warnings, complete=False)

    def _read(
        self,
        params: Mapping[str, object],
        records: dict[str, dict],
        texts: dict[str, str | None],
        warnings: list[str],
        note: _Note,
    ) -> _WindowRead:
        """Page through the window once, adding each record to ``records`` (a later copy replaces an earlier one)."""
        read = _WindowRead()
        page = 1
        while True:
            business = {"page_no": page, "page_size": self.page_size, **params}
            answer = self.client.get_returns(business, cancel=self.reader_cancel, on_retry=note)
            if self.server_start is None and self.client.server_time is not None:
                self.server_start = self.client.server_time
                self.clock_skew = now_china() - self.server_start
            # Only the code is needed to page and de-duplicate; the typed parse runs on the writer's thread.
            codes = []
            for number, raw in enumerate(answer.records):
                try:
                    code = record_code(raw)
                except InvalidRecord as exc:
                    read.skipped += 1
                    if str(exc) not in warnings:
                        warnings.append(str(exc))
                    continue
                codes.append(code)
                records[code], texts[code] = raw, answer.text_of(number)
            read.codes.update(dict.fromkeys(codes))
            read.totals.append(answer.total)
            pages = -(-answer.total // self.page_size)  # whole numbers: no float however large the total
            note(_PageRead(page, pages, answer.total, codes))
            # An empty page ends the read even if total promised more: the re-read decides.
            if page >= pages or not answer.records:
                return read
            page += 1


def _stored_so_far(job: _Pull | None, reason: str) -> str:
    """Why a pull stopped, and how many records it had stored: those of the windows committed whole."""
    stored = job.stored if job else 0
    return reason + t(f"（已保存 {stored} 张）", f" ({stored} stored)")


def _held_back(end: datetime, server_start: datetime | None, skew: timedelta) -> datetime:
    """``end``, but not past a minute before Guanyi's own clock when the pull began.

    "A minute before now" must be Guanyi's now: with a PC clock running fast, ``end`` lies ahead of
    what the server had saved, and a watermark there would skip the returns saved in between. A
    ``Date`` more than a day from the PC clock is taken for a broken header and not used.
    """
    if server_start is None:
        return end
    if abs(skew) > timedelta(days=1):
        log.warning("Guanyi's Date header is %s away from this PC's clock; not used", skew)
        return end
    if skew > timedelta(minutes=1):
        log.warning("this PC's clock is %s ahead of Guanyi's; the watermark follows Guanyi's", skew)
    return min(end, server_start - timedelta(minutes=1))


def _watermark_key(axis: str, filters: Mapping[str, object] | None) -> str:
    """Which watermark a "since last pull" reads and moves: the axis', or, when the pull is narrowed by
    further filters (one shop, …), one of its own — a pull of one shop says nothing about the others."""
    given = sorted((k, str(v)) for k, v in (filters or {}).items() if v is not None and v != "")
    return axis + ("?" + urlencode(given) if given else "")


def _move_watermark(key: str, end: datetime) -> datetime:
    """Move a watermark forward to ``end`` (never back: an older range may be re-pulled by hand). The later value wins
    in the upsert itself, so pulls from several PCs on a shared database cannot move it back either."""
    later = pw.Case(None, [(pw.EXCLUDED.value > Watermark.value, pw.EXCLUDED.value)], Watermark.value)
    with db.atomic("IMMEDIATE"):
        Watermark.insert(axis=key, value=end).on_conflict(conflict_target=[Watermark.axis],
                                                          update={Watermark.value: later}).execute()
        return Watermark.get(Watermark.axis == key).value


def last_watermark(axis: str, filters: Mapping[str, object] | None = None) -> datetime | None:
    """Where the last complete "since last pull" on ``axis`` (with these further ``filters``) ended; ``None`` when
    none has completed yet."""
    mark = Watermark.get_or_none(Watermark.axis == _watermark_key(axis, filters))
    return mark.value if mark else None


def since_last_range(
    axis: str,
    now: datetime | None = None,
    *,
    filters: Mapping[str, object] | None = None,
    first_start: datetime | None = None,
) -> tuple[datetime, datetime]:
    """[watermark − overlap, now − 1 min]; without a watermark, from ``first_start`` (by default the start of
    today, China time).

    The minute held back lets records saved in the last seconds reach Guanyi's index; the overlap
    re-reads the edge of the last pull in case one arrived late. ``filters`` are the pull's further
    filters: a narrowed pull has a watermark of its own.
    """
    end = (now or now_china()) - timedelta(minutes=1)
    mark = last_watermark(axis, filters)
    if mark is None:
        start = first_start or end.replace(hour=0, minute=0, second=0)
    else:
        start = mark - timedelta(minutes=settings.get_int("pull.overlap_minutes"))
    return min(start, end), end


class PullOptions(TypedDict, total=False):
    """What a pull may be given beyond its range; unset sizes come from the settings."""

    axis: str  # receive (default) | modify | create
    all_statuses: bool
    filters: Mapping[str, object] | None
    page_size: int | None
    window_days: int | None
    max_rereads: int | None
    concurrency: int | None
    progress: Callable[[PullProgress], None] | None
    cancel: CancelSource


def connect() -> GuanyiClient:
    """A 管易云 client of the settings and the keyring. ``requests`` loads here, on the first pull, not when the app
    starts (:class:`~core.errors.CredentialsError` when the credentials are missing)."""
    from core.guanyi.client import client_from_settings

    return client_from_settings()


def pull(client: GuanyiClient, start: datetime, end: datetime, **options: Unpack[PullOptions]) -> PullResult:
    """Pull [start, end] (China time, both ends included) on ``axis`` and store every record.

    ``filters`` are further request parameters (``shop_code``, …) laid over the status filters of
    :func:`default_filters`. Raises :class:`Cancelled` when ``cancel`` is set (the windows finished
    before it stay stored, whole; nothing of the window it cut short is), or the client's or the
    file's errors; a sync-log row is written either way.
    """
    return _execute(client, start, end, move_watermark=False, **options)


def pull_since_last(
    client: GuanyiClient,
    *,
    now: datetime | None = None,
    first_start: datetime | None = None,
    **options: Unpack[PullOptions],
) -> PullResult:
    """Pull :func:`since_last_range` (``first_start``: where to start while no watermark is set); the watermark moves
    to its end only when every window settled."""
    start, end = since_last_range(
        options.get("axis", "receive"), now, filters=options.get("filters"), first_start=first_start
    )
    return _execute(client, start, end, move_watermark=True, **options)


def _execute(
    client: GuanyiClient,
    start: datetime,
    end: datetime,
    *,
    move_watermark: bool,
    axis: str = "receive",
    all_statuses: bool = False,
    filters: Mapping[str, object] | None = None,
    page_size: int | None = None,
    window_days: int | None = None,
    max_rereads: int | None = None,
    concurrency: int | None = None,
    progress: Callable[[PullProgress], None] | None = None,
    cancel: CancelSource = None,
) -> PullResult:
    started = time.perf_counter()
    job: _Pull | None = None

    def write(status: str, detail: str = "") -> None:
        summary = job.result.summary() if job else f"{axis} {format_datetime(start)} – {format_datetime(end)}"
        message = t("；", "; ").join(part for part in (summary, detail) if part)
        write_log("pull", status, message, duration_ms=elapsed_ms(started))

    try:
        job = _Pull(
            client,
            start,
            end,
            axis=axis,
            filters={**default_filters(axis, all_statuses), **(filters or {})},
            page_size=page_size or settings.get_int("guanyi.page_size"),
            window_days=window_days or settings.get_int("pull.window_days"),
            max_rereads=settings.get_int("pull.max_rereads") if max_rereads is None else max_rereads,
            concurrency=settings.get_int("pull.concurrency") if concurrency is None else concurrency,
            progress=progress,
            cancel=CancelCheck(cancel),
        )
        result = job.run()
        if move_watermark:
            if result.complete:
                held_back = _held_back(end, job.server_start, job.clock_skew)
                result.watermark = _move_watermark(_watermark_key(axis, filters), held_back)
            else:
                result.warnings.append(t(
                    "有窗口未读完整，“从上次拉取”的起点没有前移，下次会重读这段时间。",
                    "A window was not read completely, so 'since last pull' did not move on; the next "
                    "pull reads this range again.",
                ))
    except (Cancelled, KeyboardInterrupt):  # Ctrl+C on the command line is the user's cancel too
        write("cancelled", _stored_so_far(job, t("已取消", "cancelled")))
        raise
    except ReturnSyncError as exc:
        write("failed", _stored_so_far(job, str(exc)))
        raise
    except Exception as exc:
        # A bug still leaves a trace for support; the traceback goes to the caller.
        write("failed", type(exc).__name__)
        raise
    write(result.status, " | ".join(result.warnings))
    return result
