"""A longer seeded run of the reliability checks (issue 10): faults of every kind in pulls and pushes, kills, secrets.

    python bench/reliability.py [--seed N] [--scenarios N] [--kills N]

Scenarios go round the fault matrix: each fault mode of the sandbox's 管易云 for a pull (HTTP 500/502/503/429, a
timeout, a reset, a body cut off mid-way, truncated JSON or an HTML page with status 200, an envelope without
``tradeReturns`` or ``total``, ``total`` drifting, duplicates across pages, records vanishing, a server that never
answers) and of its 精诚 for a push (Flag 0, 500, 503, 401, a late reply, a timeout after the sheet is booked and one
before it is looked at, a reset). Each scenario has a sandbox, a data file and a rate of its own, drawn from the seed,
with the transport (direct or 奇门) and the 精诚 authentication; its sandbox accepts known secret strings. A pull
scenario pulls "since last" under the faults, then again without them: what it stored under a watermark it moved,
and in the end everything, must be every return the sandbox holds; a pull that fails must say why (a ReturnSyncError,
never another exception). A push scenario pushes every ready return under the faults, then --all-ready without
them: the ledger and what 精诚 accepted must agree after each. Meanwhile the command line's pull and push are killed
(tests/support/kills.py) in two data folders against sandboxes of their own. At the end every file of every data
folder and everything printed or logged is scanned for the secrets and every ``sign`` or authorisation value that
went over the wire.

Returns lost, sheets posted twice, secrets found, unclear errors and ledger disagreements must all be 0.
"""

from __future__ import annotations

import argparse
import io
import logging
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring  # noqa: E402

from core import credentials, push, settings, store  # noqa: E402
from core.errors import ReturnSyncError  # noqa: E402
from core.guanyi.client import client_from_settings  # noqa: E402
from core.paths import database_path  # noqa: E402
from core.pull import pull_since_last  # noqa: E402
from core.sandbox import Sandbox  # noqa: E402
from core.sandbox import sandbox as sandbox_module  # noqa: E402
from core.sandbox.faults import GUANYI_FAULTS, JINGCHENG_FAULTS  # noqa: E402
from core.sandbox.memory_keyring import MemoryKeyring  # noqa: E402
from core.store import LedgerEntry, ReturnRecord, Watermark  # noqa: E402
from tests.support.kills import Lane, RemoteSandbox, Tally, disagreements, run_lanes  # noqa: E402
from tests.support.pushing import load_returns, ready_codes, use_sandbox  # noqa: E402
from tests.support.secrets import (  # noqa: E402
    GUANYI,
    QIMEN,
    Wire,
    files_of,
    known_credentials,
    leaks,
    secret_values,
)

MATRIX = [("pull", kind) for kind in GUANYI_FAULTS] + [("push", kind) for kind in JINGCHENG_FAULTS]
DAYS = 3


@dataclass
class Totals:
    scenarios: int = 0
    faults: int = 0
    lost: int = 0
    twice: int = 0
    unclear: int = 0  # a failure that was not a ReturnSyncError (a traceback for the user)
    disagreements: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    needles: set[str] = field(default_factory=set)
    leaks: list[tuple[str, str, str]] = field(default_factory=list)


class Counted:
    """A sandbox's fault plan whose injected faults are counted."""

    def __init__(self, plan) -> None:
        self.plan = plan
        self.count = 0
        self._next = plan.next
        plan.next = self

    def __call__(self) -> str | None:
        fault = self._next()
        self.count += fault is not None
        return fault


