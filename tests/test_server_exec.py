"""`mes server exec -- COMMAND` and `mes server run --import/--init-dir/--export-on-exit`: a server for the
length of a CI job, its state kept or brought in, and nothing left running afterwards."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from support.cli import Mes
from support.people import person
from support.server import start_server

PYTHON = sys.executable


def _exec(tmp_path: Path, *args: str, **variables: str):
    return Mes(home=tmp_path / "home", variables=variables)("server", "exec", *args)


def _environment() -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    environment["LANG"] = "C.UTF-8"
    return environment


def test_the_command_runs_against_the_server_and_its_status_is_mes_s(tmp_path):
    script = ("import os, sys, httpx; url = os.environ['MES_API_URL']; "
              "ok = httpx.get(url + '/health').json()['dev'] and os.environ['MES_ADMIN_TOKEN']; "
              "sys.exit(3 if ok else 9)")
    result = _exec(tmp_path, "--", PYTHON, "-c", script)
    assert result.exit_code == 3, result


def test_a_missing_command_is_a_usage_error(tmp_path):
    assert _exec(tmp_path).exit_code == 2
    assert _exec(tmp_path, "--", "no-such-command-here").exit_code == 127


def test_the_state_exported_on_exit_comes_back_with_import(tmp_path):
    archive = tmp_path / "state.zip"
    seeded = tmp_path / "persons.json"
    seeded.write_text(json.dumps([person(first_name="Inès")]), encoding="utf-8")
    first = _exec(tmp_path, "--seed", str(seeded), "--export-on-exit", str(archive), "--", PYTHON, "-c", "pass")
    assert first.exit_code == 0 and archive.exists(), first
    count = ("import os, sys, httpx; r = httpx.get(os.environ['MES_API_URL'] + '/v1/dev/outbox', "
             "headers={'Authorization': 'Bearer ' + os.environ['MES_ADMIN_TOKEN']}); "
             "sys.exit(40 + len(r.json()['messages']))")
    again = tmp_path / "again.zip"
    second = _exec(tmp_path, "--import", str(archive), "--export-on-exit", str(again), "--", PYTHON, "-c", count)
    assert second.exit_code == 41, second  # Inès's letter, kept across the two servers
    assert _tables(again) == _tables(archive)  # row for row, the same state
    fresh = _exec(tmp_path, "--", PYTHON, "-c", count)
    assert fresh.exit_code == 40


def _tables(archive: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(archive) as opened:
        return {name: opened.read(name) for name in opened.namelist() if name.startswith(("tables/", "blobs/"))}


def test_a_killed_command_ends_exec_and_leaves_nothing_running(tmp_path):
    script = ("import os, signal, httpx; open(os.environ['URL_FILE'], 'w').write(os.environ['MES_API_URL']); "
              "os.kill(os.getpid(), signal.SIGKILL)")
    result = _exec(tmp_path, "--", PYTHON, "-c", script, URL_FILE=str(tmp_path / "url"))
    assert result.exit_code == 128 + signal.SIGKILL
    with pytest.raises(httpx.ConnectError):  # the server is gone with the command
        httpx.get((tmp_path / "url").read_text() + "/health", timeout=2)


def test_a_stop_signal_reaches_the_command_and_exec_exits_with_its_status(tmp_path):
    pid_file = tmp_path / "pid"
    mes = subprocess.Popen([PYTHON, "-m", "mes_cli", "--home", str(tmp_path / "home"), "server", "exec", "--",
                            "sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"],
                           env=_environment(), stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    mes.send_signal(signal.SIGTERM)
    assert mes.wait(timeout=20) == 128 + signal.SIGTERM
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_run_seeds_and_runs_the_init_dir_in_order_and_exports_on_exit(tmp_path):
    init = tmp_path / "init"
    init.mkdir()
    (init / "10-persons.json").write_text(json.dumps([person(first_name="Inès")]), encoding="utf-8")
    (init / "20-check.sh").write_text(f'"{PYTHON}" -m mes_cli outbox --format csv --columns recipient '
                                      f'> "{tmp_path}/seen.tmp" && mv "{tmp_path}/seen.tmp" "{tmp_path}/seen.csv"\n',
                                      encoding="utf-8")
    (init / "README.txt").write_text("not run", encoding="utf-8")
    archive = tmp_path / "state.zip"
    server = start_server(tmp_path / "data", extra=["--init-dir", str(init), "--export-on-exit", str(archive)])
    deadline = time.monotonic() + 20
    while not (tmp_path / "seen.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stop() == 0
    assert len((tmp_path / "seen.csv").read_text().splitlines()) == 2  # the header and Inès's letter
    assert archive.exists() and any("README.txt skipped" in line for line in server.log)


def test_a_failing_init_script_stops_the_server(tmp_path):
    init = tmp_path / "init"
    init.mkdir()
    (init / "fail.sh").write_text("exit 4\n", encoding="utf-8")
    process = subprocess.run([PYTHON, "-m", "mes_cli", "server", "run", "--dev", "--port", "0", "--data-dir",
                              str(tmp_path / "data"), "--init-dir", str(init)],
                             env=_environment(), capture_output=True, text=True, timeout=60)
    assert process.returncode == 1 and "exited with status 4" in process.stderr, process.stderr


def test_seeding_without_letters_returns_the_codes_on_a_development_server_only(tmp_path):
    mes = Mes(home=tmp_path / "home")
    seeded = tmp_path / "persons.json"
    seeded.write_text(json.dumps([person(first_name="Inès")]), encoding="utf-8")
    (quiet,) = mes.ok("server", "seed", str(seeded), "--quiet-outbox")
    assert len(quiet["provisional_code"]) == 12 and mes.ok("outbox") == []
    production = start_server(tmp_path / "prod", dev=False)
    try:
        refused = Mes(home=tmp_path / "other", api_url=production.url, admin_token=production.admin_token)(
            "server", "seed", str(seeded), "--quiet-outbox")
    finally:
        production.stop()
    assert refused.exit_code == 4 and "DEV_MODE_REQUIRED" in refused.stderr
