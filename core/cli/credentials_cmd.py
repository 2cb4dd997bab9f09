"""``credentials set guanyi|qimen|jingcheng`` (one JSON object on stdin) and ``credentials check``."""

from __future__ import annotations

import argparse
import sys

from core import credentials, settings, store
from core.cli.output import EXIT_OK, EXIT_USAGE, emit
from core.i18n import t


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("credentials", help="store or check credentials in the system keyring")
    actions = parser.add_subparsers(dest="credentials_action", required=True, metavar="ACTION")
    set_ = actions.add_parser("set", help="read one JSON object on stdin into the keyring")
    set_.add_argument("kind", choices=credentials.KINDS)
    set_.add_argument("--json", action="store_true")
    set_.set_defaults(handler=_set)
    check = actions.add_parser("check", help="which credentials are present (never their values)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_check)


def _set(args: argparse.Namespace) -> int:
    auth = settings.get("jingcheng.auth")
    values = credentials.parse_input(args.kind, sys.stdin.read(), auth)
    credentials.store(args.kind, values)
    store.write_log("credentials", "ok", f"{args.kind}: {', '.join(sorted(values))}")
    emit(
        args,
        {"ok": True, "kind": args.kind, "fields": sorted(values)},
        t(f"已将 {args.kind} 凭据存入系统钥匙串（字段：{', '.join(sorted(values))}）。",
          f"Stored {args.kind} credentials in the system keyring (fields: {', '.join(sorted(values))})."),
    )
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    transport = settings.get("guanyi.transport")
    report = credentials.check(settings.get("jingcheng.auth"), transport)
    needed = ["guanyi", "jingcheng"] + (["qimen"] if transport == "qimen" else [])
    lines = []
    for kind, info in report.items():
        state = (t("完整", "complete") if info["complete"]
                 else t("不完整", "incomplete") if info["present"] else t("未设置", "not set"))
        need = t("（需要）", " (needed)") if kind in needed else ""
        lines.append(f"{kind}: {state}{need}  {', '.join(info['fields'])}")
    ok = all(report[k]["complete"] for k in needed)
    emit(args, {"ok": ok, "credentials": report, "needed": needed}, "\n".join(lines))
    return EXIT_OK if ok else EXIT_USAGE
