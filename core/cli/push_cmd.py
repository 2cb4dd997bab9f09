"""``preview CODE``, ``push CODE… | --all-ready`` and ``mark CODE --posted | --failed``.

``mark`` is for a sheet in state ``unknown`` (a timeout, a reset or an HTTP 5xx after sending, or a
push killed mid-request): look the SheetID up in 精诚 first, then say what you found —
``--posted`` (with ``--sheet-no`` if 精诚 shows its number) or ``--failed`` (not booked; it may
then be pushed again).
"""

from __future__ import annotations

import argparse
import sys

from core import ledger, push, sheet_detail
from core.advice import for_state, with_advice
from core.cli.advice import cli_advice, item_line
from core.cli.output import EXIT_OK, EXIT_REMOTE, EXIT_SOME_FAILED, emit, quiet
from core.errors import ConfigError
from core.i18n import t
from core.states import ItemStatus, SheetStatus, state_text, status_text
from core.timeutil import format_datetime
from core.visible import visible


def register(sub: argparse._SubParsersAction) -> None:
    show = sub.add_parser("preview", help="the 精诚 sheet a return maps to, its problems and ledger status")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_preview)

    send = sub.add_parser("push", help="post returns to 精诚, each exactly once")
    which = send.add_mutually_exclusive_group(required=True)
    which.add_argument("codes", nargs="*", default=[], metavar="CODE")
    which.add_argument("--all-ready", action="store_true", help="every pulled return that is ready and not yet posted")
    send.add_argument("--dry-run", action="store_true", help="map and report; claim and send nothing")
    send.add_argument("--force", action="store_true",
                      help="also re-send the given codes when posted or unknown (logged); never with --all-ready")
    send.add_argument("--json", action="store_true")
    send.set_defaults(handler=_push)

    mark = sub.add_parser("mark", help="after checking 精诚, say what became of a sheet in state unknown")
    mark.add_argument("code")
    outcome = mark.add_mutually_exclusive_group(required=True)
    outcome.add_argument("--posted", action="store_true", help="精诚 holds the sheet")
    outcome.add_argument("--failed", action="store_true", help="精诚 does not hold it; it may be pushed again")
    mark.add_argument("--sheet-no", metavar="N", help="精诚's own number of the sheet (with --posted)")
    mark.add_argument("--json", action="store_true")
    mark.set_defaults(handler=_mark)


