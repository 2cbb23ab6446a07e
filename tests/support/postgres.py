"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary directory.

Never assumes a running server. The machine's binaries are found with ``pg_config`` or
under /usr/lib/postgresql/*/bin; as root, the cluster runs as the ``postgres`` user
(initdb refuses root). Durability is switched off (``fsync=off``): the tests check
behaviour, not crash safety of PostgreSQL itself.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

_databases = itertools.count(1)


def binaries() -> Path | None:
    """The directory of initdb and pg_ctl, or None when PostgreSQL is not installed."""
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if found and (Path(found) / "initdb").exists():
            return Path(found)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int
    user: str | None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://mes@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty store: a schema of its own in the cluster's database; returns its URL.

        (A schema is made and dropped in milliseconds, a database in a few hundred.)
        """
        import psycopg

        name = f"mes_test_{os.getpid()}_{next(_databases)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url()}?options=-csearch_path%3D{name}"

    def drop_database(self, url: str) -> None:
        """Removes a store made by ``new_database``."""
        import psycopg

        name = url.rsplit("%3D", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bindir / tool), *args], capture_output=True, text=True, timeout=120,
                              user=self.user, check=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})


def start_cluster(base: Path) -> Cluster:
    bindir = binaries()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed (no initdb): install it (apt-get install postgresql)")
    user = "postgres" if os.geteuid() == 0 else None
    base.mkdir(parents=True, exist_ok=True)
    if user:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = Cluster(bindir, base / "data", port, user)
    cluster._run("initdb", "-D", str(cluster.datadir), "-U", "mes", "--auth=trust", "-E", "UTF8", "--locale=C",
                 "--no-sync")
    options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               f"-c full_page_writes=off -c max_connections=200")
    cluster._run("pg_ctl", "-D", str(cluster.datadir), "-o", options, "-l", str(base / "log"), "-w", "start")
    return cluster
