"""The shared PostgreSQL database: its URL, its password in the keyring, and binding the store's proxy to it.

The driver is psycopg 3 (``psycopg[binary]``): peewee 4 speaks it (``PostgresqlDatabase(prefer_psycopg3=True)``),
its binary wheel carries libpq for Windows, and it is the maintained line (psycopg2 only gets fixes).

:class:`TeamDatabase` lets the code written for the local SQLite file run unchanged on PostgreSQL: SQLite's lock
words in ``atomic("IMMEDIATE")`` are dropped (PostgreSQL locks rows, not the file), raw SQL written with ``?``
placeholders gets psycopg's ``%s`` (:func:`_sqlite_dialect` also takes ``INSERT OR REPLACE/IGNORE``, the planner's
``+column`` and ``WHERE 0``), ``connection().executemany`` works as on sqlite3, peewee's ``on_conflict_replace()``
becomes ``ON CONFLICT (primary key) DO UPDATE``, and times are read back as the text SQLite gives. A connection the
server dropped is replaced on the next statement outside a transaction, and a read that met it is done again once.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import peewee as pw

from core import store
from core.errors import ConfigError, CredentialsError, NetworkError

# The keyring entry (service ReturnSync) that holds the shared database's password, as {"password": …}.
KEYRING_KIND = "team"
CONNECT_TIMEOUT_SECONDS = 5
_SQLITE_LOCKS = ("DEFERRED", "IMMEDIATE", "EXCLUSIVE")

# The local SQLite file while the store is bound to the shared database: what each PC keeps for itself.
_local: pw.SqliteDatabase | None = None


_INSERT_OR = re.compile(r'^\s*INSERT OR (REPLACE|IGNORE) INTO "?(\w+)"?\s*\(([^)]*)\)(.*)$', re.S | re.I)


# SQLite's "+column": the unary plus that keeps its planner off an index (PostgreSQL has none for text).
_UNARY_PLUS = re.compile(r'(\b(?:WHERE|AND|OR|NOT|ON|BY|SELECT)\s+|[(,=<>]\s*)\+(?=[A-Za-z_"])', re.I)
# SQLite's "WHERE 0": no row.
_WHERE_ZERO = re.compile(r"\bWHERE 0\b(?!\s*[-+*/=<>!])")


def _sqlite_dialect(sql: str) -> str:
    """SQLite's ``INSERT OR REPLACE`` / ``INSERT OR IGNORE`` as PostgreSQL's ``ON CONFLICT`` on the table's primary key,
    its planner's unary ``+column`` dropped, ``WHERE 0`` as ``WHERE false``, and ``?`` placeholders as ``%s``
    (:func:`_placeholders`)."""
    if "+" in sql:
        sql = _UNARY_PLUS.sub(r"\1", sql)
    if "WHERE 0" in sql:
        sql = _WHERE_ZERO.sub("WHERE false", sql)
    found = _INSERT_OR.match(sql)
    if found:
        action, table, columns, rest = found.groups()
        key = next(m._meta.primary_key.column_name for m in store.MODELS if m._meta.table_name == table)
        names = [c.strip().strip('"') for c in columns.split(",")]
        if action.upper() == "IGNORE":
            tail = f' ON CONFLICT ("{key}") DO NOTHING'
        else:
            tail = f' ON CONFLICT ("{key}") DO UPDATE SET ' + ", ".join(
                f'"{n}" = EXCLUDED."{n}"' for n in names if n != key
            )
        sql = f'INSERT INTO "{table}" ({columns}){rest.rstrip().rstrip(";")}{tail}'
    return _placeholders(sql)


def _placeholders(sql: str) -> str:
    """SQLite-style ``?`` placeholders (outside quotes) as psycopg's ``%s``, and a literal ``%`` doubled: always
    inside quotes (peewee never puts a placeholder there), outside them only in SQL written with ``?``. SQL of neither
    (all of peewee's own) is returned as it is."""
    if "?" not in sql and "%" not in sql:
        return sql
    out: list[str] = []
    outside: list[int] = []  # where a "%" stands outside quotes
    quote = ""
    found = False
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
            out.append("%%" if char == "%" else char)
        elif char in "'\"":
            quote = char
            out.append(char)
        elif char == "?":
            out.append("%s")
            found = True
        else:
            if char == "%":
                outside.append(len(out))
            out.append(char)
    if found:
        for index in outside:
            out[index] = "%%"
    return "".join(out)


class _Connection:
    """A psycopg connection with sqlite3's ``executemany`` (the pull and the review store their rows with it)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> Any:
        cursor = self._conn.cursor()
        cursor.executemany(_sqlite_dialect(sql), list(rows))
        return cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class TeamDatabase(pw.PostgresqlDatabase):
    """PostgreSQL for code written for the local SQLite file (see the module's text)."""

    def _connect(self) -> Any:
        conn = super()._connect()
        # Times come back as the text SQLite gives (peewee's fields parse it), so raw queries see what they see there.
        from psycopg.types.string import TextLoader

        conn.adapters.register_loader("timestamp", TextLoader)
        return conn

    def begin(self, isolation_level: str | None = None) -> None:
        super().begin(None if isolation_level in _SQLITE_LOCKS else isolation_level)

    def execute_sql(self, sql: str, params: Sequence[object] | None = None) -> Any:
        sql = _sqlite_dialect(sql)
        try:
            return super().execute_sql(sql, params)
        except pw.OperationalError:
            # A read outside a transaction on a connection the server dropped (restarted, a network blip since the
            # last statement) is read again once on a new one; a write is never repeated: it may have been done.
            if self.transaction_depth() or not sql.lstrip()[:6].upper() == "SELECT" or not self._broken():
                raise
            return super().execute_sql(sql, params)

    def _broken(self) -> bool:
        conn = None if self.is_closed() else self._state.conn
        return conn is not None and (conn.closed or conn.broken)

    def cursor(self, named_cursor: object = None) -> Any:
        if self._broken() and self.transaction_depth() == 0:
            self.dispose()  # the server dropped it: a new one for this statement, outside any transaction
        return super().cursor(named_cursor)

    def connection(self) -> Any:
        return _Connection(super().connection())

    def conflict_update(self, oc: pw.OnConflict, query: pw.Insert) -> Any:
        if (oc._action or "").lower() == "replace":
            meta = query.model._meta
            oc = pw.OnConflict(
                conflict_target=[meta.primary_key],
                preserve=[f for f in meta.sorted_fields if f is not meta.primary_key],
            )
        return super().conflict_update(oc, query)


def check_url(url: str) -> None:
    """A ``postgresql://user@host:port/db`` URL, without a password (:class:`ConfigError` saying what is wrong)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname or parts.path.strip("/") == "":
        raise ConfigError(
            "须是 postgresql://用户@主机:端口/数据库 形式的地址。",
            "It must be an address of the form postgresql://user@host:port/database.",
        )
    if parts.password is not None:
        raise ConfigError(
            "地址里不能有密码：密码只存入系统钥匙串。",
            "The address must not hold a password: the password goes to the system keyring only.",
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is no number
    except ValueError:
        raise ConfigError("端口须是数字。", "The port must be a number.") from None


def split_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password, and the password (``None``: there was none)."""
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip(), None
    host = parts.hostname or ""
    netloc = f"{parts.username}@{host}" if parts.username else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), parts.password


def keyring_password() -> str | None:
    """The shared database's password kept in the keyring (``None``: none is kept, or there is no keyring — a server
    that asks for one then says so)."""
    import keyring

    from core.credentials import SERVICE

    try:
        text = keyring.get_password(SERVICE, KEYRING_KIND)
        return json.loads(text).get("password") if text else None
    except Exception:  # noqa: BLE001 - any keyring failure: connect without, the server's refusal says why
        return None


def store_password(password: str) -> None:
    """Keep the shared database's password in the keyring, and read it back."""
    import keyring

    from core.credentials import SERVICE

    text = json.dumps({"password": password})
    try:
        keyring.set_password(SERVICE, KEYRING_KIND, text)
        kept = keyring.get_password(SERVICE, KEYRING_KIND) == text
    except Exception as exc:  # noqa: BLE001 - whatever the backend raised, said in words
        raise CredentialsError(
            f"系统钥匙串无法保存共享数据库的密码（{type(exc).__name__}），没有连接。",
            f"The system keyring could not keep the shared database's password ({type(exc).__name__}); nothing was "
            "connected.",
        ) from exc
    if not kept:
        raise CredentialsError(
            "系统钥匙串没有保存共享数据库的密码，没有连接。",
            "The system keyring did not keep the shared database's password; nothing was connected.",
        )


def connect(url: str) -> TeamDatabase:
    """An open connection to the shared database at ``url`` (its password from the keyring, if one is kept), or a
    :class:`ConfigError` saying why not."""
    check_url(url)
    parts = urlsplit(url.strip())
    conninfo = urlunsplit(parts._replace(scheme="postgresql"))
    params: dict[str, object] = {
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
        "application_name": f"ReturnSync {socket.gethostname()} {os.getpid()}"[:63],
        # A dropped network shows within half a minute, not after the system's two hours.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    password = keyring_password()
    if password:
        params["password"] = password
    database = TeamDatabase(conninfo, prefer_psycopg3=True, autorollback=False, **params)
    try:
        database.connect()
    except pw.DatabaseError as exc:
        raise unreachable(url, exc) from exc
    return database


def unreachable(url: str, exc: BaseException) -> NetworkError:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return NetworkError(
        f"无法连接共享数据库 {url}（{reason}）。请检查网络、地址和钥匙串里的密码，或请管理员查看数据库服务器。",
        f"Cannot connect to the shared database {url} ({reason}). Check the network, the address and the password "
        "in the keyring, or ask the administrator to look at the database server.",
    )


def is_lost(exc: BaseException) -> bool:
    """The connection to the shared database failed (dropped, server restarted, network gone)."""
    if isinstance(exc, pw.OperationalError | pw.InterfaceError):
        return True
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def lost(zh: str, en: str, exc: BaseException) -> NetworkError:
    """The run stops because the shared database stopped answering; ``zh``/``en`` say what that left undone."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return NetworkError(
        f"与共享数据库的连接中断（{reason}）。{zh} 正在发送的单据在租约到期后显示为状态未知，不会重复推送；"
        "连接恢复后再运行即可继续。",
        f"The connection to the shared database was lost ({reason}). {en} A sheet being sent shows as unknown once "
        "its lease expires and is never sent twice; run again once the connection is back to carry on.",
    )


def shared() -> bool:
    """The store is bound to the shared database now."""
    return isinstance(store.db.obj, TeamDatabase)


def local_database() -> pw.SqliteDatabase | None:
    """This PC's SQLite file while the store is shared (``None`` otherwise)."""
    return _local if shared() else None


def open_shared(url: str) -> TeamDatabase:
    """Bind the store to the shared database at ``url``, keeping the local file (bound now) for this PC's own
    settings; the schema must be there at this version (:func:`core.team.schema.check`)."""
    from core.team import schema

    global _local
    local = store.db.obj
    database = connect(url)
    try:
        schema.check(database, url)
    except BaseException:
        database.close()
        raise
    _local = local
    store.db.initialize(database)
    return database


def close_shared() -> None:
    """Close the shared database and the local file it was opened beside."""
    global _local
    local, _local = _local, None
    if shared() and not store.db.is_closed():
        store.db.close()
    if local is not None:
        store.db.initialize(local)


def open_if_set() -> bool:
    """At start-up, with the local file bound: bind the shared database when ``team.url`` is set, and note this PC as
    seen. ``False``: team mode is off, the local file stays the store."""
    from core import settings
    from core.team import claims

    url = settings.get("team.url")
    if not url:
        return False
    open_shared(url)
    try:
        claims.seen("start")
    except Exception as exc:
        if not is_lost(exc):
            raise
        close_shared()
        raise unreachable(url, exc) from exc
    return True
