"""The next steps of :mod:`core.advice` in the window's words: its menus, buttons and dialogs — never a command.

Wherever the window shows an error it shows :func:`window_message`; beside a sheet of a push, :func:`item_advice`;
beside a sheet whose state asks something of the accountant, :func:`state_advice`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from core.advice import KIND_NAMES, Advice, for_state, with_advice
from core.errors import ReturnSyncError
from core.i18n import t

if TYPE_CHECKING:
    from core.push import PushItem


def window_advice(advice: Advice | None, *, kind: str | None = None, code: str | None = None,
                  sheet_no: str | None = None, path: str | None = None, copy: str | None = None) -> str:
    """What to do about ``advice`` in the window ("" for none); ``kind``, ``code`` and ``sheet_no`` as
    :class:`ReturnSyncError` names them, ``path`` and ``copy`` as :class:`core.errors.DataFileDamaged` does."""
    if advice is None:
        return ""
    zh_name, en_name = KIND_NAMES.get(kind or "", ("", ""))
    if advice is Advice.CREDENTIALS:
        return t(f"请在“设置 › 连接”中填写{zh_name}凭据。",
                 f"Enter the {en_name} credentials in Settings › Connections." if en_name
                 else "Enter them in Settings › Connections.")
    if advice is Advice.JINGCHENG_AUTH:
        return t("请在“设置 › 连接”中选择精诚的认证方式，并填写精诚凭据。",
                 "Choose Jingcheng's authentication in Settings › Connections and enter its credentials.")
    if advice is Advice.JINGCHENG_URL:
        return t("请在“设置 › 连接”中把精诚接口地址改为新地址，再重新推送。",
                 "Change the Jingcheng address in Settings › Connections to the new one, then push again.")
    if advice is Advice.CHECK_UNKNOWN:
        return t("请先在精诚中核对此单，再在表格中右键该行（或在右侧单据栏）"
                 "选择“标记为已推送”“标记为未入账”或“重新推送”。",
                 "Check this sheet in Jingcheng first, then right-click its row in the table (or use the sheet pane "
                 "on the right) and choose “Mark posted”, “Mark not booked” or “Push again”.")
    if advice is Advice.RECORD_POSTED:
        return t(f"请在表格中右键该行选择“标记为已推送”{f'，并填写精诚单号 {sheet_no}' if sheet_no else ''}。",
                 f"Right-click its row in the table and choose “Mark posted”"
                 f"{f', with Jingcheng sheet number {sheet_no}' if sheet_no else ''}.")
    if advice is Advice.RECORD_FAILED:
        return t("请在表格中右键该行选择“标记为未入账”，之后可以再推送。",
                 "Right-click its row in the table and choose “Mark not booked”; it can then be pushed again.")
    if advice is Advice.CONFIRM_REPUSH:
        return t("如确需重推，请右键该行选择“重新推送”，并在确认框中确认。",
                 "If it really must be sent again, right-click its row, choose “Push again” and confirm.")
    if advice is Advice.NO_KEYRING:
        return t("Windows 上请确认“凭据管理器”服务已启动；Linux 上请安装并解锁 Secret Service（如 GNOME Keyring）。"
                 "然后重新启动本程序。",
                 "On Windows make sure the Credential Manager service is running; on Linux install and unlock a "
                 "Secret Service (e.g. GNOME Keyring). Then start ReturnSync again.")
    if advice is Advice.KEYRING_KEEPS_NOTHING:
        return t("请启用可用的系统钥匙串（Windows 上即“凭据管理器”）后重新启动本程序。",
                 "Enable a working system keyring (on Windows, the Credential Manager) and start ReturnSync again.")
    if advice is Advice.SECRET_NOT_A_SETTING:
        return t("密钥请在“设置 › 连接”的凭据中填写。", "Enter secrets with the credentials in Settings › Connections.")
    if advice is Advice.NO_SUCH_SETTING:
        return t("“设置”窗口列出了全部可修改的设置。", "The Settings window lists every setting there is.")
    if advice is Advice.RESTORE_COPY:
        name = Path(path).name if path else t("数据文件", "the data file")
        copy_name = Path(copy).name if copy else t("最近的副本", "the latest copy")
        return t(f"请关闭本程序及其他正在使用该文件的程序，在数据文件夹中把 {name} 连同同名的 -wal、-shm 文件改名保留，"
                 f"再把副本 {copy_name} 复制一份并命名为 {name}，然后重新启动本程序。副本之后拉取的退货单需要重新拉取；"
                 "副本之后的推送不在副本的台账中，再次推送前请先在精诚中核对。",
                 f"Close ReturnSync and any other program using the file; in the data folder rename {name} and its "
                 f"-wal and -shm files, if any, to keep them; copy {copy_name} to {name}, then start ReturnSync again. "
                 "Returns pulled after the copy was taken must be pulled again; pushes made since are not in the "
                 "copy's ledger, so check in Jingcheng before pushing again.")
    raise ValueError(f"no window words for {advice!r}")


def window_message(exc: ReturnSyncError) -> str:
    """An error as the window shows it: what happened, then what to do in the window."""
    return with_advice(str(exc), window_advice(exc.advice, kind=exc.kind, code=exc.code, sheet_no=exc.sheet_no,
                                               path=getattr(exc, "path", None), copy=getattr(exc, "copy", None)))


def item_advice(item: PushItem) -> str:
    """What to do about one sheet of a push ("" when nothing): its credentials are 精诚's."""
    return window_advice(item.advice, kind="jingcheng", code=item.code, sheet_no=item.sheet_no)


def item_message(item: PushItem) -> str:
    """One sheet of a push as the window shows it: what happened, then what to do."""
    return with_advice(item.message, item_advice(item))


def state_advice(state: str, code: str | None = None) -> str:
    """What a return's state asks of the accountant ("" when nothing): one whose outcome is unknown must be checked in
    精诚 and recorded."""
    return window_advice(for_state(state), code=code)
