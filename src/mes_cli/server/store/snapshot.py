"""Moving a server's data: export a consistent snapshot to one file, import it elsewhere.

The archive is a zip file, the same whatever the engine and wherever the bytes live:

    manifest.json          format, format version, schema version, counts, when
    tables/<name>.jsonl    every row of every table, one JSON object per line
    blobs/<sha256>         the bytes of every document and attachment
    server.key             the key codes are hashed with (so that codes sent stay valid)

Rows are plain JSON (bytes as ``{"base64": …}``), so that an export of SQLite imports into
PostgreSQL and back. The export reads every table and every byte inside one read transaction
(the archive sees one moment; writers go on) and is written to a temporary file renamed
into place once complete: never a half-written archive under the name asked for. The import
refuses a newer format or schema, and a database that already holds data. In one transaction
it creates the tables at the archive's schema version, inserts every row (parents before
children), migrates them to this version, and stores every content: an interruption leaves
the database as it was (and at worst unreferenced files, which ``mes server gc`` removes).
The archive holds password hashes, the server key and health data: it is written 0600 and
must be kept like the data itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ...contract.errors import MesError
from ...i18n import _
from ..security import KEY_FILE, KEY_FINGERPRINT, install_key, key_fingerprint, server_key
from ..settings import Settings
from . import describe_database, open_store
from .db import SCHEMA_VERSION, prepare_data_dir, read_schema_version

FORMAT = "mes-server-export"
FORMAT_VERSION = 1
NOT_EXPORTED = {"blob_parts"}  # the bytes go as blobs/<sha256>, wherever they live
NOT_DATA = {"meta", "blob_parts"}  # an import may fill a database holding only these
NO_LIMIT = 1 << 62


@dataclass(frozen=True)
class Summary:
    path: str
    schema_version: int
    tables: dict[str, int]
    blobs: int
    notes: list[str] = field(default_factory=list)


def export_snapshot(settings: Settings, target: Path) -> Summary:
    """Writes the server's data to the archive ``target`` (replacing it only once complete)."""
    from ..context import blob_store

    store = _existing_store(settings)  # migrated to this version's schema first, like a server start would
    target = Path(target)
    fd, partial_name = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.",
                                        suffix=".partial")
    os.close(fd)
    partial = Path(partial_name)
    blobs = blob_store(settings, store)
    try:
        with store.snapshot() as conn, zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            schema = store.schema_version
            counts = {table: _write_table(conn, table, archive) for table in store.tables()
                      if table not in NOT_EXPORTED}
            shas = [row[0] for row in conn.execute("SELECT sha256 FROM blobs ORDER BY sha256")]
            for sha256 in shas:
                _write_blob(blobs, sha256, archive)
            archive.writestr(KEY_FILE, server_key(settings.data_dir, settings.server_key))
            archive.writestr("manifest.json", json.dumps({
                "format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": schema,
                "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "tables": counts, "blobs": len(shas)}, indent=1))
        _durable(partial)
        partial.replace(target)
    except OSError as exc:
        raise MesError("STORAGE_UNAVAILABLE", _("Cannot write the export to {path} ({problem}); nothing was "
                                                "written there.").format(path=target, problem=exc.strerror)) from None
    finally:
        store.shutdown()
        partial.unlink(missing_ok=True)
    return Summary(str(target), schema, counts, len(shas))


def import_snapshot(source: Path, settings: Settings) -> Summary:
    """Fills an empty database (and data directory) from the archive ``source``; all or nothing."""
    from ..context import blob_store

    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise MesError("VALIDATION_ERROR", _("{path} is not a mes export ({problem}).").format(
            path=source, problem=getattr(exc, "strerror", None) or exc)) from None
    with archive:
        manifest = _manifest(archive, source)
        schema = manifest["schema_version"]
        prepare_data_dir(settings.data_dir)
        store = open_store(settings.database_url, settings.db_path, upto=0)  # looks, changes nothing yet
        try:
            _refuse_unless_empty(store, settings, schema)
            blobs = blob_store(settings, store)
            names = set(archive.namelist())
            counts: dict[str, int] = {}
            try:
                with store.transaction() as conn:  # the tables too: a failed import leaves none behind
                    store.migrate(schema)
                    if store.backend == "sqlite":
                        conn.execute("PRAGMA defer_foreign_keys = ON")
                    for table in _import_order(store, manifest["tables"], source):
                        counts[table] = _read_table(archive, table, store.columns(table), conn, source)
                    store.migrate()  # an older archive's rows brought to this version (where bytes may go)
                    for name in sorted(names):
                        if name.startswith("blobs/"):
                            _read_blob(archive, name, blobs, conn)
                    store.after_import(conn)
            except sqlite3.IntegrityError:
                raise MesError("VALIDATION_ERROR", _("{path} is inconsistent: some rows point at rows it does not "
                                                     "hold; nothing was imported.").format(path=source)) from None
            notes = _install_key(archive, names, settings)
            store.set_meta(KEY_FINGERPRINT, key_fingerprint(server_key(settings.data_dir, settings.server_key)))
        finally:
            store.shutdown()
    return Summary(str(source), schema, counts, sum(1 for name in names if name.startswith("blobs/")), notes)


def _existing_store(settings: Settings):
    """The store of a server that has data (else a clear refusal), migrated to this version."""
    if settings.database_url is None and read_schema_version(settings.db_path) == 0:  # not even created
        raise MesError("NOT_FOUND", _("There is no server data in {path} to export.").format(path=settings.data_dir))
    store = open_store(settings.database_url, settings.db_path, upto=0)
    if store.schema_version == 0:
        store.shutdown()
        raise MesError("NOT_FOUND", _("There is no server data in {path} to export.").format(
            path=describe_database(settings.database_url, settings.db_path)))
    store.migrate()
    return store


def _refuse_unless_empty(store, settings: Settings, schema: int) -> None:
    """Only an empty database is filled, and only one not already past the archive's schema."""
    target = describe_database(settings.database_url, settings.data_dir)
    found = store.schema_version
    if found and any(store.one(f'SELECT 1 FROM "{table}" LIMIT 1') for table in store.tables()
                     if table not in NOT_DATA):
        raise MesError("CONFLICT", _("{target} already holds data; import into an empty one (a new --data-dir or "
                                     "a new database).").format(target=target))
    if found > schema:
        raise MesError("CONFLICT", _("{target} was already prepared for schema {found}, and the archive is at "
                                     "schema {schema}: import into a database with no tables (it is migrated after "
                                     "the import).").format(target=target, found=found, schema=schema))


def _import_order(store, tables: dict, source: Path) -> list[str]:
    known = store.tables()
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise MesError("VALIDATION_ERROR", _("{path} holds a table {table!r} this schema does not have.").format(
            path=source, table=unknown[0]))
    return [table for table in known if table in tables]


def _install_key(archive: zipfile.ZipFile, names: set[str], settings: Settings) -> list[str]:
    """The archive's key goes in the data directory; a different MES_SERVER_KEY is said, not replaced."""
    if KEY_FILE not in names:
        return []
    key = archive.read(KEY_FILE)
    install_key(settings.data_dir, key)
    if settings.server_key and server_key(settings.data_dir, settings.server_key) != key:
        return [_("MES_SERVER_KEY differs from the archive's key: codes sent before the export (activation letters "
                  "included) will not be accepted. To keep them, set MES_SERVER_KEY to the output of: base64 -w0 "
                  "{path}").format(path=settings.data_dir / KEY_FILE)]
    return []


# -- export ------------------------------------------------------------------------------------

def _write_table(conn, table: str, archive: zipfile.ZipFile) -> int:
    # The key's fingerprint belongs to the database, not to the data: the importing side records its own.
    only_data = f" WHERE key <> '{KEY_FINGERPRINT}'" if table == "meta" else ""
    cursor = conn.execute(f'SELECT * FROM "{table}"{only_data} ORDER BY 1')
    rows = cursor.fetchall()
    count = 0
    with archive.open(f"tables/{table}.jsonl", "w") as out:
        for row in rows:
            values = {name: _to_json(row[name]) for name in row.keys()}
            out.write(json.dumps(values, ensure_ascii=False).encode() + b"\n")
            count += 1
    return count


def _write_blob(blobs, sha256: str, archive: zipfile.ZipFile) -> None:
    try:
        chunks = blobs.chunks(sha256)
    except MesError:
        raise MesError("STORAGE_UNAVAILABLE", _("The bytes of a document ({sha256}) are missing from the store "
                                                "(deleted during the export, or lost): run the export again; if it "
                                                "persists, restore them from a backup.")
                       .format(sha256=sha256)) from None
    with archive.open(f"blobs/{sha256}", "w") as out:
        for chunk in chunks:
            out.write(chunk)


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


def _read_blob(archive: zipfile.ZipFile, name: str, blobs, conn) -> None:
    """Stores one content of the archive, checked against its name (its SHA-256) first."""
    sha256 = name.removeprefix("blobs/")
    with archive.open(name) as stream:
        staged = blobs.receive(stream, NO_LIMIT)
    try:
        if staged.sha256 != sha256:
            raise MesError("CHECKSUM_MISMATCH", _("{name} in the export does not match its SHA-256: the file is "
                                                  "damaged; nothing was imported.").format(name=name))
        blobs.commit(conn, staged, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    finally:
        blobs.discard(staged)


def _read_table(archive: zipfile.ZipFile, table: str, known: set[str], conn, source: Path) -> int:
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

