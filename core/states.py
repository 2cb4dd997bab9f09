"""The states a sheet goes through, named once: the push ledger's (SPEC §5) and the extra ones a push run
reports for the sheets it did not send. Each has its word in the user's language (:func:`status_text`).

They are ``StrEnum`` members, so they are stored, compared and printed (``--json``) as the plain words
``ready``, ``posted``, … that the data file and the command line have always used.
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


# A claim may take a row in these states; FORCEABLE adds the ones a person must confirm.
# "sending" is in neither: a row being sent right now is never sent twice, not even by force.
PUSHABLE = (SheetStatus.READY, SheetStatus.FAILED)
FORCEABLE = (SheetStatus.READY, SheetStatus.FAILED, SheetStatus.POSTED, SheetStatus.UNKNOWN)


def status_text(status: str) -> str:
    """The word for a ledger status, or for a state a push reports to its progress callback."""
    words = {
        SheetStatus.READY: ("待推送", "ready"),
        SheetStatus.SENDING: ("推送中", "sending"),
        SheetStatus.POSTED: ("已入账", "posted"),
        SheetStatus.FAILED: ("失败", "failed"),
        SheetStatus.UNKNOWN: ("状态未知", "unknown"),
        ItemStatus.BLOCKED: ("不能推送", "blocked"),
        ItemStatus.SKIPPED: ("已跳过", "skipped"),
        ItemStatus.WOULD_SEND: ("将推送", "would be sent"),
        ItemStatus.NOT_SENT: ("未发送", "not sent"),
    }.get(status)
    return t(*words) if words else status
