"""Exceptions whose message a shop accountant can act on, in Chinese and English.

Each carries both texts; ``str(e)`` gives the current language's, and says what happened — never what to type or
click. The next step, if there is one, is ``advice`` (:class:`core.advice.Advice`) with what it is about, said by each
front end in its own words. The exit code of the command line follows the class (SPEC §7): 2 usage/configuration,
3 remote/authentication.
"""

from __future__ import annotations

from typing import Any

from core.advice import Advice
from core.i18n import t


class ReturnSyncError(Exception):
    """Base of every error the core reports to a person."""

    exit_code = 1

    def __init__(self, zh: str, en: str, *, advice: Advice | None = None, kind: str | None = None,
                 code: str | None = None, sheet_no: str | None = None) -> None:
        """``advice``: the next step, if any; ``kind``: the credentials it is about (guanyi, qimen, jingcheng);
        ``code``: the 管易云 code of the sheet; ``sheet_no``: 精诚's number of it."""
        super().__init__(en)
        self.zh = zh
        self.en = en
        self.advice = advice
        self.kind = kind
        self.code = code
        self.sheet_no = sheet_no

    def __str__(self) -> str:
        return t(self.zh, self.en)

    def __reduce__(self) -> tuple:
        # Whole, class and advice included, across a process boundary (core.jobs): the default would call
        # __init__ with the English text alone.
        return _rebuild, (type(self), self.__dict__)


def _rebuild(cls: type[ReturnSyncError], state: dict) -> ReturnSyncError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, state.get("en", ""))
    exc.__dict__.update(state)
    return exc


class ConfigError(ReturnSyncError):
    """A setting, credential or argument is missing or wrong: the user must fix it here. ``setting`` names the
    setting it is about, when it is about one (the window shows the message under that field)."""

    exit_code = 2

    def __init__(self, zh: str, en: str, *, setting: str | None = None, **advice: Any) -> None:
        super().__init__(zh, en, **advice)
        self.setting = setting


class DataFileBusy(ConfigError):
    """Another program holds the data file's lock past the busy timeout. ``path``: the file."""

    def __init__(self, zh: str, en: str, *, path: str, **advice: Any) -> None:
        super().__init__(zh, en, **advice)
        self.path = path


class DataFileFull(ConfigError):
    """The disk (or the quota) had no room for a write to the data file; what was not finished was not written.
    ``path``: the file."""

    def __init__(self, zh: str, en: str, *, path: str, **advice: Any) -> None:
        super().__init__(zh, en, **advice)
        self.path = path


class DataFileDamaged(ConfigError):
    """The data file is not an SQLite database or its contents are damaged; it is left as it is. ``path``: the file;
    ``copy``: its newest automatic copy, if there is one."""

    def __init__(self, zh: str, en: str, *, path: str, copy: str | None = None, **advice: Any) -> None:
        super().__init__(zh, en, **advice)
        self.path = path
        self.copy = copy


class CredentialsError(ConfigError):
    """The keyring is unavailable or holds no usable credentials."""


class RemoteError(ReturnSyncError):
    """The remote system could not be reached or answered with an error."""

    exit_code = 3


class NetworkError(RemoteError):
    """No connection, a timeout, or a reset: nothing usable came back."""


class ServerError(RemoteError):
    """The server answered with HTTP 5xx/429 or a body that cannot be read."""


class AuthError(RemoteError):
    """The remote refused our key, session, token or signature."""


class BusinessError(RemoteError):
    """The remote answered ``success: false`` for a reason other than authentication."""


class Cancelled(ReturnSyncError):
    """The user asked to stop; work done so far is kept."""

    def __init__(self) -> None:
        super().__init__("已取消。已完成的部分已保存。", "Cancelled. What was done so far is kept.")
