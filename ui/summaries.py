"""The short message after a pull or a push, and its details: counts first, then one line per sheet that needs a
look. A push that stopped says how many sheets were sent and how many were not (未发送) — never a line for each sheet
that was not sent, which made a box taller than the screen."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.advice import with_advice
from core.i18n import t
from core.states import ItemStatus, SheetStatus, status_text
from ui.advice import item_message, window_advice

if TYPE_CHECKING:
    from core.pull import PullResult
    from core.push import PushResult

# Sheets the run sent (their outcome is recorded) — the rest it did not send.
_SENT = (SheetStatus.POSTED, SheetStatus.FAILED, SheetStatus.UNKNOWN)
# Sheets that need the accountant: a line each in the details.
_LOOK_AT = (SheetStatus.FAILED, SheetStatus.UNKNOWN, ItemStatus.BLOCKED, ItemStatus.SKIPPED)


@dataclass(frozen=True)
class Summary:
    title: str
    text: str
    details: list[str]
    problem: bool  # something needs a look: a warning icon, not an information one


def of_push(result: PushResult) -> Summary:
    counts = Counter(item.status for item in result.items)
    sent = sum(counts[status] for status in _SENT)
    outcomes = t("，", ", ").join(
        t(f"{status_text(status)} {counts[status]}", f"{counts[status]} {status_text(status)}")
        for status in (*_SENT, ItemStatus.BLOCKED, ItemStatus.SKIPPED) if counts[status]
    )
    not_sent = counts[ItemStatus.NOT_SENT]
    if result.cancelled or result.stopped:
        title = t("推送已停止", "The push stopped")
        text = t(f"已发送 {sent} 张，未发送 {not_sent} 张。", f"{sent} sent, {not_sent} not sent.")
        if outcomes:
            text += t(f"（{outcomes}）", f" ({outcomes})")
        stopped = with_advice(result.stopped, window_advice(result.stopped_advice, kind="jingcheng"))
        text += (t(f"\n停止原因：{stopped}", f"\nWhy it stopped: {stopped}") if result.stopped else
                 t("\n按“取消”停止：已发送的单据结果都已记录，未发送的仍可再推送。",
                   "\nStopped by Cancel: every sheet sent has its outcome recorded; those not sent can be pushed."))
    else:
        title = t("推送完成", "Push done")
        text = (t(f"共 {len(result.items)} 张：{outcomes}。", f"{len(result.items)} sheets: {outcomes}.") if outcomes
                else t("没有需要推送的单据。", "Nothing to push."))
    details = [f"{item.code}  {status_text(item.status)}{t('：', ': ')}{item_message(item)}".rstrip("：: ")
               for item in result.items if item.status in _LOOK_AT]
    problem = bool(details) or result.cancelled or bool(result.stopped)
    return Summary(title, text, details, problem)


def of_pull(result: PullResult) -> Summary:
    text = result.summary()
    if not result.complete:
        text += t("\n有的时间窗口没有读完整：请稍后再拉取一次同一范围。",
                  "\nSome time windows could not be read completely: pull the same range again later.")
    title = t("拉取完成", "Pull done")
    return Summary(title, text, list(result.warnings), bool(result.warnings) or not result.complete)
