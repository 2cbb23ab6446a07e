"""Shared fixtures: every CLI scenario runs in-process (embedded server, SQLite, bytes in files) and
against a real server (`mes server run` on PostgreSQL, bytes in the database): both stores, end to end."""

from __future__ import annotations

import pytest

from support.cli import Mes
from support.server import ADMIN_TOKEN, start_server


@pytest.fixture(scope="session")
def real_server(tmp_path_factory, postgres):
    database = postgres.new_database()
    server = start_server(tmp_path_factory.mktemp("server-data"), extra=["--database", database])
    yield server
    assert server.stop() == 0, "the server did not shut down cleanly on SIGTERM"
    postgres.drop_database(database)


@pytest.fixture(scope="session")
def dev_server(tmp_path_factory):
    """One `mes server run --dev` (SQLite) for the emulator's tools: faults, journal, events, webhooks."""
    server = start_server(tmp_path_factory.mktemp("dev-server"))
    yield server
    assert server.stop() == 0


@pytest.fixture(params=["local", "remote"])
def mes(request, tmp_path):
    """`mes` for one person's home; the server is embedded or a real `mes server run` on loopback."""
    if request.param == "local":
        cli = Mes(home=tmp_path / "home")
    else:
        server = request.getfixturevalue("real_server")
        cli = Mes(home=tmp_path / "home", api_url=server.url, admin_token=ADMIN_TOKEN)
    yield cli
    cli("server", "clock", "--reset")


@pytest.fixture
def local_mes(tmp_path):
    """`mes` on the embedded server only (for tests about local files and the embedded store)."""
    return Mes(home=tmp_path / "home")


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL cluster for the session, started from the machine's binaries (support/postgres.py).

    Its directory is made with tempfile, not pytest's tmp_path: as root the cluster runs as
    ``postgres``, who cannot enter pytest's private temporary directories. Without the binaries
    the tests that need it fail saying what to install (.ci/run installs them).
    """
    import shutil
    import tempfile
    from pathlib import Path

    from support.postgres import start_cluster

    base = Path(tempfile.mkdtemp(prefix="mes-postgres-"))
    cluster = start_cluster(base)
    yield cluster
    cluster.stop()
    shutil.rmtree(base, ignore_errors=True)

