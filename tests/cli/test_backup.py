"""``backup FILE`` and ``restore FILE`` through the real command line: a backup taken while a pull writes in another
process (``main.py pull`` against the sandbox on loopback) passes ``PRAGMA integrity_check`` and restores; a restore
refuses what is not a ReturnSync data file of this version, a data file another process has open, and (without
--force) replacing a data file; the file it replaces is kept aside."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core import store
from core.paths import database_path
from core.sandbox import Sandbox
from tests.support.cli import ok, start_main


def _query(path: Path, sql: str):
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)) as con:
        return con.execute(sql).fetchone()[0]


def _returns(path: Path) -> int:
    try:
        return _query(path, "SELECT count(*) FROM return_record")
    except sqlite3.OperationalError:  # the child has not made the table yet
        return 0


def test_backup_while_a_pull_runs_in_another_process_passes_integrity_check_and_restores(
    cli, child_env, data_dir, tmp_path
):
    with Sandbox(returns=400, days=8, seed=41, latency_ms=40) as sb:
        ok(cli("credentials", "set", "guanyi", stdin=json.dumps(sb.credentials["guanyi"])))
        for key, value in (("guanyi.url", sb.guanyi_url), ("guanyi.page_size", "10")):
            ok(cli("config", "set", key, value))
        since = (sb.end - timedelta(days=sb.days)).strftime("%Y-%m-%d")
        child = start_main(child_env, data_dir, "pull", "--from", since, "--to", sb.end.date().isoformat(), "--json")
        path = database_path(data_dir)
        taken: list[tuple[Path, int]] = []
        try:
            deadline = time.monotonic() + 60
            while child.poll() is None and time.monotonic() < deadline:
                if _returns(path) == 0:
                    time.sleep(0.02)
                    continue
                target = tmp_path / f"during-{len(taken)}.sqlite3"
                made = ok(cli("backup", str(target), "--json")).json()
                if child.poll() is None:  # the pull was still writing when the backup ended
                    taken.append((target, made["returns"]))
                time.sleep(0.1)
            out, err = child.communicate(timeout=60)
        finally:
            child.kill()
        assert child.returncode == 0, out + err
    assert taken, "the pull ended before a backup could be taken while it ran"
    pulled = json.loads(out)["count"]
    for target, held in taken:
        assert _query(target, "PRAGMA integrity_check") == "ok"
        assert _query(target, "SELECT count(*) FROM return_record") == held
    target, held = taken[-1]
    assert 0 < held <= pulled
    restored = ok(cli("--lang", "en", "restore", str(target), "--force", "--json")).json()
    assert restored["ok"] and _returns(path) == held and _query(path, "PRAGMA integrity_check") == "ok"
    kept = Path(restored["kept"])
    assert kept.parent == data_dir and _returns(kept) == pulled  # the file it replaced, aside and whole
    assert ok(cli("list", "--json")).json()["count"] == held


@pytest.fixture
def saved(cli, data_dir, tmp_path) -> Path:
    """A backup of a data file that holds one setting."""
    ok(cli("config", "set", "guanyi.page_size", "77"))
    return Path(ok(cli("backup", str(tmp_path / "saved.sqlite3"), "--json")).json()["file"])


def test_restore_refuses_other_files_and_a_newer_version(cli, data_dir, tmp_path, saved):
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as con:
        con.execute("CREATE TABLE t (x)")
    random = tmp_path / "random.bin"
    random.write_bytes(os.urandom(4096))
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(saved.read_bytes())
    with contextlib.closing(sqlite3.connect(newer)) as con:
        con.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    before = database_path(data_dir).read_bytes()
    for file, words in (
        (other, "is not a ReturnSync data file"),
        (random, "is not a ReturnSync data file"),
        (newer, "newer version of ReturnSync"),
    ):
        refused = cli("--lang", "en", "restore", str(file), "--force", "--json")
        assert refused.code == 2 and refused.json()["ok"] is False and words in refused.stderr, refused
        assert "Traceback" not in refused.stderr
    zh = cli("--lang", "zh_CN", "restore", str(newer), "--force")
    assert zh.code == 2 and "更新版本" in zh.stderr
    assert database_path(data_dir).read_bytes() == before
    assert sorted(p.name for p in data_dir.iterdir() if ".before-restore-" in p.name) == []


def test_restore_asks_for_force_then_keeps_the_data_file_aside(cli, data_dir, saved):
    ok(cli("config", "set", "guanyi.page_size", "99"))  # after the backup
    asked = cli("--lang", "en", "restore", str(saved))
    assert asked.code == 2 and "--force" in asked.stderr and "kept in the same folder" in asked.stderr
    assert "99" in ok(cli("config", "show")).stdout
    done = ok(cli("--lang", "en", "restore", str(saved), "--force"))
    aside = f"{database_path(data_dir).name}.before-restore-"
    kept = [p for p in data_dir.iterdir() if p.name.startswith(aside) and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and str(kept[0]) in done.stdout
    assert _query(kept[0], "SELECT value FROM setting WHERE key = 'guanyi.page_size'") == "99"
    assert "77" in ok(cli("config", "show")).stdout
    assert not ok(cli("--quiet", "backup", str(saved))).stderr  # an earlier backup is replaced, silently


def test_restore_refuses_while_another_process_has_the_data_file_open(cli, data_dir, saved):
    path = database_path(data_dir)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT count(*) FROM setting').fetchone(); print('open', flush=True); time.sleep(30)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        before = path.read_bytes()
        refused = cli("--lang", "en", "restore", str(saved), "--force")
        assert refused.code == 2 and "is in use" in refused.stderr and "Nothing was changed" in refused.stderr
        assert path.read_bytes() == before
        copy_refused = cli("--lang", "en", "data", "restore-copy", "--copy", str(saved), "--force")
        assert copy_refused.code == 2 and "is in use" in copy_refused.stderr
    finally:
        holder.kill()
        holder.wait()
    ok(cli("restore", str(saved), "--force"))


def test_a_pc_in_team_mode_is_told_to_back_up_the_shared_database_not_given_a_copy_of_its_preferences(
        cli, data_dir, tmp_path):
    ok(cli("config", "set", "guanyi.page_size", "77"))
    with contextlib.closing(sqlite3.connect(database_path(data_dir))) as con, con:
        con.execute("INSERT OR REPLACE INTO setting (key, value) VALUES ('team.url', 'postgresql://me@db:5432/rs')")
    target = tmp_path / "team.sqlite3"
    refused = cli("--lang", "en", "backup", str(target))
    assert refused.code == 2 and "team mode" in refused.stderr and "pg_dump" in refused.stderr
    assert "Traceback" not in refused.stderr and not target.exists()
