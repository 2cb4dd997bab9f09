"""Push 1,000 sheets to the sandbox's 精诚 (20 ms latency) and compare with the network floor.

    python bench/push.py [--sheets N] [--latency-ms MS]

The floor is measured, not assumed: the same sheet bodies POSTed bare over one requests.Session
to a second sandbox with the same latency. The push is timed whole — mapping, ledger claims and
outcomes (two committed transactions per sheet, synchronous=full), sync-log rows — in a temporary
data folder with an in-memory keyring. Target: push / floor <= 1.3.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring  # noqa: E402
import requests  # noqa: E402

from core import credentials, push, settings, store  # noqa: E402
from core.pull import store_window  # noqa: E402
from core.sandbox import Sandbox  # noqa: E402
from core.sandbox.memory_keyring import MemoryKeyring  # noqa: E402
from core.store import ReturnRecord  # noqa: E402
from core.timeutil import now_china  # noqa: E402

TARGET_RATIO = 1.3


def ready_sheets(count: int) -> list[push.Preview]:
    codes = [row.code for row in ReturnRecord.select(ReturnRecord.code).order_by(ReturnRecord.code)]
    ready = [p for p in push.previews(codes) if p.ready]
    if len(ready) < count:
        raise SystemExit(f"only {len(ready)} ready returns in the sandbox; raise the number of returns")
    return ready[:count]


def bare_floor(bodies: list[bytes], latency_ms: int) -> float:
    """Seconds for the same POSTs with nothing around them."""
    with Sandbox(returns=0, seed=2, latency_ms=latency_ms) as sb, requests.Session() as session:
        url = sb.jingcheng_url + "/ExtApi_RecvExSheet"
        headers = {"Authorization": f"Bearer {sb.credentials['jingcheng']['token']}",
                   "Content-Type": "application/json; charset=utf-8"}
        session.post(url, data=bodies[0], headers=headers, timeout=(5, 30))  # connect before timing
        began = time.perf_counter()
        for body in bodies:
            session.post(url, data=body, headers=headers, timeout=(5, 30)).raise_for_status()
        return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="returnsync-bench-") as folder, \
            Sandbox(returns=args.sheets * 2, days=60, seed=1, latency_ms=args.latency_ms) as sb:
        store.open_database(Path(folder) / "bench.sqlite3")
        try:
            settings.set_value("jingcheng.url", sb.jingcheng_url)
            credentials.store("jingcheng", sb.credentials["jingcheng"])
            store_window({r["code"]: r for r in sb.guanyi.records}, now_china())
            sheets = ready_sheets(args.sheets)
            floor = bare_floor([p.mapped.sheet.body() for p in sheets], args.latency_ms)

            began = time.perf_counter()
            result = push.push([p.code for p in sheets])
            wall = time.perf_counter() - began
        finally:
            store.close_database()
        posted = result.counts().get("posted", 0)
        twice = sb.jingcheng.duplicates()
    nominal = args.sheets * args.latency_ms / 1000
    ratio = wall / floor
    verdict = "ok" if ratio <= TARGET_RATIO and posted == args.sheets and not twice else "MISSED"
    print(f"sheets {args.sheets}  posted {posted}  duplicates {len(twice)}")
    print(f"push wall time      {wall:7.2f} s   ({wall / args.sheets * 1000:.2f} ms per sheet)")
    print(f"network floor       {floor:7.2f} s   (bare POSTs, one session; nominal {nominal:.2f} s)")
    print(f"overhead            {(wall - floor) / args.sheets * 1000:7.2f} ms per sheet (mapping, ledger, log)")
    print(f"ratio               {ratio:7.3f}     (target <= {TARGET_RATIO}: {verdict})")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
