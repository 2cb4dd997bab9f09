"""The states a return and its sheet go through, named once (SPEC §5, §8).

- :class:`SheetStatus` — a sheet's row in the push ledger, as stored;
- :class:`ReturnState` — what the accountant sees of a return everywhere (the table, the sheet pane, ``list``, the
  log, the CSV): the ledger's status, and whether the mapping lets the sheet go and whether it still matches what
  was posted, in one word — 待推送 / 不可推送 / 推送中 / 已推送 / 失败 / 结果未知 / 推送后有变更;
- :class:`ItemStatus` — what a push run says of a sheet it did not send.

They are ``StrEnum`` members, so they are stored, compared and printed (``--json``) as plain words (``ready``,
``posted``, …). Each has its word in the user's language: :func:`state_text`, :func:`status_text`.
"""

from __future__ import annotations

from enum import StrEnum

from core.i18n import t


class SheetStatus(StrEnum):
    """A sheet's row in the push ledger."""

    READY = "ready"  # never sent, or no row yet
    SENDING = "sending"  # claimed: a request is (or may be) on the wire
    POSTED = "posted"  # 精诚 booked it
    FAILED = "failed"  # 精诚 did not book it: safe to push again
    UNKNOWN = "unknown"  # it may have been booked: a person must check 精诚


class ItemStatus(StrEnum):
    """What a push run says of a sheet it did not send (beside the outcomes posted, failed, unknown)."""

    BLOCKED = "blocked"  # the mapping or the data forbids the sheet
    SKIPPED = "skipped"  # the ledger forbids it: posted, unknown or being sent
    WOULD_SEND = "would_send"  # dry run: this sheet would be sent
    NOT_SENT = "not_sent"  # the run stopped (cancelled, credentials refused, 精诚 unreachable) before it


class ReturnState(StrEnum):
    """A pulled return as the accountant sees it."""

    READY = "ready"  # 待推送: the mapping lets it go, never sent (or safe to send again)
    BLOCKED = "blocked"  # 不可推送: the mapping or the data forbids it; the reason is shown beside it
    SENDING = "sending"  # 推送中: a push holds it right now
    POSTED = "posted"  # 已推送: 精诚 booked it (with its 精诚单号)
    FAILED = "failed"  # 失败: 精诚 did not book it; safe to push again
    UNKNOWN = "unknown"  # 结果未知: it may have been booked; check 精诚 first
    CHANGED = "changed"  # 推送后有变更: posted, but 管易云's return no longer maps to the sheet that was posted


# The states whose sheet may be ticked and pushed without a person confirming a possible double.
TICKABLE = (ReturnState.READY, ReturnState.FAILED)

_STATE_WORDS = {
    ReturnState.READY: ("待推送", "Ready"),
    ReturnState.BLOCKED: ("不可推送", "Blocked"),
    ReturnState.SENDING: ("推送中", "Sending"),
    ReturnState.POSTED: ("已推送", "Posted"),
    ReturnState.FAILED: ("失败", "Failed"),
    ReturnState.UNKNOWN: ("结果未知", "Unknown"),
    ReturnState.CHANGED: ("推送后有变更", "Changed after posting"),
}


def state_text(state: ReturnState) -> str:
    """The word for a state, as a label (capitalised in English)."""
    return t(*_STATE_WORDS[state])


def return_state(ledger_status: str | None, mapping_ready: bool, sheet_hash: str | None,
                 posted_hash: str | None) -> ReturnState:
    """The one state of a return, from its ledger row (``None``: never claimed), whether its mapping lets the sheet
    go, the digest of the sheet it maps to now (``None``: no sheet), and the digest of the sheet posted."""
    return state_of(ledger_status, mapping_ready,
                    sheet_hash is not None and (posted_hash is None or posted_hash == sheet_hash))


def state_of(ledger_status: str | None, mapping_ready: bool, as_posted: bool) -> ReturnState:
    """:func:`return_state`, told only whether the return maps to a sheet that is the one posted (``as_posted``).

    The ledger decides first — a sheet on the wire, in doubt or booked is that whatever the mapping says now; a
    booked sheet that the current data would no longer make (blocked, no sheet, another sheet) is changed after
    posting. Then the mapping: a blocked return is blocked even if its last push failed."""
    if ledger_status == SheetStatus.SENDING:
        return ReturnState.SENDING
    if ledger_status == SheetStatus.UNKNOWN:
        return ReturnState.UNKNOWN
    if ledger_status == SheetStatus.POSTED:
        return ReturnState.POSTED if mapping_ready and as_posted else ReturnState.CHANGED
    if not mapping_ready:
        return ReturnState.BLOCKED
    return ReturnState.FAILED if ledger_status == SheetStatus.FAILED else ReturnState.READY


