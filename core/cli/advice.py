"""The next steps of :mod:`core.advice` in command-line words: the commands and options that take them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.advice import KIND_NAMES, Advice, with_advice
from core.errors import ReturnSyncError
from core.i18n import t
from core.paths import CLI_EXECUTABLE
from core.states import status_text

if TYPE_CHECKING:
    from core.push import PushItem


def cli_command() -> str:
    """How the user starts the command line here, for the commands our advice names: the frozen app's console
    executable, or ``python main.py`` from the source."""
    return CLI_EXECUTABLE if getattr(sys, "frozen", False) else "python main.py"


_cli = cli_command


def cli_advice(advice: Advice | None, *, kind: str | None = None, code: str | None = None,
               sheet_no: str | None = None, copy: str | None = None) -> str:
    """What to type for ``advice`` ("" for none); ``kind``, ``code`` and ``sheet_no`` as :class:`ReturnSyncError`
    names them, ``copy`` as :class:`core.errors.DataFileDamaged` does."""
    if advice is None:
        return ""
    kind = kind or "guanyi|qimen|jingcheng"
    zh_code, en_code = (code, code) if code else ("单号", "CODE")
    if advice is Advice.CREDENTIALS:
        zh_name, _ = KIND_NAMES.get(kind, ("", ""))
        return t(f"请用 `{_cli()} credentials set {kind}` 保存{zh_name}凭据。",
                 f"Store them with `{_cli()} credentials set {kind}`.")
    if advice is Advice.JINGCHENG_AUTH:
        return t(f"请用 `{_cli()} config set jingcheng.auth 方式` 选择认证方式，"
                 f"再用 `{_cli()} credentials set jingcheng` 保存凭据。",
                 f"Choose the method with `{_cli()} config set jingcheng.auth MODE`, then store the credentials "
                 f"with `{_cli()} credentials set jingcheng`.")
    if advice is Advice.JINGCHENG_URL:
        return t(f"请用 `{_cli()} config set jingcheng.url 新地址` 修改地址，再重新推送。",
                 f"Change it with `{_cli()} config set jingcheng.url NEW-ADDRESS`, then push again.")
    if advice is Advice.CHECK_UNKNOWN:
        return t(f"请在精诚中查看此单是否已入账，再用 `mark {zh_code} --posted`（可加 --sheet-no 精诚单号）"
                 f"或 `mark {zh_code} --failed` 记下；确需重推请用 `push {zh_code} --force`。",
                 f"Check in Jingcheng whether it was booked, then record that with `mark {en_code} --posted` "
                 f"(optionally with --sheet-no N) or `mark {en_code} --failed`; use `push {en_code} --force` only "
                 "if it really must be sent again.")
    if advice is Advice.RECORD_POSTED:
        number = f" --sheet-no {sheet_no}" if sheet_no else ""
        return t(f"请用 `mark {zh_code} --posted{number}` 记下。", f"Record it with `mark {en_code} --posted{number}`.")
    if advice is Advice.RECORD_FAILED:
        return t(f"请用 `mark {zh_code} --failed` 记下。", f"Record that with `mark {en_code} --failed`.")
    if advice is Advice.CONFIRM_REPUSH:
        return t(f"确需重推请用 `push {zh_code} --force`。",
                 f"Use `push {en_code} --force` only if it really must be sent again.")
    if advice is Advice.NO_KEYRING:
        return t("Windows 上请确认“凭据管理器”服务已启动；Linux 上请安装并解锁 Secret Service（如 GNOME Keyring），"
                 "或用环境变量 PYTHON_KEYRING_BACKEND 指定后端。",
                 "On Windows make sure the Credential Manager service is running; on Linux install and unlock a "
                 "Secret Service (e.g. GNOME Keyring), or choose a backend with PYTHON_KEYRING_BACKEND.")
    if advice is Advice.KEYRING_KEEPS_NOTHING:
        return t("请启用可用的钥匙串（撤销 `keyring --disable`，或用环境变量 PYTHON_KEYRING_BACKEND 指定后端）后重试。",
                 "Enable a working keyring (undo `keyring --disable`, or choose a backend with "
                 "PYTHON_KEYRING_BACKEND) and try again.")
    if advice is Advice.SECRET_NOT_A_SETTING:
        return t(f"请用 `{_cli()} credentials set` 存入系统钥匙串。",
                 f"Store it in the system keyring with `{_cli()} credentials set`.")
    if advice is Advice.NO_SUCH_SETTING:
        return t(f"可用 `{_cli()} config show` 查看全部设置。", f"`{_cli()} config show` lists them all.")
    if advice is Advice.RESTORE_COPY:
        zh_copy, en_copy = (f" {Path(copy).name}", f" {Path(copy).name}") if copy else ("", "")
        return t(f"请关闭其他正在使用它的程序，再用 `{_cli()} data restore-copy` 换回副本{zh_copy}"
                 "（损坏的文件会改名保留在同一文件夹，其中仍能读出的推送台账会带回）。副本之后拉取的退货单需要重新拉取。",
                 f"Close any other program using it, then put the copy{en_copy} in its place with "
                 f"`{_cli()} data restore-copy` (the damaged file is kept, renamed, in the same folder; the push "
                 "ledger rows it still holds readably are carried over). Returns pulled after the copy was taken must "
                 "be pulled again.")
    raise ValueError(f"no command-line words for {advice!r}")


def cli_message(exc: ReturnSyncError) -> str:
    """The error as the command line prints it: what happened, then what to type."""
    return with_advice(str(exc), cli_advice(exc.advice, kind=exc.kind, code=exc.code, sheet_no=exc.sheet_no,
                                            copy=getattr(exc, "copy", None)))


def item_advice(item: PushItem) -> str:
    """What to type for a sheet of a push (its credentials are 精诚's)."""
    return cli_advice(item.advice, kind="jingcheng", code=item.code, sheet_no=item.sheet_no)


def item_line(item: PushItem) -> str:
    """One sheet of a push as the command line prints it: code, state, what happened and what to type."""
    return f"{item.code}\t{status_text(item.status)}\t{with_advice(item.message, item_advice(item))}"
