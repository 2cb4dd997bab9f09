"""Team tests run against the real PostgreSQL server (``RETURNSYNC_TEST_POSTGRES``, by default the one at
127.0.0.1:5432, database ``test``, user ``postgres``). Each test gets a database of its own, created from nothing and
dropped after, so the tests run in parallel. No server: skipped with the reason — unless
``RETURNSYNC_REQUIRE_POSTGRES=1`` (CI), which turns the skip into a failure."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from core import store
from core.paths import database_path
from core.team import connection

SERVER = os.environ.get("RETURNSYNC_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _admin() -> psycopg.Connection:
    try:
        return psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = f"no PostgreSQL server answers at {SERVER}: {str(exc).strip().splitlines()[0]}"
        if os.environ.get("RETURNSYNC_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (RETURNSYNC_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)


def url_of(name: str) -> str:
    return SERVER.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of an empty database of this test's own."""
    name = f"rs_test_{uuid.uuid4().hex[:12]}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        # A database thrown away after the test: no flush to disk at each commit (the product's databases keep it).
        admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield url_of(name)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def terminate(pg_url: str):
    """``terminate()``: end every ReturnSync connection to this test's database from the server side."""

    def run() -> int:
        with _admin() as admin:
            return admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name LIKE 'ReturnSync%%'",
                (pg_url.rsplit("/", 1)[1],),
            ).fetchone()[0]

    return run


@pytest.fixture
def team(cli, pg_url: str, data_dir: Path) -> Iterator[str]:
    """``data_dir`` joined to a team database set up by ``team init``, bound here as the app binds it."""
    created = cli("team", "init", pg_url)
    assert created.code == 0, created.stderr
    store.open_database(database_path(data_dir))
    assert connection.open_if_set()
    yield pg_url
    connection.close_shared()
    store.close_database()
