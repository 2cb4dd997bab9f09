"""The 团队 tab of Settings (SPEC §11): the shared database's address, 测试连接 on a worker, and what the team database
says — the PCs seen, their last activity, the sheets being sent or unknown.

The address takes effect at the next start, as the language does; a password never goes into it (it is kept in the
keyring). Setting a team database up and moving a data folder in are an administrator's one-off work, done outside the
window (see the README's team mode), where what they did can be read back.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

from core import settings
from core.errors import ConfigError
from core.i18n import t
from core.team import connection, schema
from core.team.status import TeamStatus, status
from ui.settings_connections import ConnectionTest
from ui.settings_fields import SettingField, SettingsForm

TEAM_KEYS = ("team.url", "team.lease_seconds")


def describe(found: TeamStatus) -> str:
    """What the team database holds, in a few lines."""
    pcs = "；".join(f"{p.pc}（{p.os_user}，{p.last_seen}）" for p in found.pcs) or t("无", "none")
    pcs_en = "; ".join(f"{p.pc} ({p.os_user}, {p.last_seen})" for p in found.pcs) or "none"
    sending = sum(1 for s in found.open_sheets if s.status == "sending")
    unknown = len(found.open_sheets) - sending
    return t(
        f"已连接，团队数据库可用。电脑：{pcs}。推送中 {sending} 张，状态未知 {unknown} 张，"
        f"移入冲突 {len(found.conflicts)} 张。",
        f"Connected; the team database is usable. PCs: {pcs_en}. Being sent: {sending}, unknown: {unknown}, "
        f"conflicts from moves: {len(found.conflicts)}.",
    )


def check(url: str) -> str:
    """Connect to ``url`` and read the team's status (never changing the schema); a :class:`ConfigError` or
    :class:`~core.errors.NetworkError` when it cannot be used."""
    database = connection.connect(url)
    try:
        found = schema.versions(database)
        if found is None:
            raise ConfigError(
                "该数据库里没有团队数据：团队数据库还没有建立。",
                "That database holds no team data: no team database has been set up there yet.",
            )
        if any(found.get(part, 0) > len(steps) for part, steps in schema.PARTS.items()):
            raise ConfigError(
                "团队数据库由更新的版本建立，请先升级本程序。",
                "The team database was set up by a newer version; update ReturnSync first.",
            )
        return describe(status(database, url))
    finally:
        database.close()


class TeamTab(QWidget):
    """The address and lease (saved with the dialog), the connection test and the team's status."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        hints = {
            "team.url": t(
                "postgresql://用户@主机:端口/数据库；空：只用本机数据文件。重新启动后生效。",
                "postgresql://user@host:port/database; empty: this PC's data file only. Takes effect after a restart.",
            ),
            "team.lease_seconds": t(
                "须长于精诚的连接超时加读取超时", "Must be longer than Jingcheng's connect plus read timeout"
            ),
        }
        form = SettingsForm(TEAM_KEYS, values, hints)
        self.fields: dict[str, SettingField] = form.fields
        self._url = ""
        self.test = ConnectionTest(
            lambda: check(self._url),
            before=self._take_url,
            idle=t("测试所填地址能否连接团队数据库。", "Tests whether the address given reaches a team database."),
        )
        self.fields["team.url"].changed.connect(self.test.clear)
        box = QGroupBox(t("团队共享数据库", "Team shared database"))
        inner = QVBoxLayout(box)
        inner.addLayout(form)
        inner.addWidget(self.test)
        note = QLabel(
            t(
                "建立团队数据库、把本机已有的数据移入团队数据库，由管理员一次完成（见说明书“团队模式”）。",
                "Setting a team database up and bringing this PC's data into it are done once by an administrator "
                "(see the manual's team mode).",
            ),
            wordWrap=True,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(note)
        layout.addStretch(1)

    def _take_url(self) -> str:
        """The address as typed, checked here on the GUI thread; the refusal's text, or ``""``."""
        url = self.fields["team.url"].value().strip()
        if not url:
            return t("请先填写地址。", "Give an address first.")
        try:
            settings.validate("team.url", url)
        except ConfigError as exc:
            return str(exc)
        self._url = url
        return ""
