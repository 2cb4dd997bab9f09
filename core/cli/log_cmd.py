"""``log export FILE.csv [--from D --to D] [--action A] [--status S] [--code C] [--text T]`` and
``log show [--limit N]``: the sync log."""

from __future__ import annotations

import argparse
import unicodedata

from core.cli.output import EXIT_OK, emit
from core.errors import ConfigError
from core.export import export_log
from core.i18n import t
from core.states import action_text, status_text
from core.store import SyncLog
from core.synclog import LogFilter
from core.timeutil import format_datetime, parse_bound


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("log", help="show or export the sync log")
    actions = parser.add_subparsers(dest="log_action", required=True, metavar="ACTION")

    export = actions.add_parser("export", help="write the log to a CSV file (UTF-8 with BOM, for Excel)")
    export.add_argument("file", metavar="FILE.csv")
    export.add_argument("--from", dest="start", metavar="D", help="yyyy-MM-dd (whole day) or yyyy-MM-dd HH:mm:ss")
    export.add_argument("--to", dest="end", metavar="D", help="yyyy-MM-dd (whole day) or yyyy-MM-dd HH:mm:ss")
    export.add_argument("--action", metavar="A",
                        help="only rows of this action, given by its code (pull, push, mark, export, …)")
    export.add_argument("--status", metavar="S",
                        help="only rows with this status, given by its code (ok, failed, unknown, …)")
    export.add_argument("--code", metavar="C", help="only the rows of this return code")
    export.add_argument("--text", metavar="T",
                        help="only rows whose return code or message holds this text (any case)")
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=_export)

    show = actions.add_parser("show", help="the latest rows, oldest first")
    show.add_argument("--limit", type=_positive, default=20, metavar="N", help="how many rows (default 20)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive whole number")
    return int(text)


def _export(args: argparse.Namespace) -> int:
    start = parse_bound(args.start, end=False) if args.start else None
    end = parse_bound(args.end, end=True) if args.end else None
    if start and end and end < start:
        raise ConfigError("--to 早于 --from。", "--to is before --from.")
    log_filter = LogFilter(start=start, end=end, action=args.action or "", status=args.status or "",
                           code=args.code or "", text=args.text or "")
    rows = export_log(args.file, log_filter)
    emit(args, {"ok": True, "rows": rows, "file": args.file},
         t(f"已导出 {rows} 行同步日志到 {args.file}。", f"Exported {rows} sync-log rows to {args.file}."))
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    latest = SyncLog.select().order_by(SyncLog.id.desc()).limit(args.limit)
    rows = [
        {
            "time": format_datetime(entry.time),
            "action": entry.action,
            "code": entry.code,
            "status": entry.status,
            "message": entry.message,
            "duration_ms": entry.duration_ms,
            "os_user": entry.os_user,
        }
        for entry in reversed(list(latest))
    ]
    # --json keeps the codes (scripts read them); the text a person reads has the words of the UI language.
    actions = [action_text(r["action"]) for r in rows]
    statuses = [status_text(r["status"]) for r in rows]
    action_width = max(map(_width, actions), default=0)
    status_width = max(map(_width, statuses), default=0)
    text = "\n".join(
        f"{r['time']}  {_pad(action, action_width)}  {_pad(status, status_width)}  {r['code'] or '-'}  {r['message']}"
        + (f"  ({r['duration_ms']} ms)" if r["duration_ms"] else "")
        for r, action, status in zip(rows, actions, statuses, strict=True)
    )
    emit(args, {"ok": True, "rows": rows}, text or t("同步日志为空。", "The sync log is empty."))
    return EXIT_OK


def _width(text: str) -> int:
    """How many terminal columns the text takes: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
