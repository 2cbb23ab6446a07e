"""Bulk uploads that are killed, re-run, or run side by side: one copy of each file, every checksum right."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
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


def test_server_killed_during_a_group_commit(tmp_path):
    """The server stalls in the middle of a group commit — its uploads' files renamed into place and
    fsynced, their rows not committed — and is killed there: the uploads it acknowledged are stored
    once each, those of the batch are not (their files are orphans that gc removes), and a re-run
    stores the rest, every checksum right."""
    from mes_cli.server.store.group_commit import STALL_ENV
    from support.server import start_server

    data, marker = tmp_path / "data", tmp_path / "stalled"
    server = start_server(data, env={STALL_ENV: f"30:{marker}"})
    mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=server.admin_token)
    active_person(mes)
    contents = _folder(tmp_path, 120)
    upload = _spawn(mes, tmp_path / "scans", 4)
    deadline = time.monotonic() + 120  # a guard against a hang, not a measure
    while not marker.exists() and upload.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists(), "the server never reached its stall"
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    _, err = upload.communicate(timeout=60)
    assert upload.returncode == 3, "the CLI reports the lost server as a network error"
    acknowledged = {line.rsplit("→ ", 1)[1].split()[0] for line in err.splitlines() if line.startswith("✓")}
    batch = int(marker.read_text())
    assert batch >= 2 and len(acknowledged) >= 30

    with sqlite3.connect(data / "mes.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = dict(db.execute("SELECT id, sha256 FROM documents").fetchall())
        named = {row[0] for row in db.execute("SELECT sha256 FROM blobs")}
    assert acknowledged <= set(rows), "every upload acknowledged is stored"
    assert len(set(rows.values())) == len(rows) < len(contents), "each once, and the batch was not committed"
    on_disk = {path.name: path for path in (data / "blobs").glob("??/*")}
    for sha in rows.values():  # never a row without its bytes
        assert hashlib.sha256(on_disk[sha].read_bytes()).hexdigest() == sha
    orphans = set(on_disk) - named
    assert len(orphans) >= batch, "the batch's files were renamed into place before the kill"
    gc = subprocess.run([sys.executable, "-m", "mes_cli", "server", "gc", "--data-dir", str(data), "--older-than",
                         "0"], capture_output=True, text=True, timeout=60,
                        env={k: v for k, v in os.environ.items() if not k.startswith("MES_")})
    assert gc.returncode == 0, gc.stderr
    assert {path.name for path in (data / "blobs").glob("??/*")} == named, "gc removed the orphans, only them"

    restarted = start_server(data)
    try:
        token = next(iter(json.loads((mes.home / "sessions.json").read_text()).values()))["token"]
        again = Mes(home=mes.home, api_url=restarted.url, variables={"MES_TOKEN": token})
        rerun = again.ok("docs", "upload", str(tmp_path / "scans"), "-r")
        assert sum(r["status"] == "exists" for r in rerun) == len(rows)
        _check_served(again, contents, restarted.url)
    finally:
        restarted.stop()
