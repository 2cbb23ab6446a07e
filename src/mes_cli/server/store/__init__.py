"""Persistence of the reference server: the metadata in SQLite (WAL) or PostgreSQL, the
documents' bytes in content-addressed files (``blobs.py``)."""

from __future__ import annotations

from pathlib import Path

from ...contract.errors import MesError
from ...i18n import _
from .db import SCHEMA_VERSION, Store

__all__ = ["SCHEMA_VERSION", "Store", "open_store", "describe_database"]


def open_store(database_url: str | None, default_path: Path, *, upto: int = SCHEMA_VERSION,
               connections: int = 4):
    """The store a URL names: ``postgresql://…``, ``sqlite:///path``, or None for ``default_path``.

    ``connections``: how many threads use it at once (PostgreSQL pools that many connections).
    """
    if database_url is None:
        return Store(default_path, upto=upto)
    if database_url.startswith(("postgresql://", "postgres://")):
        require_postgresql_driver()
        from .postgres import PostgresStore

        return PostgresStore(database_url, upto=upto, pool_size=connections)
    if database_url.startswith("sqlite:///"):
        return Store(Path(database_url.removeprefix("sqlite://")), upto=upto)
    raise MesError("VALIDATION_ERROR", _("Unsupported database URL {url}: use sqlite:///PATH or "
                                         "postgresql://USER@HOST:PORT/NAME.").format(url=describe_database(database_url)),
                   {"field": "database"})


def require_postgresql_driver() -> None:
    """PostgreSQL needs the optional extra: said with the command that installs it, not as a ModuleNotFoundError."""
    import importlib.util

    missing = [name for name in ("psycopg", "psycopg_pool") if importlib.util.find_spec(name) is None]
    if missing:
        raise MesError("STORAGE_UNAVAILABLE", _("PostgreSQL support is not installed ({modules} missing): run "
                                                "pip install 'mes-cli[postgresql]' and start again.").format(
            modules=", ".join(missing)), {"missing": missing})


def describe_database(database_url: str | None, default_path: Path | None = None) -> str:
    """The database for messages and logs: a path, or the URL without its password."""
    if database_url is None:
        return str(default_path)
    from .postgres import redact_url

    return redact_url(database_url)
