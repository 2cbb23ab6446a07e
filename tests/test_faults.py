"""Faults: the server killed mid-upload, a full disk, a read-only data directory."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from support import files
from support.cli import Mes
from support.flows import active_person
from support.server import start_server


@contextmanager
def tmpfs(path: Path, size: str, read_only: bool = False):
    """A small file system of our own (the tests and CI run as root)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        if read_only:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_disk_full_during_an_upload_stores_nothing_half(tmp_path):
    with tmpfs(tmp_path / "small", "3m") as data:
        mes = Mes(home=tmp_path / "home", variables={"MES_SERVER_DATA": str(data)})
        active_person(mes)
        first = files.write(tmp_path / "in", "first.pdf", files.pdf("first", pad_to=1_500_000))
        second = files.write(tmp_path / "in", "second.pdf", files.pdf("second", pad_to=2_000_000))
        mes.ok("docs", "upload", str(first))
        result = mes("docs", "upload", str(second))
        assert result.exit_code == 5 and "STORAGE_FULL" in result.stderr, result
        assert [d["title"] for d in mes.ok("docs", "list")] == ["first"]
        assert list((data / "blobs" / "tmp").iterdir()) == [], "no half-written temp file is left"
        with sqlite3.connect(data / "mes.sqlite3") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_read_only_data_dir_is_a_clear_error_at_start(tmp_path):
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as data:
        result = subprocess.run([sys.executable, "-m", "mes_cli", "server", "run", "--port", "0", "--data-dir",
                                 str(data)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 1 and "not writable" in result.stderr and "Traceback" not in result.stderr


def test_server_killed_during_a_bulk_upload(tmp_path):
    data = tmp_path / "data"
    server = start_server(data)
    mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=server.admin_token)
    active_person(mes)
    contents = {}
    for i in range(200):
        blob = files.pdf(f"scan {i}", pad_to=20_000)
        files.write(tmp_path / "scans", f"scan{i:03d}.pdf", blob)
        contents[hashlib.sha256(blob).hexdigest()] = blob
    env = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    env.update(MES_HOME=str(mes.home), MES_API_URL=server.url)
    upload = subprocess.Popen([sys.executable, "-m", "mes_cli", "docs", "upload", str(tmp_path / "scans"), "-r"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = 0
    for line in upload.stderr:
        done += line.startswith("✓")
        if done >= 30:
            server.process.send_signal(signal.SIGKILL)
            break
    upload.communicate(timeout=60)
    server.process.wait()
    assert upload.returncode == 3, "the CLI reports the lost server as a network error"
    with sqlite3.connect(data / "mes.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    assert 30 <= stored < 200
    restarted = start_server(data)
    try:
        token = next(iter(json.loads((mes.home / "sessions.json").read_text()).values()))["token"]
        again = Mes(home=mes.home, api_url=restarted.url, variables={"MES_TOKEN": token})
        rerun = again.ok("docs", "upload", str(tmp_path / "scans"), "-r")
        assert sum(r["status"] == "exists" for r in rerun) == stored
        documents = again.ok("docs", "list", "--all")
        assert len(documents) == 200 and {d["sha256"] for d in documents} == set(contents)
        for sha in contents:
            assert hashlib.sha256((data / "blobs" / sha[:2] / sha).read_bytes()).hexdigest() == sha
    finally:
        restarted.stop()
