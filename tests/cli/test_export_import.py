"""`mes server export` / `import` / `migrate`: moving a server's data, and schemas it does not know."""

from __future__ import annotations

import json
import sqlite3
import stat
import zipfile
from pathlib import Path

from mes_cli.server.store.db import SCHEMA_VERSION
from support import files
from support.cli import Mes
from support.flows import active_person
from support.server import start_server


def _rows(database: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(database)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                             "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {table: sorted(map(tuple, conn.execute(f'SELECT * FROM "{table}"')), key=repr) for table in tables}
    finally:
        conn.close()


def _populated(mes, tmp_path: Path) -> bytes:
    active_person(mes)
    data = files.pdf("compte rendu")
    mes.ok("docs", "upload", str(files.write(tmp_path / "in", "cr.pdf", data)), "--category", "CPT_REND")
    mes.ok("profile", "add", "allergy", "--substance", "Pénicilline", "--severity", "severe")
    return data


def test_an_export_imported_elsewhere_is_the_same_server(local_mes, tmp_path):
    data = _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    exported = local_mes.ok("server", "export", str(archive))
    assert exported["schema_version"] == SCHEMA_VERSION and exported["files"] == 1
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".backup.zip.*"))

    moved = tmp_path / "moved"
    imported = local_mes.ok("server", "import", str(archive), "--data-dir", str(moved))
    assert imported["rows"] == exported["rows"] and imported["tables"] == exported["tables"]
    source = local_mes.home / "server"
    assert _rows(moved / "mes.sqlite3") == _rows(source / "mes.sqlite3")
    assert (moved / "server.key").read_bytes() == (source / "server.key").read_bytes()

    # The same person, the same session, the same documents, served from the imported data
    # (sessions are kept per server, so the token is handed over explicitly).
    token = local_mes("auth", "token").stdout.strip()
    on_moved = {"MES_SERVER_DATA": str(moved), "MES_TOKEN": token}
    (listed,) = local_mes.ok("docs", "list", env=on_moved)
    target = tmp_path / "copy.pdf"
    local_mes.ok("docs", "download", listed["id"], "-o", str(target), env=on_moved)
    assert target.read_bytes() == data
    assert local_mes.ok("profile", "show", env=on_moved) == local_mes.ok("profile", "show")


def test_an_export_that_cannot_finish_leaves_nothing_under_its_name(local_mes, tmp_path):
    _populated(local_mes, tmp_path)
    for blob in (local_mes.home / "server" / "blobs").glob("??/*"):
        blob.unlink()
    archive = tmp_path / "backup.zip"
    result = local_mes("server", "export", str(archive))
    assert result.exit_code == 1 and "STORAGE_UNAVAILABLE" in result.stderr and "run the export again" in result.stderr
    assert not archive.exists() and not list(tmp_path.glob(".backup.zip.*"))


def test_import_refuses_a_directory_that_holds_data(local_mes, tmp_path):
    _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    local_mes.ok("server", "export", str(archive))
    before = _rows(local_mes.home / "server" / "mes.sqlite3")
    result = local_mes("server", "import", str(archive))  # into the data it came from
    assert result.exit_code == 8 and "already holds data" in result.stderr
    assert _rows(local_mes.home / "server" / "mes.sqlite3") == before


BEFORE_BLOB_PARTS = 7  # the schema before documents' bytes could live in the database (migration 8)


