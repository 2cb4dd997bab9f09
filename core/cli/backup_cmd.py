"""``backup FILE`` and ``restore FILE [--force]``: a consistent copy of the data file while it is in use, and putting
one back (:mod:`core.backup`). Neither opens the data file as the app does: a restore must find it closed."""

from __future__ import annotations

import argparse
from pathlib import Path

from core import backup, paths
from core.cli.data_cmd import replaced
from core.cli.output import EXIT_OK, emit
from core.errors import ConfigError
from core.i18n import t


def register(sub: argparse._SubParsersAction) -> None:
    save = sub.add_parser("backup", help="copy the data file to FILE, consistent even while it is in use")
    save.add_argument("file", metavar="FILE")
    save.add_argument("--json", action="store_true")
    save.set_defaults(handler=_backup, needs_store=False)

    put = sub.add_parser("restore", help="put the backup FILE in place of the data file (which is kept, renamed)")
    put.add_argument("file", metavar="FILE")
    put.add_argument("--force", action="store_true", help="replace the data file there is (it is kept aside)")
    put.add_argument("--json", action="store_true")
    put.set_defaults(handler=_restore, needs_store=False)


def _database(args: argparse.Namespace) -> Path:
    return paths.database_path(paths.data_dir(args.data_dir))


def _backup(args: argparse.Namespace) -> int:
    made = backup.backup(_database(args), args.file)
    holds = made.holds
    size = f"{made.size / 1_000_000:.1f} MB"
    emit(
        args,
        {
            "ok": True,
            "file": str(made.file),
            "bytes": made.size,
            "schema": holds.schema,
            "returns": holds.returns,
            "ledger_rows": holds.ledger_rows,
        },
        t(
            f"已备份到 {made.file}（{holds.returns} 张退货单，{holds.ledger_rows} 条推送台账记录，{size}）。",
            f"Backed up to {made.file} ({holds.returns} returns, {holds.ledger_rows} push ledger rows, {size}).",
        ),
    )
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    database = _database(args)
    if database.exists() and not args.force:
        holds = backup.inspect(args.file)  # a file that cannot be restored says so first
        raise ConfigError(
            f"恢复会用 {args.file}（{holds.returns} 张退货单）替换现有的数据文件 {database}；原文件会改名保留在"
            "同一文件夹中，其推送台账会带入恢复后的文件。确认要恢复，请加 --force 再运行。",
            f"Restoring puts {args.file} ({holds.returns} returns) in place of the data file {database}; that file is "
            "kept in the same folder under another name, and its push ledger is carried into the restored one. To go "
            "ahead, run it again with --force.",
        )
    done = backup.restore(args.file, database.parent)
    payload, text = replaced(database, done.source, done.taken, done.kept, done.carried)
    payload["migrated_from"] = done.migrated_from
    if done.migrated_from is not None:
        text += t(
            f"备份来自较早的版本（数据架构 {done.migrated_from}），已升级到当前版本。",
            f" The backup was from an earlier version (schema {done.migrated_from}) and has been brought up to date.",
        )
    emit(args, payload, text)
    return EXIT_OK
