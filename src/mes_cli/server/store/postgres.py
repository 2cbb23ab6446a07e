"""PostgreSQL access with the same interface as the SQLite store (``store/db.py``).

Services write one SQL dialect: the portable subset of SQLite's (``?`` placeholders,
``INSERT OR IGNORE``, ``ON CONFLICT … DO UPDATE``, ``RETURNING``). What differs is
translated here, in one place: placeholders, ``INSERT OR IGNORE``, and the types of the
migrations (``INTEGER`` → ``BIGINT``, integer primary keys → identities, ``BLOB`` → ``BYTEA``).

Transactions keep SQLite's semantics, on which the services' rules rely (tries counted
before a code is compared, throttles read and written together): a write transaction takes
one advisory lock, so write transactions from every worker on every host run one at a time,
as ``BEGIN IMMEDIATE`` makes them on SQLite; statements outside a transaction commit on
their own. Connections come from a psycopg pool: a thread holds one for a transaction, and
borrows one for each statement outside a transaction, so that threads that come and go
never keep connections the pool cannot give to others.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator

from ...contract.errors import MesError
from ...i18n import _
from .db import SCHEMA_VERSION, AfterCommit, dependency_order, newer_schema
from .schema import MIGRATIONS

WRITE_LOCK = 0x6D65_7301  # the advisory lock every write transaction holds ("mes" + 1)


class Row(tuple):
    """A result row readable by position and by column name, like ``sqlite3.Row``."""

    __slots__ = ()
    _names: dict[str, int] = {}

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"__slots__": (), "_names": {name: i for i, name in enumerate(names)}})


def _row_factory(cursor):
    names = tuple(column.name for column in cursor.description or ())
    kind = _row_class(names)
    return lambda values: kind(values)


class Cursor:
    """The part of ``sqlite3.Cursor`` the services use, read at once: it outlives the loan of
    its connection."""

    def __init__(self, cursor) -> None:
        self._rows = cursor.fetchall() if cursor.description else []
        self.rowcount = cursor.rowcount

    def fetchone(self):
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self):
        return iter(self.fetchall())


class Connection:
    """One pooled psycopg connection, in autocommit mode, speaking the services' dialect."""

    def __init__(self, raw) -> None:
        self.raw = raw

    def execute(self, sql: str, params: tuple | list | dict = ()) -> Cursor:
        import psycopg

        cursor = self.raw.cursor(row_factory=_row_factory)
        try:
            cursor.execute(to_postgres(sql), params or ())  # never None: psycopg then skips reading "%%"
        except psycopg.errors.IntegrityError as exc:  # services catch the stdlib class, whatever the engine
            raise sqlite3.IntegrityError(str(exc)) from exc
        except psycopg.errors.DiskFull as exc:
            raise sqlite3.OperationalError("database or disk is full") from exc
        except psycopg.OperationalError as exc:
            raise unreachable(exc) from None
        return Cursor(cursor)


def unreachable(exc: Exception) -> MesError:
    """The database went away (restarted, failed over, connection cut): a request to try again.

    The connection is dropped with the error; the next statement takes a fresh one from the pool.
    """
    problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return MesError("STORAGE_UNAVAILABLE", _("The database is unreachable ({problem}); try again in a moment.")
                    .format(problem=problem))


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """The services' SQL in PostgreSQL's dialect: ``?`` placeholders, ``INSERT OR IGNORE``.

    (The services use positional ``?`` only; ``%`` is doubled because psycopg reads it.)
    """
    out, quoted = [], False
    for char in sql:
        if char == "'":
            quoted = not quoted
        out.append("%s" if char == "?" and not quoted else "%%" if char == "%" else char)
    text = "".join(out)
    if re.match(r"\s*INSERT OR IGNORE\b", text, re.I):
        text = re.sub(r"INSERT OR IGNORE", "INSERT", text, count=1, flags=re.I)
        returning = re.search(r"\s+RETURNING\b", text, re.I)
        at = returning.start() if returning else len(text.rstrip())
        text = text[:at].rstrip() + " ON CONFLICT DO NOTHING" + text[at:]
    return text


def ddl(script: str) -> str:
    """A migration in PostgreSQL's types (64-bit integers, identities, BYTEA), without the
    statements marked ``/* sqlite only */``."""
    script = ";".join(statement for statement in script.split(";") if "/* sqlite only */" not in statement)
    script = re.sub(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                    script)
    script = re.sub(r"\bINTEGER PRIMARY KEY\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", script)
    script = re.sub(r"\bINTEGER\b", "BIGINT", script)
    script = re.sub(r"\bBLOB\b", "BYTEA", script)
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", script)


