"""The command line's ``pull`` and ``push`` killed with SIGKILL at seeded random moments, against a sandbox running in a
process of its own (``main.py sandbox``), and what must hold after each kill (issue 10): the data file passes
``PRAGMA integrity_check``, the ledger and what 精诚 received agree, and a pull run to its end completes the range.

Shared by ``tests/reliability/test_kills.py`` and ``bench/reliability.py``. A :class:`Lane` is one data folder
against one sandbox: lanes share nothing, so several run side by side, one thread each.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import keyring
import requests

from core import credentials, settings, store
from core.paths import database_path
from core.sandbox.jingcheng_sim import SHEETS_PATH
from core.timeutil import format_datetime, parse_datetime
from tests.support.cli import ROOT
from tests.support.file_keyring import TestFileKeyring
from tests.support.wire import fetch_all

# A sheet 精诚 holds may be posted, or in doubt; "sending" only until the next process starts (start-up recovery
# makes a killed sender's claim "unknown").
HELD = frozenset({"posted", "unknown"})
_configuring = threading.Lock()  # the store and the keyring are this process's, one lane at a time


@dataclass
class RemoteSandbox:
    """``main.py sandbox`` in a child process, and what it printed: addresses, credentials, the range of its data."""

    process: subprocess.Popen
    info: dict

    @classmethod
    def start(
        cls, *, returns: int, days: int, seed: int, latency_ms: int, faults: tuple[str, ...] = ()
    ) -> RemoteSandbox:
        command = [
            sys.executable,
            str(ROOT / "main.py"),
            "sandbox",
            "--returns",
            str(returns),
            "--days",
            str(days),
            "--seed",
            str(seed),
            "--latency-ms",
            str(latency_ms),
            *(f"--fault={f}" for f in faults),
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8", cwd=ROOT)
        line = process.stdout.readline() if process.stdout else ""
        if not line:
            process.kill()
            raise RuntimeError("the sandbox did not start")
        return cls(process, json.loads(line))

    def stop(self) -> None:
        self.process.terminate()  # the sandbox command stops on SIGTERM
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    @property
    def credentials(self) -> dict:
        return self.info["credentials"]

    @property
    def guanyi_url(self) -> str:
        return self.info["guanyi_url"]

    @property
    def jingcheng_url(self) -> str:
        return self.info["jingcheng_url"]

    def range(self) -> tuple[str, str]:
        """``--from`` and ``--to`` of a pull that covers every return the sandbox holds."""
        end = parse_datetime(self.info["end"])
        return (end - timedelta(days=self.info["days"] + 1)).strftime("%Y-%m-%d"), format_datetime(end)

    def received_codes(self) -> set[str]:
        """Every code a pull of :meth:`range` must bring: received, not cancelled — asked of the sandbox over the
        wire, signed as the real API wants, apart from the app's own pull."""
        start, end = self.range()
        codes, _ = fetch_all(
            self, {"in_begin_time": f"{start} 00:00:00", "in_end_time": end, "receive": 1, "cancel": 0}, page_size=100
        )
        return set(codes)

    def sheets(self) -> Counter[str]:
        """SheetID -> how many times 精诚 accepted it (``GET /_sandbox/sheets``, the simulator's own record)."""
        reply = requests.get(self.jingcheng_url + SHEETS_PATH, timeout=10)
        reply.raise_for_status()
        return Counter(sheet["SheetID"] for sheet in reply.json())


@dataclass
class Tally:
    """What a run of kills came to."""

    kills: int = 0
    finished: int = 0  # processes that ended before their moment came
    restarts: int = 0  # pulls run to their end, the range then checked complete
    lost: int = 0  # returns the sandbox holds that a completed pull did not bring into the file
    twice: int = 0  # sheets 精诚 accepted more than once
    problems: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.kills += other.kills
        self.finished += other.finished
        self.restarts += other.restarts
        self.lost += other.lost
        self.twice += other.twice
        self.problems += other.problems


