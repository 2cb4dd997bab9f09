"""``data restore-copy [--copy FILE] [--force] [--json]``: put the newest automatic copy of a damaged data file in its
place (:func:`core.store.restore_copy`). The data file is not opened for it: it may not open at all."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from core import backup, paths, store
from core.cli.output import EXIT_OK, emit
from core.errors import ConfigError
from core.i18n import t


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("data", help="the data file itself")
    actions = parser.add_subparsers(dest="data_action", required=True, metavar="ACTION")
    restore = actions.add_parser("restore-copy", help="put the latest automatic copy in the place of a damaged data "
                                                      "file (which is kept, renamed)")
    restore.add_argument("--copy", metavar="FILE", help="this copy instead of the latest")
    restore.add_argument("--force", action="store_true", help="even if the data file reads well")
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(handler=_restore, needs_store=False)


def _restore(args: argparse.Namespace) -> int:
    database = paths.database_path(paths.data_dir(args.data_dir))
    copy = Path(args.copy) if args.copy else None
    if database.exists() and not args.force:
        verdict = store.quick_check(database)
        if verdict == "ok":
            raise ConfigError(
                f"数据文件 {database} 可以正常读取，没有换回副本（换回会丢失副本之后的数据）。",
                f"The data file {database} reads well; no copy was put in its place (that would lose what was stored "
                "after the copy was taken).",
            )
    backup.refuse_if_in_use(database)
    try:
        restored = store.restore_copy(database, copy)
    except OSError as exc:
        raise ConfigError(
            f"无法换回副本（{exc}）：可能有另一个程序正在使用数据文件。数据文件没有改动。",
            f"The copy could not be put in place ({exc}): another program may be using the data file. The data file "
            "was not changed.",
        ) from exc
    payload, text = replaced(database, restored.copy, restored.taken, restored.kept, restored.carried)
    emit(args, payload, text)
    return EXIT_OK


def replaced(
    database: Path, copy: Path, taken: datetime | None, kept: Path | None, carried: int | None
) -> tuple[dict, str]:
    """What ``data restore-copy`` and ``restore`` say once ``copy`` is the data file ``database``: the JSON payload and
    the human text (the file kept aside, the ledger rows carried over, what must be pulled again)."""
    when = f"{taken:%Y-%m-%d %H:%M}" if taken else "?"
    kept_zh = f"原来的文件保留为 {kept}。" if kept else ""
    kept_en = f" The file it replaced is kept as {kept}." if kept else ""
    if kept is None:
        ledger_zh = ledger_en = ""
    elif carried is None:
        ledger_zh = "原文件的推送台账无法读出：副本之后的推送不在台账中，再次推送前请先在精诚中核对。"
        ledger_en = (" The push ledger of the file it replaced could not be read: pushes made after the copy was taken "
                     "are not in the ledger, so check in Jingcheng before pushing again.")
    else:
        ledger_zh = f"从原文件中读出并带回了 {carried} 条推送台账记录。"
        ledger_en = f" {carried} push ledger rows were read from the file it replaced and carried over."
    payload = {"ok": True, "copy": str(copy), "kept": str(kept) if kept else None, "taken": when,
               "file": str(database), "ledger_rows_carried": carried}
    text = t(f"已用副本 {copy.name}（{when}）换回数据文件 {database}。{kept_zh}{ledger_zh}"
             "副本之后拉取的退货单需要重新拉取。",
             f"The data file {database} is now the copy {copy.name} (taken {when}).{kept_en}{ledger_en} Returns pulled "
             "after that must be pulled again.")
    return payload, text
