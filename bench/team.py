"""Team mode through one PostgreSQL: four PCs (processes) pushing to the sandbox's 精诚 (20 ms latency).

    python bench/team.py [--server URL] [--sheets N] [--pcs N] [--latency-ms MS]

1. Overlap: each PC pushes N sheets, each sheet in the sets of two PCs, all at once — prints the sheets 精诚 booked
   twice (must be 0) and that every sheet was posted exactly once.
2. Scale: the same N sheets split into disjoint sets over the PCs, against one process pushing all N — prints the
   ratio of the wall times (target <= 0.35).

Each run has a database of its own on the server (default: the one the tests use, ``RETURNSYNC_TEST_POSTGRES`` or
postgresql://postgres@127.0.0.1:5432/test), dropped at the end, and a fresh sandbox; every PC has its own data folder
and an in-memory keyring. The time is the push alone, from a common start to the last PC done.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keyring  # noqa: E402
import psycopg  # noqa: E402

from core import credentials, ledger, push, review, settings, store  # noqa: E402
from core.pull import store_window  # noqa: E402
from core.sandbox import Sandbox  # noqa: E402
from core.sandbox.memory_keyring import MemoryKeyring  # noqa: E402
from core.store import ReturnRecord  # noqa: E402
from core.team import connection, schema  # noqa: E402
from core.timeutil import now_china  # noqa: E402

TARGET_RATIO = 0.35
SERVER = os.environ.get("RETURNSYNC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _join(folder: Path, url: str) -> None:
    """Bind this process's store to the team database through the data folder ``folder`` (made if new)."""
    folder.mkdir(parents=True, exist_ok=True)
    store.open_database(folder / "returnsync.sqlite3")
    settings.set_value("team.url", url)
    connection.open_if_set()


def _pc(folder: str, url: str, token: dict, codes: list[str], go, done) -> None:
    """One PC: join, wait for the common start, push its codes, report (posted, seconds)."""
    keyring.set_keyring(MemoryKeyring())
    credentials.store("jingcheng", token)
    _join(Path(folder), url)
    ledger.recover()
    go.wait()
    began, cpu = time.perf_counter(), time.process_time()
    result = push.push(codes)
    done.put((result.counts().get("posted", 0), time.perf_counter() - began, time.process_time() - cpu))
    connection.close_shared()
    store.close_database()


class Team:
    """A team database of its own and a sandbox whose ready returns are loaded into it."""

    def __init__(self, root: Path, returns: int, latency_ms: int) -> None:
        self.name = f"rs_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        self.url = SERVER.rsplit("/", 1)[0] + "/" + self.name
        self.root = root
        self.sandbox = Sandbox(returns=returns, days=90, seed=1, latency_ms=latency_ms)
        self.sandbox.start()
        database = connection.connect(self.url)
        schema.create(database, self.url)
        database.close()
        _join(root / "admin", self.url)
        settings.set_value("jingcheng.url", self.sandbox.jingcheng_url)
        store_window({r["code"]: r for r in self.sandbox.guanyi.records}, now_china(), context=review.Context.current())
        codes = [row.code for row in ReturnRecord.select(ReturnRecord.code).order_by(ReturnRecord.code)]
        self.ready = [p.code for p in push.previews(codes) if p.ready]
        connection.close_shared()
        store.close_database()

    def run(self, sets: list[list[str]]) -> tuple[float, list[int], float]:
        """Push each set from a PC of its own, all started together: (wall seconds, posted per PC, CPU seconds of
        the PCs' own processes)."""
        context = multiprocessing.get_context("spawn")
        go, done = context.Event(), context.Queue()
        token = self.sandbox.credentials["jingcheng"]
        pcs = [
            context.Process(target=_pc, args=(str(self.root / f"pc{i}"), self.url, token, codes, go, done))
            for i, codes in enumerate(sets)
        ]
        for pc in pcs:
            pc.start()
        time.sleep(3)  # every PC has imported, joined and recovered before the start
        began = time.perf_counter()
        go.set()
        reports = [done.get(timeout=900) for _ in pcs]
        wall = time.perf_counter() - began
        for pc in pcs:
            pc.join()
        return wall, [posted for posted, _, _ in reports], sum(cpu for _, _, cpu in reports)

    def booked(self) -> Counter[str]:
        return Counter(self.sandbox.jingcheng.sheet_ids())

    def close(self) -> None:
        self.sandbox.stop()
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _team(root: Path, needed: int, latency_ms: int) -> Team:
    team = Team(root, needed * 2, latency_ms)  # about 60 % of the sandbox's returns are ready
    if len(team.ready) < needed:
        team.close()
        raise SystemExit(f"only {len(team.ready)} ready returns in the sandbox; {needed} needed")
    return team


def overlap(root: Path, sheets: int, pcs: int, latency_ms: int) -> bool:
    distinct = sheets * pcs // 2  # each sheet in the sets of two PCs
    team = _team(root / "overlap", distinct, latency_ms)
    try:
        codes = team.ready[:distinct]
        sets = [[codes[(i * sheets // 2 + k) % distinct] for k in range(sheets)] for i in range(pcs)]
        wall, posted, _cpu = team.run(sets)
        booked = team.booked()
    finally:
        team.close()
    doubles = sum(n - 1 for n in booked.values() if n > 1)
    once = set(booked) == set(codes) and not doubles and sum(posted) == distinct
    print(f"overlap: {pcs} PCs x {sheets} sheets, {distinct} distinct, each in two sets")
    print(f"  wall {wall:7.2f} s   posted per PC {posted}")
    print(f"  doubles {doubles}   every sheet posted once: {'yes' if once else 'NO'}")
    return once


def scale(root: Path, sheets: int, pcs: int, latency_ms: int) -> bool:
    walls = []
    for count in (1, pcs):
        team = _team(root / f"scale{count}", sheets, latency_ms)
        try:
            codes = team.ready[:sheets]
            wall, posted, cpu = team.run([codes[i::count] for i in range(count)])
            assert sum(posted) == sheets and set(team.booked()) == set(codes), (posted, len(team.booked()))
        finally:
            team.close()
        walls.append(wall)
        print(
            f"scale: {count} PC(s), {sheets} disjoint sheets: wall {wall:7.2f} s "
            f"({wall / sheets * 1000:.1f} ms a sheet; the PCs' own CPU {cpu / sheets * 1000:.1f} ms a sheet)"
        )
    ratio = walls[1] / walls[0]
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    print(f"  ratio {pcs} PCs / 1 PC   {ratio:6.3f}   (target <= {TARGET_RATIO}: {verdict})")
    return ratio <= TARGET_RATIO


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="any database on the server (a database is made beside it)")
    parser.add_argument("--sheets", type=int, default=1000)
    parser.add_argument("--pcs", type=int, default=4)
    parser.add_argument("--latency-ms", type=int, default=20)
    args = parser.parse_args()
    global SERVER
    SERVER = args.server or SERVER
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="returnsync-bench-team-") as folder:
        once = overlap(Path(folder), args.sheets, args.pcs, args.latency_ms)
        fast = scale(Path(folder), args.sheets, args.pcs, args.latency_ms)
    return 0 if once and fast else 1


if __name__ == "__main__":
    sys.exit(main())