def disagreements(ledger: dict[str, str], received: Counter[str], *, settled: bool) -> list[str]:
    """Where the ledger (SheetID -> status) and 精诚 (SheetID -> times accepted) disagree: a sheet accepted more than
    once; a ``posted`` sheet not accepted exactly once; an accepted sheet neither ``posted`` nor ``unknown`` (nor, when
    not ``settled`` — before the next start's recovery — ``sending``)."""
    allowed = HELD if settled else HELD | {"sending"}
    found = [f"{sheet_id} was accepted by 精诚 {n} times" for sheet_id, n in received.items() if n > 1]
    found += [
        f"{sheet_id} is posted in the ledger, accepted by 精诚 {received[sheet_id]} times"
        for sheet_id, status in ledger.items()
        if status == "posted" and received[sheet_id] != 1
    ]
    found += [
        f"{sheet_id} was accepted by 精诚 but is {ledger.get(sheet_id)} in the ledger"
        for sheet_id in received
        if ledger.get(sheet_id) not in allowed
    ]
    return found


def child_env(keyring_file: Path) -> dict[str, str]:
    """The environment of ``main.py`` children whose keyring is the test keyring file ``keyring_file``."""
    env = dict(os.environ)
    env.update(
        PYTHON_KEYRING_BACKEND="tests.support.file_keyring.TestFileKeyring",
        RETURNSYNC_TEST_KEYRING=str(keyring_file),
        PYTHONIOENCODING="utf-8",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


class Lane:
    """One data folder, configured for one sandbox as a user would (settings in the file, credentials in the
    keyring), whose pulls and pushes are killed."""

    def __init__(
        self, folder: Path, sandbox: RemoteSandbox, *, page_size: int = 20, extra_settings: dict[str, str] | None = None
    ) -> None:
        self.sandbox = sandbox
        self.data_dir = folder / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = database_path(self.data_dir)
        self.keyring_file = folder / "keyring.json"
        self.env = child_env(self.keyring_file)
        self.outputs: list[str] = []  # what the processes printed on stderr
        self.expected = sandbox.received_codes()
        self._configure(
            {
                "guanyi.url": sandbox.guanyi_url,
                "jingcheng.url": sandbox.jingcheng_url,
                "jingcheng.auth": sandbox.info["jingcheng_auth"],
                "guanyi.page_size": str(page_size),
                "pull.window_days": "1",
                "guanyi.connect_timeout": "2",
                "guanyi.read_timeout": "3",
                "jingcheng.connect_timeout": "2",
                "jingcheng.read_timeout": "3",
                **(extra_settings or {}),
            }
        )

    def _configure(self, values: dict[str, str]) -> None:
        with _configuring:
            previous_keyring, previous_file = keyring.get_keyring(), os.environ.get("RETURNSYNC_TEST_KEYRING")
            os.environ["RETURNSYNC_TEST_KEYRING"] = str(self.keyring_file)
            keyring.set_keyring(TestFileKeyring())
            store.open_database(self.path)
            try:
                for key, value in values.items():
                    settings.set_value(key, value)
                for kind in ("guanyi", "jingcheng"):
                    if self.sandbox.credentials[kind]:
                        credentials.store(kind, self.sandbox.credentials[kind])
            finally:
                store.close_database()
                keyring.set_keyring(previous_keyring)
                if previous_file is None:
                    os.environ.pop("RETURNSYNC_TEST_KEYRING", None)
                else:
                    os.environ["RETURNSYNC_TEST_KEYRING"] = previous_file

    def command(self, name: str) -> list[str]:
        """The arguments of ``pull`` (the sandbox's whole range) or ``push`` (every ready return)."""
        start, end = self.sandbox.range()
        args = ["pull", "--from", start, "--to", end] if name == "pull" else ["push", "--all-ready"]
        return [sys.executable, str(ROOT / "main.py"), "--data-dir", str(self.data_dir), *args]

    def start(self, name: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(name), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, cwd=ROOT
        )

    def kill_at(self, name: str, moment: float, tally: Tally) -> float | None:
        """Start ``name`` and SIGKILL it ``moment`` seconds later, then check the file and the ledger against 精诚 as
        the next process will find them. Returns how long the process lived if it ended before its moment."""
        began = time.perf_counter()
        process = self.start(name)
        lived = None
        try:
            _, err = process.communicate(timeout=moment)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            _, err = process.communicate()
            self.outputs.append(err.decode("utf-8", "replace"))
            tally.kills += 1
        else:
            lived = time.perf_counter() - began
            tally.finished += 1
            self._no_traceback(name, err, tally)
        self.check(tally, settled=False)
        return lived

    def restart(self, tally: Tally) -> None:
        """A pull run to its end after the kills: it must end well and bring every return the sandbox holds; then the
        ledger, recovered at its start, must agree with 精诚 strictly."""
        process = self.start("pull")
        _, err = process.communicate(timeout=120)
        tally.restarts += 1
        self._no_traceback("pull", err, tally)
        if process.returncode != 0:
            tally.problems.append(f"{self.data_dir}: a pull after the kills exited {process.returncode}: {err[-500:]}")
        with self._connection() as connection:
            stored = {row[0] for row in connection.execute("SELECT code FROM return_record")}
        missing = self.expected - stored
        tally.lost += len(missing)
        if missing:
            tally.problems.append(f"{self.data_dir}: returns not in the file after a whole pull: {sorted(missing)[:5]}")
        self.check(tally, settled=True)

    def check(self, tally: Tally, *, settled: bool) -> None:
        """The file intact; every sheet ``posted`` in the ledger accepted by 精诚 exactly once; every sheet 精诚
        accepted ``posted`` or ``unknown`` (or, before the next start's recovery — not ``settled`` — ``sending``)."""
        with self._connection() as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchall()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            ledger = (
                dict(connection.execute("SELECT sheet_id, status FROM ledger_entry"))
                if "ledger_entry" in tables
                else {}
            )
        if verdict != [("ok",)]:
            tally.problems.append(f"{self.path}: integrity_check says {verdict[:3]}")
        received = self.sandbox.sheets()
        tally.twice = max(tally.twice, sum(1 for n in received.values() if n > 1))
        tally.problems += disagreements(ledger, received, settled=settled)

    @contextlib.contextmanager
    def _connection(self):
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            yield connection
        finally:
            connection.close()

    def _no_traceback(self, name: str, err: bytes, tally: Tally) -> None:
        text = err.decode("utf-8", "replace")
        self.outputs.append(text)
        if "Traceback" in text:
            tally.problems.append(f"{name} printed a traceback: {text[-800:]}")


def run_lane(lane: Lane, kills: int, rng: random.Random, *, work: float = 1.0, restart_every: int = 6) -> Tally:
    """``kills`` pulls and pushes killed at moments drawn from ``rng``, a pull run to its end after each
    ``restart_every``, and one more at the end. The moments span a process's start-up, as measured on this machine
    now (a busy machine starts slower), and ``work`` seconds more — less once a process of the kind ended sooner (a
    push with nothing left to send), so that the moments keep landing inside the processes."""
    tally = Tally()
    longest = dict.fromkeys(("pull", "push"), startup_seconds(lane.env) * 1.2 + work)
    started = 0
    while tally.kills < kills:
        name = ("pull", "push")[started % 2]
        lived = lane.kill_at(name, rng.uniform(0.1, longest[name]), tally)
        if lived is not None:
            longest[name] = min(longest[name], max(lived * 0.9, 0.2))
        started += 1
        if started % restart_every == 0:
            lane.restart(tally)
    lane.restart(tally)
    return tally


def startup_seconds(env: dict[str, str]) -> float:
    """How long ``main.py`` takes to load its command line here and now."""
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--version"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return time.perf_counter() - began


def run_lanes(lanes: list[Lane], kills: int, seed: int, **options: float) -> Tally:
    """:func:`run_lane` on each lane in a thread of its own, the kills shared out; the tallies summed."""
    tallies = [Tally() for _ in lanes]
    share = [kills // len(lanes) + (i < kills % len(lanes)) for i in range(len(lanes))]

    def run(index: int) -> None:
        try:
            tallies[index] = run_lane(lanes[index], share[index], random.Random(f"kills-{seed}-{index}"), **options)
        except Exception as exc:  # said in the tally, so the caller sees it with the rest
            tallies[index].problems.append(f"lane {index} broke: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i,), name=f"kill-lane-{i}") for i in range(len(lanes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total
