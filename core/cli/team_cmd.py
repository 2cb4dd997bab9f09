"""``team init URL | join URL | leave | move | status`` (SPEC §11): share one PostgreSQL database between PCs.

``init`` creates the schema in an empty database and connects this PC; ``join`` checks a team database and connects
this PC; ``leave`` goes back to this PC's own data file; ``move`` copies this PC's data folder in (run it again to
finish one that stopped; run twice it changes nothing); ``status`` lists the PCs seen and the open sheets. A
password in the URL goes to the keyring, never into the settings. All but ``status`` open this PC's own data file
only, so they work while the shared database cannot be reached.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core import i18n, ledger, paths, settings, store
from core.cli.output import EXIT_OK, EXIT_SOME_FAILED, emit
from core.errors import ConfigError
from core.i18n import t
from core.team import connection, schema
from core.team import move as moving
from core.team.status import status


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("team", help="several PCs on one shared PostgreSQL database")
    actions = parser.add_subparsers(dest="team_action", required=True, metavar="ACTION")
    for name, handler, text in (
        ("init", _init, "create the team schema in an empty database and connect this PC"),
        ("join", _join, "connect this PC to a team database"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("url", metavar="URL", help="postgresql://user@host:port/database")
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=handler, needs_store=False)
    for name, handler, text, needs in (
        ("leave", _leave, "use this PC's own data file again", False),
        ("move", _move, "copy this PC's data folder into the team database", False),
        ("status", _status, "PCs seen, their last activity, sheets being sent or unknown", True),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("--json", action="store_true")
        action.set_defaults(handler=handler, needs_store=needs)


@contextmanager
def _local(args: argparse.Namespace) -> Iterator[Path]:
    """This PC's own data file, bound as the store (never the shared database)."""
    path = paths.database_path(paths.data_dir(args.data_dir))
    store.open_database(path)
    try:
        with store.data_file_errors(path):
            i18n.set_language(args.lang or settings.get("ui.lang"))
            yield path
    finally:
        store.close_database()


def _connect(args: argparse.Namespace) -> tuple[str, connection.TeamDatabase]:
    url, password = connection.split_password(args.url)
    connection.check_url(url)
    if password:
        connection.store_password(password)
    return url, connection.connect(url)


def _init(args: argparse.Namespace) -> int:
    return _connect_pc(args, schema.create, lambda url: t(
        f"已在 {url} 建立团队数据库，本机已连接。把本机已有的数据移入：team move",
        f"The team database is set up at {url} and this PC is connected. To bring this PC's data in: team move"))


def _join(args: argparse.Namespace) -> int:
    return _connect_pc(args, schema.check, lambda url: t(
        f"本机已连接团队数据库 {url}。", f"This PC now uses the team database {url}."))


def _connect_pc(args: argparse.Namespace, prepare: Callable[[connection.TeamDatabase, str], object],
                said: Callable[[str], str]) -> int:
    """Reach the team database, ``prepare`` it (create its schema, or check it), then keep its address on this PC."""
    with _local(args):
        url, database = _connect(args)
        try:
            prepare(database, url)
        finally:
            database.close()
        settings.set_value("team.url", url)
        emit(args, {"ok": True, "url": url}, said(url))
    return EXIT_OK


def _leave(args: argparse.Namespace) -> int:
    with _local(args) as path:
        settings.set_value("team.url", "")
        emit(
            args,
            {"ok": True, "file": str(path)},
            t(f"本机改回使用自己的数据文件 {path}。", f"This PC uses its own data file {path} again."),
        )
    return EXIT_OK


def _move(args: argparse.Namespace) -> int:
    with _local(args) as path:
        url = settings.get("team.url")
        if not url:
            raise ConfigError(
                "本机还没有连接团队数据库：请先运行 team init 或 team join。",
                "This PC is not connected to a team database: run team init or team join first.",
            )
        ledger.recover()  # pushes this PC left interrupted become unknown first: they move as unknown
        if moving.sending_rows(path):
            raise ConfigError(
                "本机另一个退货单同步助手正在推送，没有移入任何数据。请等它结束后再运行 team move。",
                "Another ReturnSync on this PC is pushing; nothing was moved. Run team move again once "
                "it has finished.",
            )
        database = connection.connect(url)
        try:
            schema.check(database, url)
            try:
                result = moving.move(path, database)
            except Exception as exc:
                if connection.is_lost(exc):
                    raise connection.lost(
                        "已移入的部分保留；再次运行 team move 即可继续。",
                        "What was moved is kept; run team move again to carry on.",
                        exc,
                    ) from exc
                raise
        finally:
            database.close()
    counts = "，".join(f"{name} {count}" for name, count in result.counts.items())
    lines = [
        t(
            f"已把 {path} 移入 {url}（写入的行：{counts}）。再次运行不会重复写入。",
            f"{path} is moved into {url} (rows written: {', '.join(f'{k} {v}' for k, v in result.counts.items())}). "
            "Running it again writes nothing twice.",
        )
    ]
    if result.conflicts:
        lines.append(
            t(
                f"{len(result.conflicts)} 张单据两边都可能已入账精诚，没有合并，请在精诚中核对：",
                f"{len(result.conflicts)} sheets may be booked in Jingcheng from both sides; they were not "
                "merged — check them in Jingcheng:",
            )
        )
        lines += [
            t(
                f"  {c.code}（{c.sheet_id}）：本机 {c.moved_status} {c.moved_sheet_no or ''}，"
                f"团队 {c.shared_status} {c.shared_sheet_no or ''}",
                f"  {c.code} ({c.sheet_id}): here {c.moved_status} {c.moved_sheet_no or ''}, "
                f"team {c.shared_status} {c.shared_sheet_no or ''}",
            )
            for c in result.conflicts
        ]
    emit(args, {"ok": not result.conflicts, **result.as_json()}, "\n".join(lines))
    return EXIT_SOME_FAILED if result.conflicts else EXIT_OK


def _status(args: argparse.Namespace) -> int:
    if not connection.shared():
        raise ConfigError(
            "本机没有使用团队数据库（team.url 未设置）。", "This PC uses no team database (team.url is not set)."
        )
    found = status(store.db.obj, settings.get("team.url"))
    lines = [
        t(f"团队数据库 {found.url}（架构 {found.versions}）", f"Team database {found.url} (schema {found.versions})"),
        t("电脑：", "PCs:"),
    ]
    lines += [f"  {p.pc} / {p.os_user}  {p.last_seen}  {p.last_action}" for p in found.pcs]
    lines.append(
        t(
            f"推送中或状态未知的单据：{len(found.open_sheets)}",
            f"Sheets being sent or unknown: {len(found.open_sheets)}",
        )
    )
    for sheet in found.open_sheets:
        lease = (
            ""
            if sheet.lease_left_seconds is None
            else t(f" 租约余 {sheet.lease_left_seconds:.0f} 秒", f" lease left {sheet.lease_left_seconds:.0f} s")
        )
        lines.append(f"  {sheet.code} {sheet.status} {sheet.holder} {sheet.claimed_at}{lease}")
    if found.conflicts:
        lines.append(
            t(f"移入时发现的冲突：{len(found.conflicts)}", f"Conflicts found by moves: {len(found.conflicts)}")
        )
        lines += [f"  {c.code} ({c.sheet_id}) {c.moved_status}/{c.shared_status}" for c in found.conflicts]
    emit(args, {"ok": True, **found.as_json()}, "\n".join(lines))
    return EXIT_OK
