"""Pulling 退货单 from 管易云 into the local file: windows, paging, completeness (SPEC §2.4).

A range on one time axis is cut into windows; each window is paged until ``ceil(total /
page_size)`` pages are read. The server's order is unknown and records change while we page, so
codes are de-duplicated, and a window whose ``total`` moves between pages — or that yields fewer
distinct codes than ``total`` — is read again (a bounded number of times) and then reported as a
warning, never silently. Every page is stored (one transaction) before the next request, so a
cancel or a failure keeps what came in. Every pull, failed ones too, writes one sync-log row.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypedDict, Unpack
from urllib.parse import urlencode

import peewee as pw

from core import settings
from core.cancel import CancelCheck, CancelSource
from core.errors import Cancelled, ConfigError, ReturnSyncError
from core.guanyi import GuanyiClient
from core.i18n import t
from core.returns import InvalidRecord, dump_raw, load_raw, parse_return
from core.store import ReturnRecord, Watermark, db, write_log
from core.timeutil import day_windows, format_datetime, now_china

log = logging.getLogger(__name__)

# Time axis -> the (from, to) request parameters of gy.erp.trade.return.get (SPEC §2.3).
AXES: dict[str, tuple[str, str]] = {
    "receive": ("in_begin_time", "in_end_time"),
    "modify": ("modify_start_date", "modify_end_date"),
    "create": ("start_create", "end_create"),
}

# peewee binds one SQL variable per column; 50 rows stay far below SQLite's oldest limit (999).
_ROWS_PER_INSERT = 50


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
    labels = {"receive": ("入库时间", "receive time"), "modify": ("修改时间", "modify time"),
              "create": ("创建时间", "create time")}
    zh, en = labels.get(axis, (axis, axis))
    return t(zh, en)


@dataclass(frozen=True)
class PullProgress:
    """Where a pull is, after each page stored."""

    window: int  # 1-based
    windows: int
    window_start: datetime
    window_end: datetime
    page: int  # 1-based
    pages: int  # of this read of the window, from the latest ``total``
    records: int  # distinct codes stored by this pull so far
    window_total: int  # the server's latest ``total`` for this window


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
            "watermark": format_datetime(self.watermark) if self.watermark else None,
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


def _compact(raw: dict) -> str:
    return dump_raw(raw)


def _date_text(value: datetime | None) -> str | None:
    return format_datetime(value) if value else None


def store_page(records: list[dict], pulled_at: datetime) -> tuple[dict[str, str], list[str]]:
    """Upsert one page by ``code`` in one transaction.

    Returns ``{code: "new" | "updated" | "unchanged"}`` (as the file stood before this page) and a
    warning per record that cannot be kept (no code). ``first_pulled_at`` survives an update.
    """
    rows: dict[str, dict] = {}
    warnings: list[str] = []
    for raw in records:
        try:
            order = parse_return(raw)
        except InvalidRecord as exc:
            warnings.append(str(exc))
            continue
        rows[order.code] = {
            "code": order.code,
            "guanyi_id": order.id or None,
            "shop_code": order.shop_code,
            "shop_name": order.shop_name,
            "platform_code": order.platform_code,
            "create_date": _date_text(order.create_date),
            "receive_date": _date_text(order.receive_date),
            "modify_date": _date_text(order.modify_date),
            "cancel": order.cancel,
            "receive": order.receive,
            "raw_json": _compact(raw),
            "first_pulled_at": pulled_at,
            "last_pulled_at": pulled_at,
        }
    kinds: dict[str, str] = {}
    with db.atomic():
        stored = {
            r.code: r.raw_json
            for r in ReturnRecord.select(ReturnRecord.code, ReturnRecord.raw_json).where(
                ReturnRecord.code.in_(list(rows))
            )
        }
        for code, row in rows.items():
            if code not in stored:
                kinds[code] = "new"
            else:
                # Compared as objects: a tenant may send the same record with its keys reordered.
                kinds[code] = "unchanged" if load_raw(stored[code]) == load_raw(row["raw_json"]) else "updated"
        keep = [f for f in ReturnRecord._meta.sorted_fields if f.name not in ("code", "first_pulled_at")]
        for chunk in pw.chunked(list(rows.values()), _ROWS_PER_INSERT):
            ReturnRecord.insert_many(chunk).on_conflict(conflict_target=[ReturnRecord.code], preserve=keep).execute()
    return kinds, warnings


@dataclass
class _WindowRead:
    codes: dict[str, None] = field(default_factory=dict)  # insertion-ordered set
    totals: list[int] = field(default_factory=list)
    skipped: int = 0  # records without a code: counted by the server, unkeepable here

    @property
    def settled(self) -> bool:
        total = self.totals[-1] if self.totals else 0
        return len(set(self.totals)) <= 1 and len(self.codes) + self.skipped >= total


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
        progress: Callable[[PullProgress], None] | None,
        cancel: CancelCheck,
    ) -> None:
        if axis not in AXES:
            raise ConfigError(
                f"时间类型只能是 {'、'.join(AXES)}（收到“{axis}”）。",
                f"The time axis is one of {', '.join(AXES)} (got '{axis}').",
            )
        if not 1 <= page_size <= 100:
            raise ConfigError("每页条数须在 1 到 100 之间。", "The page size must be between 1 and 100.")
        self.client, self.axis, self.filters = client, axis, dict(filters)
        self.page_size, self.max_rereads = page_size, max_rereads
        self.progress, self.cancel = progress, cancel
        self.windows = day_windows(start, end, window_days)
        self.result = PullResult(axis=axis, start=start, end=end)
        self.kinds: dict[str, str] = {}  # first classification of each code stored by this pull
        self.server_start: datetime | None = None  # Guanyi's clock at the first reply of this pull
        self.clock_skew = timedelta(0)  # how far this PC's clock is ahead of Guanyi's, at that reply

    def run(self) -> PullResult:
        requests_before = self.client.requests
        try:
            for index, (w_start, w_end) in enumerate(self.windows, start=1):
                self._window(index, w_start, w_end)
                self.result.windows = index
        finally:
            self.result.requests = self.client.requests - requests_before
            self._count()
        return self.result

    def _count(self) -> None:
        kinds = [self.kinds[c] for c in self.result.codes]
        self.result.new, self.result.updated = kinds.count("new"), kinds.count("updated")
        self.result.unchanged = kinds.count("unchanged")

    def _window(self, index: int, w_start: datetime, w_end: datetime) -> None:
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
        since, until = AXES[self.axis]
        params = {
            since: format_datetime(w_start),
            until: format_datetime(w_end),
            **self.filters,
        }
        union: dict[str, None] = {}
        reads: list[_WindowRead] = []
        for _ in range(self.max_rereads + 1):
            read = self._read(index, w_start, w_end, params)
            reads.append(read)
            union.update(read.codes)
            if read.settled:
                # A read whose total held still and whose codes add up is a consistent snapshot.
                self._add(read.codes)
                return
            log.info("window %s..%s not settled (totals %s, %d codes); reading it again",
                     w_start, w_end, read.totals, len(read.codes))
        self._add(union)
        self.result.complete = False
        totals = ", ".join(str(n) for n in dict.fromkeys(n for r in reads for n in r.totals))
        span = f"{format_datetime(w_start)} – {format_datetime(w_end)}"
        self.result.warnings.append(t(
            f"窗口 {span}：读了 {len(reads)} 遍，总数仍在变化或对不上（总数 {totals}，读到 {len(union)} 个单号）。"
            "已读到的都已保存；请稍后重新拉取这段时间。",
            f"Window {span}: read {len(reads)} times, the total kept changing or did not add up (totals "
            f"{totals}; {len(union)} codes read). Everything read is stored; pull this range again later.",
        ))

    def _add(self, codes: Mapping[str, None]) -> None:
        known = set(self.result.codes)
        self.result.codes.extend(c for c in codes if c not in known)

    def _read(self, index: int, w_start: datetime, w_end: datetime, params: Mapping[str, object]) -> _WindowRead:
        read = _WindowRead()
        page = 1
        while True:
            business = {"page_no": page, "page_size": self.page_size, **params}
            answer = self.client.get_returns(business, cancel=self.cancel)
            if self.server_start is None and self.client.server_time is not None:
                self.server_start = self.client.server_time
                self.clock_skew = now_china() - self.server_start
            kinds, warnings = store_page(answer.records, now_china())
            for code, kind in kinds.items():
                self.kinds.setdefault(code, kind)
            self.result.warnings.extend(w for w in warnings if w not in self.result.warnings)
            read.skipped += len(warnings)
            read.codes.update(dict.fromkeys(kinds))
            read.totals.append(answer.total)
            pages = math.ceil(answer.total / self.page_size)
            if self.progress:
                self.progress(PullProgress(index, len(self.windows), w_start, w_end, page, pages,
                                           len(self.kinds), answer.total))
            # An empty page ends the read even if total promised more: the re-read decides.
            if page >= pages or not answer.records:
                return read
            page += 1


def _stored_so_far(job: _Pull | None, reason: str) -> str:
    """Why a pull stopped, and how many records it had stored (its ``codes`` hold only finished windows)."""
    stored = len(job.kinds) if job else 0
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
    """Move a watermark forward to ``end`` (never back: an older range may be re-pulled by hand)."""
    with db.atomic():
        current = Watermark.get_or_none(Watermark.axis == key)
        value = max(end, current.value) if current else end
        Watermark.insert(axis=key, value=value).on_conflict_replace().execute()
    return value


def since_last_range(
    axis: str, now: datetime | None = None, *, filters: Mapping[str, object] | None = None
) -> tuple[datetime, datetime]:
    """[watermark − overlap, now − 1 min]; without a watermark, from the start of today (China time).

    The minute held back lets records saved in the last seconds reach Guanyi's index; the overlap
    re-reads the edge of the last pull in case one arrived late. ``filters`` are the pull's further
    filters: a narrowed pull has a watermark of its own.
    """
    end = (now or now_china()) - timedelta(minutes=1)
    mark = Watermark.get_or_none(Watermark.axis == _watermark_key(axis, filters))
    if mark is None:
        start = end.replace(hour=0, minute=0, second=0)
    else:
        start = mark.value - timedelta(minutes=settings.get_int("pull.overlap_minutes"))
    return min(start, end), end


class PullOptions(TypedDict, total=False):
    """What a pull may be given beyond its range; unset sizes come from the settings."""

    axis: str  # receive (default) | modify | create
    all_statuses: bool
    filters: Mapping[str, object] | None
    page_size: int | None
    window_days: int | None
    max_rereads: int | None
    progress: Callable[[PullProgress], None] | None
    cancel: CancelSource


def pull(client: GuanyiClient, start: datetime, end: datetime, **options: Unpack[PullOptions]) -> PullResult:
    """Pull [start, end] (China time, both ends included) on ``axis`` and store every record.

    ``filters`` are further request parameters (``shop_code``, …) laid over the status filters of
    :func:`default_filters`. Raises :class:`Cancelled` when ``cancel`` is set (what was stored
    stays), or the client's errors; a sync-log row is written either way.
    """
    return _execute(client, start, end, move_watermark=False, **options)


def pull_since_last(client: GuanyiClient, *, now: datetime | None = None, **options: Unpack[PullOptions]) -> PullResult:
    """Pull :func:`since_last_range`; the watermark moves to its end only when every window settled."""
    start, end = since_last_range(options.get("axis", "receive"), now, filters=options.get("filters"))
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
    progress: Callable[[PullProgress], None] | None = None,
    cancel: CancelSource = None,
) -> PullResult:
    started = time.monotonic()
    job: _Pull | None = None

    def write(status: str, detail: str = "") -> None:
        summary = job.result.summary() if job else f"{axis} {format_datetime(start)} – {format_datetime(end)}"
        message = t("；", "; ").join(part for part in (summary, detail) if part)
        write_log("pull", status, message, duration_ms=int((time.monotonic() - started) * 1000))

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
