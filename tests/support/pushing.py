"""Helpers of the push tests: point the settings and keyring at a sandbox, load its returns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from core import credentials, push, review, settings
from core.pull import store_window
from core.sandbox import Sandbox
from core.store import ReturnRecord
from core.timeutil import now_china


def use_sandbox(sb: Sandbox, *, connect_timeout: str = "2", read_timeout: str = "2", keyring: bool = True) -> None:
    """Point the settings of the bound database (and, unless ``keyring`` is false, this process's
    keyring) at the sandbox's 精诚, as a user would."""
    settings.set_value("jingcheng.url", sb.jingcheng_url)
    settings.set_value("jingcheng.auth", sb.jingcheng_auth)
    settings.set_value("jingcheng.connect_timeout", connect_timeout)
    settings.set_value("jingcheng.read_timeout", read_timeout)
    if keyring and sb.credentials["jingcheng"]:
        credentials.store("jingcheng", sb.credentials["jingcheng"])


def load_returns(sb: Sandbox) -> None:
    """The sandbox's returns in the local file, reviewed, as a pull would leave them."""
    store_window({r["code"]: r for r in sb.guanyi.records}, now_china(), context=review.Context.current())


@contextmanager
def loaded_sandbox(returns: int = 40, days: int = 10) -> Iterator[Sandbox]:
    """A sandbox (seed 11) whose 精诚 the settings and keyring point at, its returns loaded and reviewed."""
    with Sandbox(returns=returns, days=days, seed=11) as sandbox:
        use_sandbox(sandbox)
        load_returns(sandbox)
        yield sandbox


def ready_codes() -> list[str]:
    codes = [row.code for row in ReturnRecord.select(ReturnRecord.code).order_by(ReturnRecord.code)]
    return [p.code for p in push.previews(codes) if p.ready]
