"""Bulk uploads that are killed, re-run, or run side by side: one copy of each file, every checksum right."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx

from support import files
from support.cli import Mes
from support.flows import active_person

COUNT = 300


def _folder(tmp_path: Path, count: int = COUNT) -> dict[str, bytes]:
    contents = {}
    for i in range(count):
        data = files.pdf(f"scan {i}", pad_to=20_000)
        files.write(tmp_path / "scans", f"scan{i:04d}.pdf", data)
        contents[hashlib.sha256(data).hexdigest()] = data
    return contents


def _spawn(mes: Mes, folder: Path, jobs: int = 4, *extra: str, stdout=subprocess.DEVNULL) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    env.update(MES_HOME=str(mes.home), MES_API_URL=mes.api_url, MES_FORMAT="json")
    return subprocess.Popen([sys.executable, "-m", "mes_cli", "docs", "upload", str(folder), "-r", "--jobs",
                             str(jobs), *extra], env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)


def _check_store(mes: Mes, contents: dict[str, bytes], data_dir: Path) -> None:
    """Each file once, and the embedded store's bytes and SQLite file whole."""
    documents = mes.ok("docs", "list", "--all")
    assert len(documents) == len(contents), "each file exactly once"
    assert {d["sha256"] for d in documents} == set(contents)
    for sha in contents:
        blob = data_dir / "blobs" / sha[:2] / sha
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == sha
    with sqlite3.connect(data_dir / "mes.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _check_served(mes: Mes, contents: dict[str, bytes], server_url: str) -> None:
    """Each file once, and the bytes the server sends back (from its database) are the ones sent."""
    documents = mes.ok("docs", "list", "--all")
    assert len(documents) == len(contents), "each file exactly once"
    assert {d["sha256"] for d in documents} == set(contents)
    token = mes("auth", "token").stdout.strip()
    with httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"}) as http:
        for document in documents:
            body = http.get(f"/v1/profiles/me/documents/{document['id']}/content").content
            assert hashlib.sha256(body).hexdigest() == document["sha256"]


def _signal_after(process, stored: int, sig: int) -> None:
    """Sends ``sig`` once the upload has said ``stored`` files are done (✓ lines on stderr)."""
    done = 0
    for line in process.stderr:
        done += line.startswith("✓")
        if done >= stored:
            process.send_signal(sig)
            return


def test_killed_bulk_upload_then_rerun_embedded(local_mes, tmp_path):
    """SIGKILL takes the embedded server down with the CLI: the store must still be whole."""
    mes = local_mes
    active_person(mes)
    contents = _folder(tmp_path)
    process = _spawn(mes, tmp_path / "scans")
    _signal_after(process, 40, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the upload finished before it could be killed"
    stored = len(mes.ok("docs", "list", "--all"))
    assert 40 <= stored < COUNT
    rerun = mes.ok("docs", "upload", str(tmp_path / "scans"), "-r")
    assert sum(r["status"] == "exists" for r in rerun) == stored
    _check_store(mes, contents, mes.home / "server")


def test_ctrl_c_keeps_the_lines_printed_and_says_how_to_resume(local_mes, tmp_path):
    """SIGINT (Ctrl-C) in the middle: exit 130, one JSONL line per file already streamed as each finished,
    the files not sent listed too, and a summary on stderr; the same command then sends only the rest."""
    mes = local_mes
    active_person(mes)
    contents = _folder(tmp_path)
    process = _spawn(mes, tmp_path / "scans", 4, "--format", "jsonl", stdout=subprocess.PIPE)
    _signal_after(process, 40, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == COUNT and len({r["path"] for r in rows}) == COUNT, "one line per file"
    statuses = [r["status"] for r in rows]
    stored = statuses.count("uploaded")
    assert 40 <= stored < COUNT and statuses.count("not_sent") == COUNT - stored
    assert "not_sent" not in statuses[:stored], "the lines of the files done come first, as they finished"
    assert f"Interrupted: {stored} stored, {COUNT - stored} not sent — run the same command again to resume." in err
    assert len(mes.ok("docs", "list", "--all")) == stored
    rerun = mes.ok("docs", "upload", str(tmp_path / "scans"), "-r")
    assert sum(r["status"] == "exists" for r in rerun) == stored
    _check_store(mes, contents, mes.home / "server")


def test_parallel_processes_upload_each_file_once(tmp_path, real_server):
    mes = Mes(home=tmp_path / "home", api_url=real_server.url, admin_token=real_server.admin_token)
    active_person(mes)
    contents = _folder(tmp_path, 120)
    processes = [_spawn(mes, tmp_path / "scans", jobs=3) for _ in range(3)]
    for process in processes:
        process.communicate(timeout=120)
        assert process.returncode == 0
    _check_served(mes, contents, real_server.url)
