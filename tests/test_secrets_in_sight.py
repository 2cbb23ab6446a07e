"""Secrets and health data stay out of sight: not in what the server or the CLI print, not in
files other users can read, not in process arguments.

(What the server keeps at rest is tests/server/test_secrets_at_rest.py.)
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import typer

from mes_cli.cli.app import app
from support.cli import Mes
from support.files import pdf, write
from support.flows import activate, identity_args, last_message, seed
from support.people import STRONG_PASSWORD
from support.server import ADMIN_TOKEN, start_server

DISEASE = "Maladie-de-test-Kx7"  # health data typed by the person
DOCUMENT_TEXT = "compte-rendu-confidentiel-Qz9"


def _full_flow(mes: Mes, workdir: Path) -> tuple[dict, list[str]]:
    """Activation, login by code, documents, the medical profile, an export; returns the person and
    every stderr the CLI wrote on the way."""
    seen: list[str] = []

    def run(*args, **kwargs):
        result = mes(*args, **kwargs)
        assert result.exit_code == 0, result
        seen.append(result.stderr)
        return result

    p = seed(mes)
    activate(mes, p)
    run("login", "--identifier", p["identifier"], "--password-stdin", stdin=p["password"] + "\n")
    p["login_code"] = last_message(mes, p["email"])["code"]
    run("login", "--code", p["login_code"])
    source = write(workdir, "cr.pdf", pdf(DOCUMENT_TEXT))
    uploaded = run("docs", "upload", str(source), "--category", "CPT_REND").json[0]
    run("docs", "download", uploaded["document_id"], "-o", str(workdir / "copy.pdf"))
    run("profile", "add", "disease", "--name", DISEASE)
    run("profile", "export", "--format", "fhir", "-o", str(workdir / "profile.json"))
    run("docs", "list")
    run("logout")
    failed = mes("login", "--identifier", p["identifier"], "--password-stdin", stdin="Not-the-password-1!\n")
    assert failed.exit_code == 4
    seen.append(failed.stderr)
    p["token"] = None
    return p, seen


def _secrets(p: dict) -> list[str]:
    return [STRONG_PASSWORD, p["code"], p["login_code"], ADMIN_TOKEN, DISEASE, DOCUMENT_TEXT, "Not-the-password-1!"]


def test_files_the_cli_writes_are_readable_by_their_owner_only(local_mes, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    _full_flow(local_mes, workdir)
    receipt_person = seed(local_mes)
    local_mes.ok("oppose", "--code", receipt_person["code"], *identity_args(receipt_person), "--yes",
                 "--receipt", str(workdir / "receipt.txt"))
    written = [path for path in [*local_mes.home.rglob("*"), *workdir.iterdir()] if path.name != "cr.pdf"]
    assert any(path.name == "copy.pdf" for path in written) and any(path.suffix in (".db", ".sqlite3") for path in written)
    exposed = [(str(path), oct(stat.S_IMODE(path.stat().st_mode))) for path in written
               if stat.S_IMODE(path.stat().st_mode) & 0o077]
    assert not exposed, f"readable by other users: {exposed}"


def test_nothing_printed_by_the_cli_or_the_server_holds_a_secret(tmp_path):
    server = start_server(tmp_path / "data")
    try:
        mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=ADMIN_TOKEN)
        workdir = tmp_path / "work"
        workdir.mkdir()
        p, cli_stderr = _full_flow(mes, workdir)
        session = json.loads((mes.home / "sessions.json").read_text())
    finally:
        assert server.stop() == 0
    secrets = _secrets(p) + [value for value in json.dumps(session).split('"') if len(value) >= 32]
    printed = {"server log": "".join(server.log), **{f"cli stderr {i}": text for i, text in enumerate(cli_stderr)}}
    assert "listening on" in printed["server log"]
    leaks = [(where, secret) for where, text in printed.items() for secret in secrets if secret and secret in text]
    assert not leaks, leaks


def test_the_server_runs_with_no_secret_in_its_arguments(tmp_path):
    server = start_server(tmp_path / "data")
    try:
        arguments = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")
    finally:
        server.stop()
    assert b"server" in arguments and ADMIN_TOKEN.encode() not in b" ".join(arguments)


def test_no_option_takes_a_password_and_secret_options_have_an_environment_variable():
    """Passwords come from a prompt or stdin; a long-lived secret given as an option can always
    come from the environment instead (one-time codes are short-lived and single use)."""
    one_time = {("mes reset-password", "--token")}  # the single-use link token of a reset e-mail, like a code
    offending = []

    def walk(command, path):
        for param in command.params:
            names = " ".join(getattr(param, "opts", []))
            if "password" in names and not getattr(param, "is_flag", False):
                offending.append((path, names, "takes a password value"))
            if any(word in names for word in ("token", "secret")) and not getattr(param, "is_flag", False) \
                    and not getattr(param, "envvar", None) and (path, names) not in one_time:
                offending.append((path, names, "secret with no environment variable"))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "mes")
    assert not offending, offending


def test_a_secret_typed_as_an_option_is_warned_about(tmp_path):
    server = start_server(tmp_path / "data", extra=["--admin-token", "typed-in-the-open-0123456789"])
    server.stop()
    assert any("warning: --admin-token is visible to other users" in line and "MES_ADMIN_TOKEN" in line
               for line in server.log), server.log
    assert not any("typed-in-the-open" in line for line in server.log)
