"""The next steps the core can point at, named once: the core's messages say what happened, and each front end says
what to do in its own words — the window in buttons and menus (:mod:`ui.advice`), the command line in commands
(:mod:`core.cli.advice`).

An error carries its step as ``advice`` with what it is about (:class:`core.errors.ReturnSyncError`), and so does a
push item (:class:`core.push.PushItem`); a sheet's ledger state implies its own (:func:`for_state`).
"""

from __future__ import annotations

from enum import StrEnum

from core.i18n import t
from core.states import SheetStatus


class Advice(StrEnum):
    """A kind of next step. The context each one uses is named beside it."""

    CREDENTIALS = "credentials"  # store (again) the credentials of ``kind``: missing, incomplete or refused
    JINGCHENG_AUTH = "jingcheng_auth"  # 精诚 wants authentication: choose its method, then store its credentials
    JINGCHENG_URL = "jingcheng_url"  # 精诚's address moved: change the setting jingcheng.url, then push again
    CHECK_UNKNOWN = "check_unknown"  # sheet ``code`` may be in 精诚: check there, then record what it holds
    RECORD_POSTED = "record_posted"  # 精诚 booked ``code`` (as ``sheet_no``) but the data file did not take it
    RECORD_FAILED = "record_failed"  # 精诚 did not book ``code`` but the data file did not take it
    CONFIRM_REPUSH = "confirm_repush"  # ``code`` is posted: sending it again needs an explicit confirmation
    NO_KEYRING = "no_keyring"  # there is no usable system keyring
    KEYRING_KEEPS_NOTHING = "keyring_keeps_nothing"  # the chosen keyring backend drops what it is given
    SECRET_NOT_A_SETTING = "secret_not_a_setting"  # a secret was given as a setting: it belongs in the keyring
    NO_SUCH_SETTING = "no_such_setting"  # a setting name that does not exist: see the list of them
    RESTORE_COPY = "restore_copy"  # the data file is damaged: put its newest automatic copy ``copy`` in its place


# What each credentials kind is called, (Chinese, English).
KIND_NAMES = {"guanyi": ("管易云", "Guanyi"), "qimen": ("奇门", "Qimen"), "jingcheng": ("精诚", "Jingcheng")}


def for_state(state: str) -> Advice | None:
    """The step a sheet's ledger status (or a return's state) asks of a person: one whose outcome is unknown must be
    checked in 精诚 and recorded; other states ask for nothing."""
    return Advice.CHECK_UNKNOWN if state == SheetStatus.UNKNOWN else None


def with_advice(text: str, advice: str) -> str:
    """A message followed by the words of its next step, as one text of the current language."""
    if not advice:
        return text
    if not text:
        return advice
    return t(f"{text}{advice}", f"{text} {advice}")
