"""``pull`` (管易云 → the local file) and ``list`` (what the local file holds)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime

from core import overview, pull, review, settings
from core.cli.output import EXIT_OK, EXIT_SOME_FAILED, emit, quiet
from core.errors import ConfigError
from core.i18n import t
from core.states import ReturnState, state_text
from core.timeutil import format_datetime, parse_bound
from core.visible import visible


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("pull", help="pull 退货单 from Guanyi into the local file")
    parser.add_argument("--from", dest="start", metavar="D", help="yyyy-MM-dd or 'yyyy-MM-dd HH:mm:ss'")
    parser.add_argument("--to", dest="end", metavar="D", help="yyyy-MM-dd (the whole day) or 'yyyy-MM-dd HH:mm:ss'")
    parser.add_argument("--by", choices=tuple(pull.AXES), help="time axis (default: setting pull.axis)")
    parser.add_argument("--all-statuses", action="store_true", help="drop the received / not cancelled filters")
    parser.add_argument("--since-last", action="store_true",
                        help="from where the last complete --since-last pull ended (less pull.overlap_minutes) until "
                             "a minute ago; the first time, from --from D")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=_pull)

    listing = sub.add_parser("list", help="the returns in the local file")
    listing.add_argument("--status", choices=tuple(ReturnState), help="only returns in this state")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=_list)


def _progress_printer() -> Callable[[pull.PullProgress], None]:
    """The progress on stderr: a line rewritten in place on a terminal; a retry, as it starts, on a line of its own
    everywhere (a scheduled run's log shows why a pull waited)."""
    terminal = sys.stderr.isatty()

    def show(p: pull.PullProgress) -> None:
        if p.retry:
            day = p.window_start.strftime("%Y-%m-%d")
            print(("\n" if terminal else "") + t(f"{day} 第 {p.page} 页：{p.retry}", f"{day} page {p.page}: {p.retry}"),
                  file=sys.stderr, flush=True)
            return
        if not terminal:
            return
        print(
            t(f"\r{p.percent:3d}%  已读完 {p.windows_read}/{p.windows} 个窗口  已读 {p.records} 张，已存 {p.stored} 张",
              f"\r{p.percent:3d}%  {p.windows_read}/{p.windows} windows read  {p.records} read, {p.stored} stored"),
            end="", file=sys.stderr, flush=True,
        )

    return show


def _since_last_start(args: argparse.Namespace, axis: str) -> datetime | None:
    """The start ``--from`` gives a ``--since-last`` pull: its first, while no watermark is set; refused after."""
    mark = pull.last_watermark(axis)
    if mark is None and not args.start:
        raise ConfigError(
            f"还没有完成过按“{axis}”时间的 --since-last 拉取，不知道从哪里开始。第一次请用 "
            "pull --since-last --from D 给出起点（拉取到一分钟前并记住终点）；之后只用 --since-last。",
            f"No --since-last pull on the {axis} time has completed yet, so there is no point to start from. The "
            "first time, give one with pull --since-last --from D (it pulls until a minute ago and remembers where it "
            "ended); after that, --since-last alone.",
        )
    if mark is not None and args.start:
        raise ConfigError(
            f"--since-last 已有起点（上次拉取到 {format_datetime(mark)}），不能再给 --from。只给 --since-last，"
            "或者用 --from 和 --to 拉取指定时间段。",
            f"--since-last already has its start (the last pull ended at {format_datetime(mark)}); --from is for the "
            "first time only. Give --since-last alone, or --from and --to for a range of your own.",
        )
    return parse_bound(args.start, end=False) if args.start else None


def _pull(args: argparse.Namespace) -> int:
    axis = args.by or settings.get("pull.axis")
    if args.end if args.since_last else not (args.start and args.end):
        raise ConfigError(
            "请给出 --from 和 --to，或者给出 --since-last（第一次另加 --from）。",
            "Give both --from and --to, or --since-last (with --from the first time).",
        )
    options = {"axis": axis, "all_statuses": args.all_statuses}
    progress = None if args.json or quiet(args) else _progress_printer()
    first_start = _since_last_start(args, axis) if args.since_last else None
    with pull.connect() as client:
        if args.since_last:
            result = pull.pull_since_last(client, first_start=first_start, progress=progress, **options)
        else:
            start, end = parse_bound(args.start, end=False), parse_bound(args.end, end=True)
            result = pull.pull(client, start, end, progress=progress, **options)
    if progress and sys.stderr.isatty():
        print(file=sys.stderr)
    text = "\n".join([result.summary(), *(f"! {w}" for w in result.warnings)])
    emit(args, result.as_json(), text, problems=text if result.warnings else "")
    # A warning means a window may be incomplete or a record was skipped: a scheduled run must notice.
    return EXIT_SOME_FAILED if result.warnings else EXIT_OK


def _list(args: argparse.Namespace) -> int:
    review.refresh()  # the states follow the rules and value tables as they are now
    listed = overview.list_returns(args.status)
    returns = [{
        "code": item.row.code,
        "shop_code": item.shop_code,
        "shop_name": item.row.shop,
        "platform_code": item.row.platform_code,
        "create_date": item.row.create_date or None,
        "receive_date": item.row.receive_date or None,
        "modify_date": item.modify_date or None,
        "cancel": item.cancel,
        "receive": item.receive,
        "lines": item.row.lines,
        "quantity": item.row.qua or None,
        "amount": item.row.amo or None,
        "status": item.row.state,
        "ledger_status": item.ledger_status,
        "sheet_no": item.row.sheet_no or None,
        "note": item.row.note,
    } for item in listed]
    header = t("单号\t店铺\t入库时间\t行数\t数量\t金额\t状态\t说明",
               "code\tshop\treceived\tlines\tquantity\tamount\tstate\tnote")
    # Names come from 管易云 as they were typed there: a control or bidi character is shown as its escape, so it can
    # neither break the columns nor reorder the line (the JSON keeps them exactly).
    lines = [header] + [
        "\t".join([
            visible(item.row.code), visible(item.row.shop or item.shop_code or "-"), item.row.receive_date or "-",
            "-" if item.row.lines is None else str(item.row.lines), item.row.qua or "-", item.row.amo or "-",
            state_text(item.row.state), visible(item.row.note),
        ])
        for item in listed
    ]
    lines.append(t(f"共 {len(listed)} 张", f"{len(listed)} returns"))
    emit(args, {"ok": True, "count": len(listed), "returns": returns}, "\n".join(lines))
    return EXIT_OK
