"""``config show`` and ``config set KEY VALUE``."""

from __future__ import annotations

import argparse

from core import settings, settings_save
from core.cli.output import EXIT_OK, emit


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("config", help="show or change non-secret settings")
    actions = parser.add_subparsers(dest="config_action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="every setting and its value")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)
    set_ = actions.add_parser("set", help="change one setting")
    set_.add_argument("key")
    set_.add_argument("value")
    set_.add_argument("--json", action="store_true")
    set_.set_defaults(handler=_set)


def _show(args: argparse.Namespace) -> int:
    values = settings.all_settings()
    width = max(len(k) for k in values)
    lines = [f"{k.ljust(width)}  {v}    # {settings.KEYS[k].describe()}" for k, v in values.items()]
    emit(args, {"ok": True, "settings": values}, "\n".join(lines))
    return EXIT_OK


def _set(args: argparse.Namespace) -> int:
    # The Settings dialog's save: the value's own check, then the rules that look at several settings together.
    settings_save.save({args.key: args.value}, {})
    value = settings.get(args.key)
    emit(args, {"ok": True, "key": args.key, "value": value}, f"{args.key} = {value}")
    return EXIT_OK