def ledger_note(state: ReturnState, sheet_no: str | None, ledger_message: str) -> str:
    """What a return's ledger row says beside its state: 精诚's number of a posted sheet, why a changed one needs a
    look, the last failure, why the result is in doubt; "" when the ledger has nothing to add."""
    if state is ReturnState.POSTED:
        return t(f"精诚单号 {sheet_no}", f"Jingcheng sheet {sheet_no}") if sheet_no else ""
    if state is ReturnState.CHANGED:
        number = t(f"（精诚单号 {sheet_no}）", f" (Jingcheng sheet {sheet_no})") if sheet_no else ""
        return t(f"已推送{number}，但按当前数据映射出的单据与已推送的不同，请在精诚中核对。",
                 f"Posted{number}, but the sheet the current data maps to differs from the one posted; check it in "
                 "Jingcheng.")
    if state is ReturnState.SENDING:
        return t("正在推送…", "Being sent…")
    if state in (ReturnState.UNKNOWN, ReturnState.FAILED):
        return ledger_message.splitlines()[0] if ledger_message else ""
    return ""


# A claim may take a row in these states; FORCEABLE adds the ones a person must confirm.
# "sending" is in neither: a row being sent right now is never sent twice, not even by force.
PUSHABLE = (SheetStatus.READY, SheetStatus.FAILED)
FORCEABLE = (SheetStatus.READY, SheetStatus.FAILED, SheetStatus.POSTED, SheetStatus.UNKNOWN)


# The words of every status the sync log holds: a ledger status, what a push says of a sheet it did not send, and how
# a whole run ended (pull: ok / warning / failed / cancelled; push: ok / partial / stopped / cancelled / dry-run).
# "cancelled" is 已中止, never 已取消: in 管易云 已取消 names a cancelled return.
# A sheet's status is said with the word of the state it gives its return: the log and the table never differ.
_AS_STATE = {SheetStatus.READY: ReturnState.READY, SheetStatus.SENDING: ReturnState.SENDING,
             SheetStatus.POSTED: ReturnState.POSTED, SheetStatus.FAILED: ReturnState.FAILED,
             SheetStatus.UNKNOWN: ReturnState.UNKNOWN, ItemStatus.BLOCKED: ReturnState.BLOCKED}
_STATUS_WORDS = {
    **{status: (_STATE_WORDS[state][0], _STATE_WORDS[state][1].lower()) for status, state in _AS_STATE.items()},
    ItemStatus.SKIPPED: ("已跳过", "skipped"),
    ItemStatus.WOULD_SEND: ("将推送", "would be sent"),
    ItemStatus.NOT_SENT: ("未发送", "not sent"),
    "ok": ("成功", "ok"),
    "warning": ("有提醒", "warning"),
    "cancelled": ("已中止", "cancelled"),
    "stopped": ("已停止", "stopped"),
    "partial": ("部分完成", "partial"),
    "dry-run": ("试运行", "dry run"),
}

# The words of every action the sync log holds (the first argument of ``store.write_log``).
_ACTION_WORDS = {
    "pull": ("拉取", "pull"),
    "push": ("推送", "push"),
    "force": ("强制重推", "forced re-push"),
    "mark": ("手工标记", "marked by hand"),
    "recover": ("启动恢复", "recovery at start-up"),
    "config": ("设置", "settings"),
    "credentials": ("凭据", "credentials"),
    "maps": ("对照表", "value tables"),
    "import": ("导入", "import"),
    "export": ("导出", "export"),
    "tls": ("HTTPS 证书", "HTTPS certificates"),
}


def status_text(status: str) -> str:
    """The word for a ledger status, for a state a push reports to its progress callback, or for how a logged run
    ended; an unknown status is given back as it is."""
    words = _STATUS_WORDS.get(status)
    return t(*words) if words else status


def action_text(action: str) -> str:
    """The word for a sync-log action; an unknown action is given back as it is."""
    words = _ACTION_WORDS.get(action)
    return t(*words) if words else action
