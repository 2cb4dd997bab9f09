"""Exceptions whose message a shop accountant can act on, in Chinese and English.

Each carries both texts; ``str(e)`` gives the current language's. The exit code of the
command line follows the class (SPEC §7): 2 usage/configuration, 3 remote/authentication.
"""

from __future__ import annotations

from core.i18n import t


class ReturnSyncError(Exception):
    """Base of every error the core reports to a person."""

    exit_code = 1

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en

    def __str__(self) -> str:
        return t(self.zh, self.en)


class ConfigError(ReturnSyncError):
    """A setting, credential or argument is missing or wrong: the user must fix it here. ``setting`` names the
    setting it is about, when it is about one (the window shows the message under that field)."""

    exit_code = 2

    def __init__(self, zh: str, en: str, *, setting: str | None = None) -> None:
        super().__init__(zh, en)
        self.setting = setting


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
