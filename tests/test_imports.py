"""Lazy imports (DESIGN.md): `mes --help`, `mes --version` and remote-mode commands never load the server.

Each case runs `mes_cli.cli.app.run(args)` in a fresh interpreter (a subprocess, so
modules imported by other tests cannot hide or fake anything) and reads
``sys.modules`` once the command has returned.

Findings when this test was written (typer 0.29, rich 15 installed):
- `mes --help` does not import rich: the app sets ``rich_markup_mode=None``, and
  typer then formats help with its vendored click formatter, never touching rich.
  So rich is forbidden here too: if it ever shows up, a module-level import crept
  into ``cli/`` (DESIGN: "rich, tabulate, argon2 are imported where used").
- msgspec is allowed (the client needs it for the wire format in remote mode).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# What the subprocess runs: the command with stdout silenced, then the module list to a file.
PROBE = """
import json, os, sys
args, out = json.loads(sys.argv[1]), sys.argv[2]
from mes_cli.cli.app import run
real_stdout, sys.stdout = sys.stdout, open(os.devnull, "w")
try:
    code = run(args)
except SystemExit as exc:
    code = exc.code
finally:
    sys.stdout = real_stdout
with open(out, "w") as fh:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, fh)
"""

# The server side of the project and its heavy dependencies (package name: every submodule counts).
SERVER_SIDE = ("mes_cli.server", "argon2", "_argon2_cffi_bindings", "sqlite3", "_sqlite3", "waitress")
# Presentation libraries, imported only by the code that draws a table or a progress bar.
PRESENTATION = ("rich", "tabulate")


def _matches(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _imported(tmp_path: Path, args: list[str], extra_env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Runs `mes args` in a new interpreter; returns its exit code and every module it imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MES_") and k != "CI"}
    env["MES_HOME"] = str(tmp_path / "home")
    env.update(extra_env or {})
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), str(out)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and out.exists(), (
        f"the probe itself failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(out.read_text())
    modules = set(result["modules"])
    # The probe really ran the CLI (a guard against a vacuous pass).
    assert "mes_cli.cli.app" in modules and "typer" in modules
    return result["exit"], modules


def _forbidden_found(modules: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(_matches(m, p) for p in forbidden))


def _message(what: str, found: list[str]) -> str:
    roots = sorted({m.split(".")[0] if not m.startswith("mes_cli.") else ".".join(m.split(".")[:2])
                    for m in found})
    return f"{what} imported forbidden modules {roots}: {found}"


def test_help_loads_neither_the_server_nor_rich(tmp_path):
    code, modules = _imported(tmp_path, ["--help"])
    assert code == 0
    found = _forbidden_found(modules, SERVER_SIDE + PRESENTATION)
    assert not found, _message("`mes --help`", found)


def test_version_loads_neither_the_server_nor_rich(tmp_path):
    code, modules = _imported(tmp_path, ["--version"])
    assert code == 0
    found = _forbidden_found(modules, SERVER_SIDE + PRESENTATION)
    assert not found, _message("`mes --version`", found)


@pytest.mark.parametrize("command", [["whoami"]])
def test_remote_command_does_not_load_the_server(tmp_path, command):
    # Port 9 (discard) on loopback: nothing listens, so the request fails with a network error.
    code, modules = _imported(tmp_path, ["--api-url", "http://127.0.0.1:9", *command], {"MES_TOKEN": "x"})
    assert code == 3, f"expected exit 3 (network error), got {code}"
    assert "httpx" in modules, "the remote command never reached the HTTP client"
    # httpx imports its own command line (httpx._main: click, rich, pygments) whenever click is
    # installed — as in the test environment, where schemathesis brings it; that is not ours.
    presentation = () if "httpx._main" in modules else PRESENTATION
    found = _forbidden_found(modules, SERVER_SIDE + presentation)
    assert not found, _message(f"`mes --api-url http://127.0.0.1:9 {' '.join(command)}`", found)


def test_the_probe_sees_the_server_when_it_is_used(tmp_path):
    """A control: an embedded-mode command does load the server, so the checks above can fail."""
    code, modules = _imported(tmp_path, ["--api-url", "local", "server", "seed", "--demo"])
    assert code == 0
    assert {"mes_cli.server", "sqlite3"} <= modules


# Command modules other than the one a command line names (cli/app.py TOP_LEVEL): never imported.
OTHER_COMMANDS = ("mes_cli.cli.docs", "mes_cli.cli.server", "mes_cli.cli.smoke", "mes_cli.cli.demo",
                  "mes_cli.cli.vaccins", "mes_cli.cli.messages", "mes_cli.cli.portability", "mes_cli.cli.profile")
# The server's heavy domains, imported by the operations that use them only (server/http/operation.py
# Service): the vaccination calendar, the CDA and XDM parsers and lxml under them.
HEAVY_DOMAINS = ("mes_cli.domain.vaccination", "mes_cli.domain.cda", "mes_cli.domain.xdm", "lxml",
                 "mes_cli.server.services.health_documents", "mes_cli.server.services.vaccinations")


def test_a_command_imports_only_its_own_command_module(tmp_path):
    code, modules = _imported(tmp_path, ["--api-url", "http://127.0.0.1:9", "whoami"], {"MES_TOKEN": "x"})
    assert code == 3 and "mes_cli.cli.account" in modules
    found = _forbidden_found(modules, OTHER_COMMANDS)
    assert not found, _message("`mes whoami`", found)


def test_an_embedded_command_imports_only_the_services_it_calls(tmp_path):
    code, modules = _imported(tmp_path, ["--api-url", "local", "outbox"])
    assert code == 0 and "mes_cli.server.http.app" in modules and "mes_cli.server.services.auth" in modules
    found = _forbidden_found(modules, HEAVY_DOMAINS + OTHER_COMMANDS[:1])
    assert not found, _message("`mes --api-url local outbox`", found)


def test_a_plain_http_server_is_reached_without_httpcore(tmp_path):
    """client/http11.py: ``http://`` goes over the standard library's http.client, already loaded by httpx."""
    code, modules = _imported(tmp_path, ["--api-url", "http://127.0.0.1:9", "whoami"], {"MES_TOKEN": "x"})
    assert code == 3 and "mes_cli.client.http11" in modules
    found = _forbidden_found(modules, ("httpcore", "h11", "anyio"))
    assert not found, _message("`mes --api-url http://127.0.0.1:9 whoami`", found)