def _settings(sb: Sandbox, rng: random.Random) -> None:
    transport = rng.choice(("direct", "qimen"))
    for key, value in {
        "guanyi.transport": transport,
        "guanyi.url": sb.guanyi_url,
        "qimen.url": sb.qimen_url,
        "guanyi.page_size": str(rng.choice((5, 8, 20))),
        "pull.window_days": "1",
        "guanyi.connect_timeout": "1",
        "guanyi.read_timeout": "0.3",
        "guanyi.total_timeout": "1",
        "guanyi.retries": "3",
        "pull.concurrency": str(rng.choice((1, 2))),
    }.items():
        settings.set_value(key, value)
    credentials.store("guanyi", GUANYI)
    credentials.store("qimen", QIMEN)


def _pull_scenario(sb: Sandbox, kind: str, rng: random.Random, totals: Totals) -> None:
    _settings(sb, rng)
    start = sb.end - timedelta(days=DAYS + 1)
    Watermark.insert(axis="receive", value=start).execute()
    counted = Counted(sb.guanyi.faults)
    sb.guanyi.faults.set_rate(kind, rng.uniform(0.1, 0.5))
    now = sb.end + timedelta(minutes=2)  # the range ends a minute after the sandbox's last return
    filters = {"receive": 1, "cancel": 0}
    try:
        with client_from_settings(backoff_base=0.01) as client:
            result = pull_since_last(client, now=now)
        totals.outputs += [result.summary(), *result.warnings]
    except ReturnSyncError as exc:
        totals.outputs.append(str(exc))
    except Exception as exc:  # noqa: BLE001  (what the user would see as a traceback)
        totals.unclear += 1
        totals.problems.append(f"pull {kind}: {type(exc).__name__}: {exc}")
    totals.faults += counted.count
    mark = Watermark.get(Watermark.axis == "receive").value
    stored = {row.code for row in ReturnRecord.select(ReturnRecord.code)}
    if mark > start:  # moved: everything under it must be here
        held = sb.guanyi.matching({"in_begin_time": _text(start), "in_end_time": _text(mark), **filters})
        missing = {r["code"] for r in held} - stored
        totals.lost += len(missing)
        if missing:
            totals.problems.append(f"pull {kind}: the watermark moved past {sorted(missing)[:3]}")
    sb.guanyi.faults.clear()
    with client_from_settings(backoff_base=0.01) as client:
        pull_since_last(client, now=now)
    held = sb.guanyi.matching({"in_begin_time": _text(start), "in_end_time": _text(now), **filters})
    missing = {r["code"] for r in held} - {row.code for row in ReturnRecord.select(ReturnRecord.code)}
    totals.lost += len(missing)
    if missing:
        totals.problems.append(f"pull {kind}: not in the file after a clean pull: {sorted(missing)[:3]}")


def _push_scenario(sb: Sandbox, kind: str, rng: random.Random, totals: Totals) -> None:
    use_sandbox(sb, connect_timeout="1", read_timeout="0.3")
    load_returns(sb)
    codes = ready_codes()
    counted = Counted(sb.jingcheng.faults)
    sb.jingcheng.faults.delay_seconds = rng.choice((0.05, 0.6))  # answered in time, or after the read timeout
    sb.jingcheng.faults.set_rate(kind, rng.uniform(0.1, 0.5))
    for run in ({"codes": codes}, {"all_ready": True}):
        try:
            result = push.push(**run)
            totals.outputs += [result.summary(), *(item.message for item in result.items)]
        except ReturnSyncError as exc:
            totals.outputs.append(str(exc))
        except Exception as exc:  # noqa: BLE001
            totals.unclear += 1
            totals.problems.append(f"push {kind}: {type(exc).__name__}: {exc}")
        received = Counter(sb.jingcheng.sheet_ids())
        ledger = {row.sheet_id: row.status for row in LedgerEntry.select()}
        found = disagreements(ledger, received, settled=True)
        totals.disagreements += len(found)
        totals.problems += [f"push {kind}: {problem}" for problem in found]
        sb.jingcheng.faults.clear()
    totals.faults += counted.count
    totals.twice += len(sb.jingcheng.duplicates())