class PostgresStore(AfterCommit):
    """The reference server's metadata in PostgreSQL (``postgresql://…``)."""

    backend = "postgresql"

    def __init__(self, url: str, *, upto: int = SCHEMA_VERSION, pool_size: int = 4) -> None:
        """``pool_size``: how many threads may use the database at once (more wait for a connection)."""
        from psycopg_pool import ConnectionPool

        self.url = url
        self._local = threading.local()
        problem = _connect_problem(url)  # once, directly: the pool would retry for a while and hide the reason
        if problem:
            raise MesError("STORAGE_UNAVAILABLE", _("Cannot reach the database {url}: {problem}").format(
                url=redact_url(url), problem=problem))
        self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False,
                                    kwargs={"autocommit": True}, configure=_configure)
        self._pool.open(wait=True, timeout=15)
        self.migrate(upto)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """The connection this thread holds (inside a transaction), else one lent for this use.

        A connection lost with the server goes back all the same (the pool replaces it), and the
        pool then tests its idle ones: after a restart one request fails, not one per connection.
        """
        held = getattr(self._local, "conn", None)
        if held is not None:
            yield held
            return
        with _reachable():
            raw = self._pool.getconn()
        try:
            yield Connection(raw)
        finally:
            lost = raw.closed
            self._pool.putconn(raw)
            if lost:
                self._pool.check()

    @contextmanager
    def _holding(self, begin: str) -> Iterator[Connection]:
        """Holds one connection for this thread from ``begin`` to COMMIT (ROLLBACK on error)."""
        with self.connection() as conn:
            self._local.conn = conn
            try:
                with _reachable():
                    conn.raw.execute(begin)
                try:
                    yield conn
                except BaseException:
                    if not conn.raw.closed:
                        conn.raw.execute("ROLLBACK")
                    raise
                with _reachable():
                    conn.raw.execute("COMMIT")
            finally:
                self._local.conn = None

    def close(self) -> None:
        """Nothing to give back: connections are held for a transaction only."""

    def shutdown(self) -> None:
        self._pool.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction, one at a time across every worker; nested use joins the outer one."""
        if getattr(self._local, "conn", None) is not None:
            yield self._local.conn
            return
        with self._collecting_actions(), self._holding("BEGIN") as conn:
            with _reachable():
                conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield conn

    @property
    def schema_version(self) -> int:
        with self.connection() as conn:
            if not conn.raw.execute("SELECT to_regclass('mes_schema') IS NOT NULL").fetchone()[0]:
                return 0
            return conn.raw.execute("SELECT version FROM mes_schema").fetchone()[0]

    def migrate(self, upto: int = SCHEMA_VERSION) -> tuple[int, int]:
        """Applies the missing migrations in one transaction (several workers starting at once: one does it)."""
        with self.transaction() as conn:
            if upto == 0 and not conn.raw.execute("SELECT to_regclass('mes_schema') IS NOT NULL").fetchone()[0]:
                return 0, 0  # only looking: an empty database stays empty
            conn.raw.execute("CREATE TABLE IF NOT EXISTS mes_schema (version BIGINT NOT NULL)")
            if conn.raw.execute("SELECT count(*) FROM mes_schema").fetchone()[0] == 0:
                conn.raw.execute("INSERT INTO mes_schema (version) VALUES (0)")
            version = conn.raw.execute("SELECT version FROM mes_schema").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise newer_schema(redact_url(self.url), version)
            for number, script in enumerate(MIGRATIONS[version:upto], start=version + 1):
                for statement in filter(str.strip, ddl(script).split(";")):
                    conn.raw.execute(statement)
                conn.raw.execute("UPDATE mes_schema SET version = %s", (number,))
        return version, max(version, upto)

    # -- what moving data needs (store/snapshot.py) ---------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read transaction: every query inside sees the same moment, writers go on."""
        with self._holding("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") as conn:
            yield conn

    def tables(self) -> list[str]:
        """The tables of this schema, each after those its foreign keys point at."""
        with self.connection() as conn:
            names = [row[0] for row in conn.raw.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'mes_schema'")]
            foreign_keys = conn.raw.execute(
                "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
                " WHERE contype = 'f' AND connamespace = current_schema()::regnamespace").fetchall()
        parents: dict[str, set[str]] = {name: set() for name in names}
        for child, parent in foreign_keys:
            parents.setdefault(child.strip('"'), set()).add(parent.strip('"'))
        return dependency_order(parents)

    def columns(self, table: str) -> set[str]:
        with self.connection() as conn:
            return {row[0] for row in conn.raw.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                " AND table_name = %s", (table,))}

    def after_import(self, conn: Connection) -> None:
        """Moves every identity past the values just inserted (they were given, not generated)."""
        columns = conn.raw.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND is_identity = 'YES'").fetchall()
        for table, column in columns:
            conn.raw.execute(f'SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX("{column}"), 0) + 1, false)'
                             f' FROM "{table}"', (f'"{table}"', column))

    # -- the helpers both stores offer ---------------------------------------------------

    def one(self, sql: str, params: tuple | dict = ()) -> Any:
        return self.run(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list:
        return self.run(sql, params).fetchall()

    def run(self, sql: str, params: tuple | dict = ()) -> Cursor:
        with self.connection() as conn:
            return conn.execute(sql, params)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.run("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                 (key, str(value)))


@contextmanager
def _reachable() -> Iterator[None]:
    """Statements the store sends itself fail like the services' do when the database goes away."""
    import psycopg

    try:
        yield
    except psycopg.OperationalError as exc:
        raise unreachable(exc) from None


def _configure(raw) -> None:
    """Values go in as SQLite stores them: booleans as 0/1, dates and times as ISO text.

    (The columns are INTEGER and TEXT in both engines; sqlite3's default adapters write a
    datetime as ``isoformat(" ")`` and a date as ``isoformat()``.)
    """
    import datetime as dt

    from psycopg.adapt import Dumper
    from psycopg.postgres import types

    class BoolAsInteger(Dumper):
        oid = types["int8"].oid

        def dump(self, obj: bool) -> bytes:
            return b"1" if obj else b"0"

    class DateTimeAsText(Dumper):
        oid = types["text"].oid

        def dump(self, obj: dt.datetime) -> bytes:
            return obj.isoformat(" ").encode()

    class DateAsText(Dumper):
        oid = types["text"].oid

        def dump(self, obj: dt.date) -> bytes:
            return obj.isoformat().encode()

    raw.adapters.register_dumper(bool, BoolAsInteger)
    raw.adapters.register_dumper(dt.datetime, DateTimeAsText)
    raw.adapters.register_dumper(dt.date, DateAsText)


def _connect_problem(url: str) -> str | None:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return re.sub(r"(//[^:/@]+):[^@/]*@", r"\1:***@", url)
