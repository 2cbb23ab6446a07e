"""Moving a server's data: export a consistent snapshot to one file, import it elsewhere.

The archive is a zip file:

    manifest.json          format, format version, schema version, counts, when
    tables/<name>.jsonl    every row of every table, one JSON object per line
    blobs/<sha256>         the bytes of every document and attachment
    server.key             the key codes and reset tokens are hashed with (they stay valid)

Rows are plain JSON (bytes as ``{"base64": …}``), so that a store on another engine can read
them. The export reads every table inside one read transaction (a WAL snapshot: writers go
on, the archive sees one moment) and is written to a temporary file renamed into place once
complete: never a half-written archive under the name asked for. The import refuses a newer
format or schema, and a data directory that already holds data; it writes and checks every
blob first, then inserts every row in one transaction at the archive's schema version, then
migrates: an interruption leaves at worst unreferenced blob files, which ``mes server gc``
removes. The archive holds password hashes, the server key and health data: it is written
0600 and must be kept like the data directory itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...contract.errors import MesError
from ...i18n import _
from .blobs import BlobStore
from .db import SCHEMA_VERSION, Store, prepare_data_dir, read_schema_version

FORMAT = "mes-server-export"
FORMAT_VERSION = 1
KEY_FILE = "server.key"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Summary:
    path: str
    schema_version: int
    tables: dict[str, int]
    blobs: int


def export_snapshot(data_dir: Path, database: Path, target: Path) -> Summary:
    """Writes the data of ``data_dir`` to the archive ``target`` (replacing it only once complete)."""
    if read_schema_version(database) == 0:
        raise MesError("NOT_FOUND", _("There is no server data in {path} to export.").format(path=data_dir))
    Store(database).close()  # migrated to this version's schema first, like a server start would
    target = Path(target)
    fd, partial_name = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.",
                                        suffix=".partial")
    os.close(fd)
    partial = Path(partial_name)
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        conn.execute("BEGIN")
        schema = conn.execute("PRAGMA user_version").fetchone()[0]
        blobs = BlobStore(data_dir / "blobs")
        counts: dict[str, int] = {}
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in _tables(conn):
                counts[table] = _write_table(conn, table, archive)
            shas = [row[0] for row in conn.execute("SELECT sha256 FROM blobs ORDER BY sha256")]
            for sha256 in shas:
                _write_blob(blobs, sha256, archive)
            key = data_dir / KEY_FILE
            if key.exists():
                archive.write(key, KEY_FILE)
            archive.writestr("manifest.json", json.dumps({
                "format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": schema,
                "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "tables": counts, "blobs": len(shas)}, indent=1))
        conn.rollback()
        _durable(partial)
        partial.replace(target)
    except OSError as exc:
        raise MesError("STORAGE_UNAVAILABLE", _("Cannot write the export to {path} ({problem}); nothing was "
                                                "written there.").format(path=target, problem=exc.strerror)) from None
    finally:
        conn.close()
        partial.unlink(missing_ok=True)
    return Summary(str(target), schema, counts, len(shas))


def import_snapshot(source: Path, data_dir: Path, database: Path) -> Summary:
    """Fills the empty ``data_dir`` with the archive ``source``; all or nothing for the database."""
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise MesError("VALIDATION_ERROR", _("{path} is not a mes export ({problem}).").format(
            path=source, problem=getattr(exc, "strerror", None) or exc)) from None
    with archive:
        manifest = _manifest(archive, source)
        schema = manifest["schema_version"]
        if read_schema_version(database) and _holds_data(database):
            raise MesError("CONFLICT", _("The data directory {path} already holds data; import into an empty one "
                                         "(a new --data-dir).").format(path=data_dir))
        prepare_data_dir(data_dir)
        blobs = BlobStore(data_dir / "blobs")
        names = set(archive.namelist())
        for name in sorted(names):
            if name.startswith("blobs/"):
                _read_blob(archive, name, blobs)
        store = Store(database, upto=schema)
        counts: dict[str, int] = {}
        with store.transaction() as conn:
            conn.execute("PRAGMA defer_foreign_keys = ON")
            for table in manifest["tables"]:
                counts[table] = _read_table(archive, table, conn, source)
            problems = conn.execute("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise MesError("VALIDATION_ERROR", _("{path} is inconsistent: {n} row(s) point at rows it does not "
                                                     "hold; nothing was imported.").format(path=source,
                                                                                           n=len(problems)))
        if KEY_FILE in names:
            _write_private(data_dir / KEY_FILE, archive.read(KEY_FILE))
        store.migrate()
        store.close()
    return Summary(str(source), schema, counts, sum(1 for name in names if name.startswith("blobs/")))


# -- export ------------------------------------------------------------------------------------

def _tables(conn: sqlite3.Connection) -> list[str]:
    return [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _write_table(conn: sqlite3.Connection, table: str, archive: zipfile.ZipFile) -> int:
    cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    columns = [column[0] for column in cursor.description]
    count = 0
    with archive.open(f"tables/{table}.jsonl", "w") as out:
        for row in cursor:
            values = {name: _to_json(value) for name, value in zip(columns, row)}
            out.write(json.dumps(values, ensure_ascii=False).encode() + b"\n")
            count += 1
    return count


def _write_blob(blobs: BlobStore, sha256: str, archive: zipfile.ZipFile) -> None:
    try:
        archive.write(blobs.path(sha256), f"blobs/{sha256}", compress_type=zipfile.ZIP_STORED)
    except FileNotFoundError:
        raise MesError("STORAGE_UNAVAILABLE", _("The bytes of a document ({sha256}) are missing from the data "
                                                "directory (deleted during the export, or lost): run the export "
                                                "again; if it persists, restore them from a backup.")
                       .format(sha256=sha256)) from None


def _to_json(value):
    return {"base64": base64.b64encode(value).decode()} if isinstance(value, bytes) else value


def _durable(path: Path) -> None:
    os.chmod(path, 0o600)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- import ------------------------------------------------------------------------------------

def _manifest(archive: zipfile.ZipFile, source: Path) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
        kind, version, schema = manifest["format"], manifest["format_version"], manifest["schema_version"]
        tables = manifest["tables"]
    except (KeyError, ValueError, TypeError):
        raise MesError("VALIDATION_ERROR", _("{path} is not a mes export (no valid manifest.json).").format(
            path=source)) from None
    if kind != FORMAT or not isinstance(version, int) or not isinstance(schema, int) or not isinstance(tables, dict):
        raise MesError("VALIDATION_ERROR", _("{path} is not a mes export (no valid manifest.json).").format(
            path=source))
    if version > FORMAT_VERSION or schema > SCHEMA_VERSION:
        raise MesError("VALIDATION_ERROR", _("{path} was exported by a newer mes-cli (format {version}, schema "
                                             "{schema}; this one reads format {known_format}, schema {known_schema}): "
                                             "upgrade mes-cli to import it.").format(
            path=source, version=version, schema=schema, known_format=FORMAT_VERSION, known_schema=SCHEMA_VERSION))
    return manifest


def _holds_data(database: Path) -> bool:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return any(conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() for table in _tables(conn)
                   if table != "meta")
    finally:
        conn.close()


def _read_blob(archive: zipfile.ZipFile, name: str, blobs: BlobStore) -> None:
    sha256 = name.removeprefix("blobs/")
    digest = hashlib.sha256()
    fd, temp_name = tempfile.mkstemp(dir=blobs.tmp, prefix="import-")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out, archive.open(name) as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise MesError("CHECKSUM_MISMATCH", _("{name} in the export does not match its SHA-256: the file is "
                                                  "damaged; nothing was imported.").format(name=name))
        final = blobs.path(sha256)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)


def _read_table(archive: zipfile.ZipFile, table: str, conn: sqlite3.Connection, source: Path) -> int:
    known = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
    if not known:
        raise MesError("VALIDATION_ERROR", _("{path} holds a table {table!r} this schema does not have.").format(
            path=source, table=table))
    count = 0
    with archive.open(f"tables/{table}.jsonl") as lines:
        for line in lines:
            row = json.loads(line)
            if not set(row) <= known:
                raise MesError("VALIDATION_ERROR", _("{path}: table {table!r} has columns this schema does not "
                                                     "have ({columns}).").format(
                    path=source, table=table, columns=", ".join(sorted(set(row) - known))))
            columns = ", ".join(f'"{name}"' for name in row)
            marks = ", ".join("?" for _name in row)
            conn.execute(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                         [_from_json(value) for value in row.values()])
            count += 1
    return count


def _from_json(value):
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    return value


def _write_private(path: Path, data: bytes) -> None:
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    temp.replace(path)
