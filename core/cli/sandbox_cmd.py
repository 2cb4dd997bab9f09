"""``sandbox``: both simulators in the foreground until Ctrl+C or SIGTERM (SPEC §7, §9).

It prints one JSON line — URLs, demo credentials, counts — so a script or a person can connect.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Callable

from core import settings
from core.cli.output import EXIT_OK
from core.errors import ConfigError
from core.sandbox.faults import GUANYI_FAULTS, JINGCHENG_FAULTS

_SIMULATOR_FAULTS = {"guanyi": GUANYI_FAULTS, "jingcheng": JINGCHENG_FAULTS}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("sandbox", help="run the 管易云 and 精诚 simulators in the foreground")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--guanyi-port", type=_port, default=0, metavar="N", help="0 = a free port (default)")
    parser.add_argument("--jingcheng-port", type=_port, default=0, metavar="N", help="0 = a free port (default)")
    parser.add_argument("--returns", type=_at_least(0), default=200, metavar="N", help="number of returns (200)")
    parser.add_argument("--days", type=_at_least(1), default=30, metavar="N", help="days the returns span (30)")
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="same seed, same data (1)")
    parser.add_argument("--latency-ms", type=_at_least(0), default=0, metavar="N", help="delay of every reply")
    parser.add_argument("--jingcheng-auth", choices=tuple(settings.KEYS["jingcheng.auth"].choices), default="token")
    parser.add_argument(
        "--fault", action="append", default=[], type=_fault, metavar="KIND:RATE",
        help="inject a fault at a rate in [0, 1]; KIND may be prefixed guanyi. or jingcheng., "
        f"else it applies to each simulator that knows it. guanyi: {', '.join(GUANYI_FAULTS)}; "
        f"jingcheng: {', '.join(JINGCHENG_FAULTS)}",
    )
    parser.set_defaults(handler=_run, needs_store=False)


def _run(args: argparse.Namespace) -> int:
    from core.sandbox import Sandbox  # the simulators load only for this command

    sandbox = Sandbox(
        host=args.host, guanyi_port=args.guanyi_port, jingcheng_port=args.jingcheng_port, returns=args.returns,
        days=args.days, seed=args.seed, latency_ms=args.latency_ms, jingcheng_auth=args.jingcheng_auth,
    )
    for simulator, kind, rate in (chosen for option in args.fault for chosen in option):
        getattr(sandbox, simulator).faults.set_rate(kind, rate)
    try:
        sandbox.start()
    except OSError as exc:
        raise ConfigError(
            f"沙盒无法在 {args.host} 上监听（端口被占用或地址无效）：{exc}",
            f"The sandbox cannot listen on {args.host} (port in use or bad address): {exc}",
        ) from exc
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        print(json.dumps(sandbox.info(), ensure_ascii=False), flush=True)
        # A timed wait, because an untimed one cannot be interrupted by Ctrl+C on Windows.
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sandbox.stop()
    return EXIT_OK


def _port(text: str) -> int:
    value = _at_least(0)(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port: {text}")
    return value


def _at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}: {text}")
        return value

    return parse


def _fault(text: str) -> list[tuple[str, str, float]]:
    """``[simulator.]KIND:RATE`` -> (simulator, kind, rate) for each simulator it applies to."""
    name, sep, rate_text = text.rpartition(":")
    try:
        rate = float(rate_text)
    except ValueError:
        rate = -1.0
    if not sep or not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"write KIND:RATE with RATE between 0 and 1: {text}")
    prefix, _, kind = name.rpartition(".")
    targets = [prefix] if prefix else list(_SIMULATOR_FAULTS)
    if prefix and prefix not in _SIMULATOR_FAULTS:
        raise argparse.ArgumentTypeError(f"unknown simulator {prefix!r}; use guanyi or jingcheng")
    chosen = [(simulator, kind, rate) for simulator in targets if kind in _SIMULATOR_FAULTS[simulator]]
    if not chosen:
        raise argparse.ArgumentTypeError(f"unknown fault {name!r}")
    return chosen
