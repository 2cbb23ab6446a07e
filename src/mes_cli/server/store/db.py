"""SQLite access: one connection per thread, WAL, explicit write transactions.

Write transactions start with ``BEGIN IMMEDIATE`` so that two processes or
threads serving the same data directory serialise their writes instead of
failing half-way; reads run outside transactions and see committed data only.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from ...contract.errors import MesError
from ...i18n import _
from .schema import MIGRATIONS


def prepare_data_dir(directory: Path) -> None:
    """Creates the data directory (0700) or fails with what to do about it."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise MesError(
            "STORAGE_UNAVAILABLE",
            _("Cannot create the data directory {path}: {problem}. "
              "Choose a writable directory with --data-dir or MES_HOME.").format(path=directory, problem=exc.strerror),
        ) from None
    try:  # a real write: permission bits say nothing for root, nor for a read-only file system
        probe = tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-")
        probe.close()
    except OSError as exc:
        raise MesError(
            "STORAGE_UNAVAILABLE",
            _("The data directory {path} is not writable ({problem}). "
              "Fix its permissions or choose another one with --data-dir or MES_HOME.")
            .format(path=directory, problem=exc.strerror),
        ) from None


SCHEMA_VERSION = len(MIGRATIONS)  # the schema this code reads and writes


def newer_schema(database: str, found: int) -> MesError:
    """The refusal of a database written by a newer mes (both stores say it alike)."""
    return MesError("STORAGE_UNAVAILABLE", _(
        "The database {path} has schema version {found}, newer than this mes knows ({known}): it was "
        "written by a newer mes-cli. Upgrade mes-cli, or use another data directory."
    ).format(path=database, found=found, known=SCHEMA_VERSION), {"schema_version": found})


def read_schema_version(path: Path) -> int:
    """The schema version of a database file, read without changing anything (0: no database yet)."""
    if not Path(path).exists():
        return 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def dependency_order(parents: dict[str, set[str]]) -> list[str]:
    """Tables with every table a foreign key points at before it (an import fills them in this order)."""
    ordered: list[str] = []
    placed: set[str] = set()

    def place(table: str) -> None:
        if table in placed:
            return
        placed.add(table)
        for parent in sorted(parents.get(table, set()) - {table}):
            place(parent)
        ordered.append(table)

    for table in sorted(parents):
        place(table)
    return ordered


class AfterCommit:
    """Actions that must wait until the write transaction they belong to is committed (both stores).

    The outbox delivers a notice this way: a slow or failing sender then neither holds the write
    lock nor undoes what the notice tells about.
    """

    _local: threading.local

    def after_commit(self, action: Callable[[], None]) -> None:
        """Runs ``action`` once the current write transaction commits (at once outside one);
        forgets it if the transaction rolls back."""
        pending = getattr(self._local, "after_commit", None)
        if pending is None:
            action()
        else:
            pending.append(action)

    @contextmanager
    def _collecting_actions(self) -> Iterator[None]:
        """Around an outermost write transaction: its actions run after the COMMIT, in order."""
        self._local.after_commit = []
        try:
            yield
        except BaseException:
            self._local.after_commit = None
            raise
        actions, self._local.after_commit = self._local.after_commit, None
        for action in actions:
            action()


class Store(AfterCommit):
    """The SQLite database of one data directory, migrated to SCHEMA_VERSION when opened.

    ``upto`` stops the migrations at an older version (an import fills a database at the
    version of its archive, then migrates it); a database newer than this code is refused.
    """

    backend = "sqlite"

    def __init__(self, path: Path, *, upto: int = SCHEMA_VERSION) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.group_committer = None  # store/group_commit.py: made by the first upload that needs it
        self._prepare_directory()
        self.migrate(upto)

    # -- connections -------------------------------------------------------------

    def _prepare_directory(self) -> None:
        prepare_data_dir(self.path.parent)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def shutdown(self) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; nested use joins the outer one."""
        conn = self.conn
        if conn.in_transaction:
            yield conn
            return
        with self._collecting_actions():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def savepoint(self) -> Iterator[sqlite3.Connection]:
        """A part of the current write transaction that can fail on its own: on an exception its
        writes and its after-commit actions are undone, the rest of the transaction goes on
        (the group committer runs each upload of a batch in one, store/group_commit.py)."""
        conn = self.conn
        assert conn.in_transaction, "a savepoint lives inside a write transaction"
        pending = getattr(self._local, "after_commit", None)
        kept = len(pending) if pending is not None else 0
        conn.execute("SAVEPOINT part")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO part")
            conn.execute("RELEASE part")
            if pending is not None:
                del pending[kept:]
            raise
        conn.execute("RELEASE part")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self, upto: int = SCHEMA_VERSION) -> tuple[int, int]:
        """Applies the migrations missing up to ``upto`` in one transaction; returns (from, to)."""
        if not self.path.exists():
            self.path.touch(mode=0o600)
        with self.transaction() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise newer_schema(str(self.path), version)
            for number, script in enumerate(MIGRATIONS[version:upto], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
        return version, max(version, upto)

    # -- what moving data needs (store/snapshot.py) ------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same moment (WAL), writers go on."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")

    def tables(self) -> list[str]:
        """The tables, each after those its foreign keys point at."""
        names = [row[0] for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return dependency_order({name: {row[2] for row in self.conn.execute(f'PRAGMA foreign_key_list("{name}")')}
                                 for name in names})

    def columns(self, table: str) -> set[str]:
        return {row[1] for row in self.conn.execute(f'PRAGMA table_info("{table}")')}

    def after_import(self, conn: sqlite3.Connection) -> None:
        """Checks the rows just inserted point at rows that exist; returns nothing, raises on a problem."""
        problems = conn.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise sqlite3.IntegrityError(f"{len(problems)} row(s) point at rows that do not exist")

    # -- small helpers -----------------------------------------------------------

    def one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: tuple | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def set_meta(self, key: str, value: Any) -> None:
        self.run(
            "INSERT INTO meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )
