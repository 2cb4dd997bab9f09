"""``team init`` / ``join`` / ``leave`` against the real server: the schema and its versions, the URL's password to
the keyring, the shared and the per-PC settings, and an older shared schema brought up to date."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import peewee as pw

from core import settings, store
from core.paths import database_path
from core.team import connection, schema


def test_init_join_and_leave(cli, pg_url: str, data_dir: Path, tmp_path: Path):
    assert cli("team", "join", pg_url).code == 2  # nothing there yet: said, nothing saved
    created = cli("team", "init", pg_url, "--json")
    assert created.code == 0, created.stderr
    again = cli("team", "init", pg_url)
    assert again.code == 2 and "不是空的" in again.stderr
    shown = cli("config", "show", "--json").json()["settings"]
    assert shown["team.url"] == pg_url

    database = connection.connect(pg_url)
    try:
        assert schema.versions(database) == {"store": len(store.MIGRATIONS), "team": len(schema.TEAM_MIGRATIONS)}
        assert {"ledger_entry", "return_record", "sync_log", "team_pc", "team_conflict"} <= set(database.get_tables())
    finally:
        database.close()

    left = cli("team", "leave")
    assert left.code == 0 and cli("config", "show", "--json").json()["settings"]["team.url"] == ""
    status = cli("team", "status")
    assert status.code == 2 and "team.url" in status.stderr


def test_a_password_goes_to_the_keyring_never_into_the_settings(cli, pg_url: str, memory_keyring):
    assert cli("team", "init", pg_url).code == 0
    rejected = cli("config", "set", "team.url", pg_url.replace("postgres@", "postgres:hunter2@"))
    assert rejected.code == 2 and "密码" in rejected.stderr
    joined = cli("team", "join", pg_url.replace("postgres@", "postgres:hunter2@"))  # trust auth: any password does
    assert joined.code == 0, joined.stderr
    assert json.loads(keyring.get_password("ReturnSync", "team")) == {"password": "hunter2"}
    assert "hunter2" not in json.dumps(cli("config", "show", "--json").json())


def test_shared_settings_live_in_the_team_database_and_window_ones_on_the_pc(
    cli, pg_url: str, data_dir: Path, tmp_path: Path
):
    assert cli("team", "init", pg_url).code == 0
    assert cli("config", "set", "mapping.red_value", "RED").code == 0
    assert cli("config", "set", "ui.lang", "en").code == 0
    other = tmp_path / "other"
    assert cli("--data-dir", str(other), "team", "join", pg_url).code == 0
    seen = cli("--data-dir", str(other), "config", "show", "--json").json()["settings"]
    assert seen["mapping.red_value"] == "RED"  # the team's
    assert seen["ui.lang"] == "zh_CN"  # this PC's own, not the other PC's
    local = pw.SqliteDatabase(str(database_path(data_dir)))
    assert dict(local.execute_sql("SELECT key, value FROM setting").fetchall()).get("ui.lang") == "en"
    local.close()


def test_an_older_shared_schema_is_brought_up_to_date_and_a_newer_one_refused(pg_url: str):
    database = connection.connect(pg_url)
    try:
        with database.bind_ctx(store.MODELS), database.atomic():  # as a version of two steps left it
            for step in store.MIGRATIONS[:2]:
                step(database)
            database.execute_sql(f"CREATE TABLE {schema.VERSION_TABLE} (part TEXT PRIMARY KEY, version INTEGER)")
            database.execute_sql(f"INSERT INTO {schema.VERSION_TABLE} VALUES ('store', 2)")
        assert "lease_until" not in {c.name for c in database.get_columns("ledger_entry")}
        schema.check(database, pg_url)
        assert "sync_log_action_time" in {i.name for i in database.get_indexes("sync_log")}
        assert "lease_until" in {c.name for c in database.get_columns("ledger_entry")}
        assert schema.versions(database) == {"store": len(store.MIGRATIONS), "team": len(schema.TEAM_MIGRATIONS)}

        database.execute_sql(f"UPDATE {schema.VERSION_TABLE} SET version = version + 1 WHERE part = 'team'")
        try:
            schema.check(database, pg_url)
        except Exception as exc:  # noqa: BLE001 - the refusal is what is checked
            assert "newer" in exc.en
        else:
            raise AssertionError("a newer schema was accepted")
    finally:
        database.close()
    assert settings.KEYS["team.url"].default == ""