def _text(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def scenario(index: int, seed: int, folder: Path, totals: Totals) -> None:
    side, kind = MATRIX[index % len(MATRIX)]
    rng = random.Random(f"reliability-{seed}-{index}")
    auth = rng.choice(("token", "basic", "md5-sign"))
    totals.needles.update(secret_values(auth))
    data_dir = folder / f"s{index}"
    data_dir.mkdir()
    with Sandbox(returns=30, days=DAYS, seed=rng.randrange(1_000_000), jingcheng_auth=auth) as sb:
        sb.guanyi.faults.timeout_seconds = sb.jingcheng.faults.timeout_seconds = 0.6
        wire = Wire(sb)
        store.open_database(database_path(data_dir))
        try:
            (_pull_scenario if side == "pull" else _push_scenario)(sb, kind, rng, totals)
        finally:
            store.close_database()
        totals.needles |= wire.values
    totals.leaks += leaks(totals.needles, files_of(data_dir).items())
    totals.scenarios += 1
    totals.by_kind[f"{side} {kind}"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", type=int, default=520)
    parser.add_argument("--kills", type=int, default=210)
    args = parser.parse_args()
    command = f"python bench/reliability.py --seed {args.seed} --scenarios {args.scenarios} --kills {args.kills}"
    print(command, flush=True)
    keyring.set_keyring(MemoryKeyring())
    sandbox_module.demo_credentials = known_credentials  # the in-process sandboxes accept the known secrets
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    totals, tally = Totals(), Tally()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="returnsync-reliability-") as temp:
        folder = Path(temp)
        sandboxes = [RemoteSandbox.start(returns=500, days=5, seed=args.seed + i, latency_ms=25) for i in range(2)]
        lanes = [Lane(folder / f"lane{i}", sandbox) for i, sandbox in enumerate(sandboxes)]
        try:
            killing = threading.Thread(target=lambda: tally.add(run_lanes(lanes, args.kills, args.seed)))
            if args.kills:
                killing.start()
            for index in range(args.scenarios):
                scenario(index, args.seed, folder, totals)
                if (index + 1) % 50 == 0:
                    print(f"  {index + 1} scenarios, {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
            if args.kills:
                killing.join()
        finally:
            for sandbox in sandboxes:
                sandbox.stop()
        for lane in lanes:
            needles = {v for entry in lane.sandbox.credentials.values() for v in entry.values() if len(v) > 8}
            places = [
                *files_of(lane.data_dir).items(),
                *((f"{lane.data_dir} output", text.encode()) for text in lane.outputs),
            ]
            totals.leaks += leaks(needles, places)
    handler.flush()
    texts = [*totals.outputs, logged.getvalue()]
    totals.leaks += leaks(totals.needles, ((f"output {i}", text.encode()) for i, text in enumerate(texts)))
    wall = time.perf_counter() - began
    rows = [
        ("scenarios", totals.scenarios),
        ("faults injected", totals.faults),
        ("kills", tally.kills),
        ("returns lost", totals.lost + tally.lost),
        ("sheets posted twice", totals.twice + tally.twice),
        ("secrets found", len(totals.leaks)),
        ("unclear errors", totals.unclear),
        ("ledger ≠ 精诚", totals.disagreements + len(tally.problems)),
    ]
    print(f"{'':22}{'count':>8}")
    for name, value in rows:
        print(f"{name:22}{value:>8}")
    print(
        f"wall time {wall:.0f} s; {len(MATRIX)} fault modes, each {min(totals.by_kind.values(), default=0)}+ times; "
        f"{tally.restarts} pulls run to their end after kills"
    )
    for problem in [*totals.problems, *tally.problems, *map(repr, totals.leaks)][:20]:
        print("!", problem)
    bad = any(value for name, value in rows[3:])
    enough = totals.scenarios >= 500 and tally.kills >= 200
    print("verdict:", "ok" if not bad and enough else ("MISSED" if bad else "ok, but a short run"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