def _at_schema(archive: Path, target: Path, version: int) -> Path:
    """The archive as an export made at an older schema: the tables and columns of that schema only
    (read off an empty database migrated that far)."""
    from mes_cli.server.store.schema import MIGRATIONS

    conn = sqlite3.connect(":memory:")
    for script in MIGRATIONS[:version]:
        conn.executescript(script)
    columns = {table: [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
               for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    conn.close()

    def change(name: str, content: bytes) -> bytes | None:
        if name == "manifest.json":
            manifest = json.loads(content)
            manifest["tables"] = {t: n for t, n in manifest["tables"].items() if t in columns}
            return json.dumps({**manifest, "schema_version": version}).encode()
        if name.startswith("tables/"):
            table = name[len("tables/"):-len(".jsonl")]
            if table not in columns:
                return None
            rows = [json.loads(line) for line in content.decode().splitlines() if line]
            return "".join(json.dumps({k: row[k] for k in columns[table]}) + "\n" for row in rows).encode()
        return content

    return _rewritten(archive, target, change)


def _rewritten(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with some members changed by ``change(name, data) -> data`` (None: left out)."""
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            content = change(name, old.read(name))
            if content is not None:  # None: left out
                new.writestr(name, content)
    return target


def test_import_refuses_newer_formats_and_schemas_and_damaged_files(local_mes, tmp_path):
    _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    local_mes.ok("server", "export", str(archive))

    def manifest(**values):
        def change(name, data):
            return json.dumps({**json.loads(data), **values}).encode() if name == "manifest.json" else data
        return change

    cases = {
        "newer-format.zip": (manifest(format_version=99), "newer mes-cli"),
        "newer-schema.zip": (manifest(schema_version=SCHEMA_VERSION + 1), "newer mes-cli"),
        "not-ours.zip": (manifest(format="something-else"), "not a mes export"),
        "damaged.zip": (lambda name, data: data[:-1] + b"!" if name.startswith("blobs/") else data, "damaged"),
    }
    for name, (change, message) in cases.items():
        target = tmp_path / name.removesuffix(".zip")
        result = local_mes("server", "import", str(_rewritten(archive, tmp_path / name, change)),
                           "--data-dir", str(target))
        assert result.exit_code == 6 and message in result.stderr, (name, result)
        database = target / "mes.sqlite3"
        assert not database.exists() or not _rows(database).get("persons"), name
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip at all")
    result = local_mes("server", "import", str(garbage), "--data-dir", str(tmp_path / "g"))
    assert result.exit_code == 6 and "not a mes export" in result.stderr


def test_migrate_checks_and_applies_and_a_newer_schema_is_refused_everywhere(local_mes, tmp_path):
    fresh = tmp_path / "fresh"
    pending = local_mes("server", "migrate", "--check", "--data-dir", str(fresh))
    assert pending.exit_code == 1 and pending.json["pending"] == SCHEMA_VERSION
    assert not (fresh / "mes.sqlite3").exists()  # a check changes nothing
    assert local_mes.ok("server", "migrate", "--data-dir", str(fresh)) == {
        "database": str(fresh / "mes.sqlite3"), "from": 0, "to": SCHEMA_VERSION}
    assert local_mes.ok("server", "migrate", "--check", "--data-dir", str(fresh))["pending"] == 0

    conn = sqlite3.connect(fresh / "mes.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    for args in (["server", "migrate", "--data-dir", str(fresh)], ["server", "migrate", "--check", "--data-dir",
                 str(fresh)], ["server", "export", str(tmp_path / "x.zip"), "--data-dir", str(fresh)]):
        result = local_mes(*args)
        assert result.exit_code == 1 and "newer than this mes knows" in result.stderr, (args, result)
    result = local_mes("whoami", env={"MES_SERVER_DATA": str(fresh), "MES_TOKEN": "any"})  # the embedded server
    assert result.exit_code == 1 and "newer than this mes knows" in result.stderr


def test_a_server_refuses_to_start_on_a_newer_schema(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    conn = sqlite3.connect(data / "mes.sqlite3")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    result = subprocess.run([sys.executable, "-m", "mes_cli", "server", "run", "--port", "0", "--data-dir", str(data)],
                            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert result.returncode == 1 and "newer than this mes knows" in result.stderr, result.stderr


def test_a_server_moves_from_sqlite_to_postgresql_and_back_unchanged(local_mes, tmp_path, postgres):
    """SQLite → PostgreSQL (bytes into the database) → SQLite: every row comes back identical, and
    the PostgreSQL server in between serves the same person, session and documents."""
    data = _populated(local_mes, tmp_path)
    archive = tmp_path / "from-sqlite.zip"
    exported = local_mes.ok("server", "export", str(archive))
    database = postgres.new_database()
    host = tmp_path / "pg-host"
    imported = local_mes.ok("server", "import", str(archive), "--database", database, "--data-dir", str(host))
    assert imported["tables"] == exported["tables"] and imported["database"].startswith("postgresql://")

    server = start_server(host, extra=["--database", database])
    try:
        token = local_mes("auth", "token").stdout.strip()
        remote = Mes(home=tmp_path / "remote-home", api_url=server.url, variables={"MES_TOKEN": token})
        (listed,) = remote.ok("docs", "list")
        target = tmp_path / "copy.pdf"
        remote.ok("docs", "download", listed["id"], "-o", str(target))
        assert target.read_bytes() == data
        assert remote.ok("profile", "show") == local_mes.ok("profile", "show")

        back = tmp_path / "from-postgresql.zip"
        local_mes.ok("server", "export", str(back), "--database", database, "--data-dir", str(host))
        returned = tmp_path / "returned"
        local_mes.ok("server", "import", str(back), "--data-dir", str(returned))
        assert _rows(returned / "mes.sqlite3") == _rows(local_mes.home / "server" / "mes.sqlite3")

        # New rows after the import: the identities were moved past the imported values.
        remote.ok("docs", "upload", str(files.write(tmp_path / "in", "suite.pdf", files.pdf("suite"))))
        assert len(remote.ok("docs", "list")) == 2
    finally:
        assert server.stop() == 0
        postgres.drop_database(database)


def test_import_refuses_a_postgresql_database_that_holds_data(local_mes, tmp_path, postgres):
    _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    local_mes.ok("server", "export", str(archive))
    database = postgres.new_database()
    try:
        local_mes.ok("server", "import", str(archive), "--database", database, "--data-dir", str(tmp_path / "a"))
        again = local_mes("server", "import", str(archive), "--database", database, "--data-dir", str(tmp_path / "b"))
        assert again.exit_code == 8 and "already holds data" in again.stderr
    finally:
        postgres.drop_database(database)


def test_an_import_into_a_database_prepared_for_a_newer_schema_is_refused(local_mes, tmp_path):
    _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    local_mes.ok("server", "export", str(archive))
    older = _rewritten(archive, tmp_path / "older.zip", lambda name, data: json.dumps(
        {**json.loads(data), "schema_version": SCHEMA_VERSION - 1}).encode() if name == "manifest.json" else data)
    prepared = tmp_path / "prepared"
    local_mes.ok("server", "migrate", "--data-dir", str(prepared))
    result = local_mes("server", "import", str(older), "--data-dir", str(prepared))
    assert result.exit_code == 8 and f"prepared for schema {SCHEMA_VERSION}" in result.stderr


def test_an_older_export_imports_with_its_bytes_in_the_database(local_mes, tmp_path):
    """Rows go in at the archive's schema and are migrated in the same transaction, before the bytes
    go where this version keeps them (blob_parts came with a later schema than the archive's)."""
    data = _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    local_mes.ok("server", "export", str(archive))
    older = _at_schema(archive, tmp_path / "older.zip", BEFORE_BLOB_PARTS)
    moved = tmp_path / "moved"
    imported = local_mes.ok("server", "import", str(older), "--data-dir", str(moved), "--blobs", "database")
    assert imported["schema_version"] == BEFORE_BLOB_PARTS and imported["files"] == 1
    assert not list((moved / "blobs").glob("??/*"))
    conn = sqlite3.connect(moved / "mes.sqlite3")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert b"".join(row[0] for row in conn.execute("SELECT data FROM blob_parts ORDER BY part")) == data
    finally:
        conn.close()


def test_a_failed_import_leaves_no_tables_behind(local_mes, tmp_path):
    _populated(local_mes, tmp_path)
    archive = tmp_path / "backup.zip"
    local_mes.ok("server", "export", str(archive))
    damaged = _rewritten(archive, tmp_path / "damaged.zip",
                         lambda name, content: content[:-1] + b"!" if name.startswith("blobs/") else content)
    target = tmp_path / "target"
    assert local_mes("server", "import", str(damaged), "--data-dir", str(target)).exit_code == 6
    assert _rows(target / "mes.sqlite3") == {}
    assert local_mes.ok("server", "import", str(archive), "--data-dir", str(target))["files"] == 1