def _preview(args: argparse.Namespace) -> int:
    shown = push.preview(args.code)
    mapped, entry, sheet = shown.mapped, shown.entry, shown.mapped.sheet
    payload = {
        "ok": shown.ready,
        "code": shown.code,
        "ready": shown.ready,
        "state": shown.state,
        "note": shown.note,
        "sheet": sheet.as_dict() if sheet else None,
        "blocking": [{"code": p.code, "message": str(p)} for p in mapped.blocking],
        "warnings": [{"code": p.code, "message": str(p)} for p in mapped.warnings],
        "ledger": {
            "status": shown.status,
            "attempts": entry.attempts if entry else 0,
            "message": entry.message if entry else "",
            "sheet_no": entry.sheet_no if entry else None,
            "posted_at": format_datetime(entry.posted_at) if entry and entry.posted_at else None,
        },
    }
    detail = sheet_detail.of_preview(shown)
    payload["body"] = detail.body  # byte for byte what is (or was, "body_sent") sent to 精诚
    payload["body_sent"] = detail.shows_sent
    payload["changes"] = detail.changes.as_json() if detail.changes is not None else None
    lines = [t(f"退货单 {shown.code}", f"Return {shown.code}")]
    if sheet:
        name, remark = visible(sheet.customer_name), visible(sheet.remark)  # as typed in 管易云: shown safely
        lines += [
            t(f"精诚单据 {sheet.sheet_id}  日期 {sheet.sheet_date}  客户 {sheet.customer_code} {name}",
              f"Sheet {sheet.sheet_id}  date {sheet.sheet_date}  customer {sheet.customer_code} {name}"),
            t(f"红蓝 {sheet.red_blue}  数量 {sheet.qua}  金额 {sheet.amo}",
              f"RedBlue {sheet.red_blue}  quantity {sheet.qua}  amount {sheet.amo}"),
            t(f"备注 {remark}", f"Remark {remark}"),
            t("商品编号\t数量\t单价\t金额\t备注", "GoodsID\tQua\tPrice\tAmo\tRemark"),
            *(f"{visible(i.goods_id)}\t{i.qua}\t{i.price}\t{i.amo}\t{visible(i.remark)}" for i in sheet.items),
        ]
    else:
        lines.append(t("（无法生成精诚单据）", "(no sheet can be made)"))
    if detail.changes:
        lines.append(t("推送后的变更（已发送 → 现在）：", "Changed since it was posted (sent → now):"))
        lines += [f"  {change}" for change in detail.changes.describe()]
    lines += [t(f"不可推送的原因：{visible(str(p))}", f"Blocked because: {visible(str(p))}") for p in mapped.blocking]
    lines += [t(f"提醒：{visible(str(p))}", f"Warning: {visible(str(p))}") for p in mapped.warnings]
    state = state_text(shown.state) + (t(f"：{shown.note}", f": {shown.note}") if shown.note else "")
    state = with_advice(state, cli_advice(for_state(shown.state), code=shown.code))
    lines.append(t(f"状态：{state}", f"State: {state}"))
    text = "\n".join(lines)
    emit(args, payload, text, problems="" if shown.ready else text)
    return EXIT_OK if shown.ready else EXIT_SOME_FAILED


def _push(args: argparse.Namespace) -> int:
    if args.all_ready and args.force:
        raise ConfigError("--force 只能用于指定的单号，不能与 --all-ready 一起使用。",
                          "--force works only with given codes, never with --all-ready.")

    def show(index: int, count: int, code: str, status: str) -> None:
        print(f"\r[{index}/{count}] {code} {status_text(status)}\033[K", end="", file=sys.stderr, flush=True)

    interactive = not args.json and not quiet(args) and sys.stderr.isatty()
    result = push.push(
        args.codes, all_ready=args.all_ready, dry_run=args.dry_run, force=args.force,
        progress=show if interactive else None,
    )
    if interactive:
        print(file=sys.stderr)
    shown = [item for item in result.items if item.status != ItemStatus.NOT_SENT]
    lines = [item_line(item) for item in shown]
    lines.append(result.summary())
    if result.not_ready:
        lines.append(t("未就绪的单据不会推送，原因见 preview 单号。",
                       "Returns not ready are not pushed; preview CODE says why."))
    # --quiet: the sheets that did not go through, and the summary, only when the run was not all done.
    fine = {SheetStatus.POSTED, ItemStatus.WOULD_SEND} | ({ItemStatus.SKIPPED} if args.all_ready else set())
    wrong = [item_line(item) for item in shown if item.status not in fine]
    problems = "" if result.all_done else "\n".join([*wrong, result.summary()])
    emit(args, result.as_json(), "\n".join(lines), problems=problems)
    if result.stopped:
        return EXIT_REMOTE
    return EXIT_OK if result.all_done else EXIT_SOME_FAILED


def _mark(args: argparse.Namespace) -> int:
    if args.failed and args.sheet_no:
        raise ConfigError("--sheet-no 只能与 --posted 一起使用。", "--sheet-no goes with --posted only.")
    entry = ledger.mark(args.code, SheetStatus.POSTED if args.posted else SheetStatus.FAILED, sheet_no=args.sheet_no)
    emit(
        args,
        {"ok": True, "code": entry.code, "sheet_id": entry.sheet_id, "status": entry.status,
         "sheet_no": entry.sheet_no},
        f"{entry.code}: {status_text(entry.status)}. {entry.message}",
    )
    return EXIT_OK
