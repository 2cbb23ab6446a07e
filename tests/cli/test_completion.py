"""Shell completion: commands and values, in bash, zsh and fish; the committed scripts are current."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from mes_cli.cli.app import app
from mes_cli.cli.completion import COMPLETE_VAR, SCRIPT_FILES, prepare_answers, script
from support import files
from support.flows import active_person

ROOT = Path(__file__).resolve().parents[2]


def _complete(shell: str, line: str, monkeypatch) -> list[str]:
    """What the shell would receive for `line` (the cursor at its end), answered in-process."""
    from typer._click.shell_completion import get_completion_class

    monkeypatch.setenv(COMPLETE_VAR, f"complete_{shell}")
    prepare_answers()  # as `mes` does when a shell asks
    if shell == "bash":
        words = line.split()
        monkeypatch.setenv("COMP_WORDS", line)
        monkeypatch.setenv("COMP_CWORD", str(len(words) if line.endswith(" ") else len(words) - 1))
    else:
        monkeypatch.setenv("_TYPER_COMPLETE_ARGS", line)
        monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    comp = get_completion_class(shell)(typer.main.get_command(app), {}, "mes", COMPLETE_VAR)
    answer = comp.complete()
    if shell == "zsh":  # _arguments '*: :(("ROR":"MMR"\n"ROTAVIRUS":"rotavirus"))'
        if not answer.startswith("_arguments"):
            return []
        body = answer.removeprefix("_arguments '*: :((").removesuffix("))'")
        return [re.match(r'"([^"]*)"', row).group(1) for row in body.splitlines()]
    return [row.split("\t")[0] for row in answer.splitlines() if row]


@pytest.fixture
def logged_out(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("MES_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MES_HOME", str(tmp_path / "nobody"))


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line, expected", [
    ("mes do", ["docs"]),
    ("mes docs up", ["upload"]),
    ("mes docs upload --category RA", ["RADIO_SC"]),
    ("mes docs list --category CE", ["CERT_MED"]),  # typer matches prefixes case-sensitively
    ("mes vaccins add --vaccine RO", ["ROR", "ROTAVIRUS"]),
    ("mes completion z", ["zsh"]),
])
def test_commands_and_values(shell, line, expected, logged_out, monkeypatch):
    assert _complete(shell, line, monkeypatch) == expected


def test_every_category_is_offered(logged_out, monkeypatch):
    from mes_cli.domain.categories import CATEGORIES

    assert _complete("bash", "mes docs upload --category ", monkeypatch) == list(CATEGORIES)


@pytest.mark.parametrize("line", ["mes docs show ", "mes docs delete d_", "mes children share ",
                                  "mes --api-url http://127.0.0.1:9 docs hide "])
def test_session_values_complete_to_nothing_when_logged_out(line, logged_out, monkeypatch):
    assert _complete("bash", line, monkeypatch) == []


def test_document_ids_of_the_session(mes, tmp_path, monkeypatch):
    active_person(mes)
    path = files.write(tmp_path / "scans", "bilan.pdf", files.pdf("bilan"))
    (uploaded,) = mes.ok("docs", "upload", str(path), "--category", "BIOLOGIE")
    for name in [n for n in os.environ if n.startswith("MES_")]:
        monkeypatch.delenv(name)
    for name, value in {"MES_HOME": str(mes.home), "MES_API_URL": mes.api_url, **mes.variables}.items():
        monkeypatch.setenv(name, value)
    document_id = uploaded["document_id"]
    assert _complete("bash", "mes docs show ", monkeypatch) == [document_id]
    assert _complete("fish", "mes docs download d", monkeypatch) == [document_id]
    assert _complete("bash", f"mes docs hide {document_id} ", monkeypatch) == []  # already given


def test_the_entry_point_answers_completion_requests(tmp_path):
    """Through `mes` itself (main() → run() → Command.main), as the shell scripts call it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    env.update({"MES_HOME": str(tmp_path), COMPLETE_VAR: "complete_bash", "COMP_WORDS": "mes vaccins add --vaccine RO",
                "COMP_CWORD": "4"})
    proc = subprocess.run([sys.executable, "-c", "from mes_cli.cli.app import main; main()"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout.split(), proc.stderr) == (0, ["ROR", "ROTAVIRUS"], "")


@pytest.mark.parametrize("shell", sorted(SCRIPT_FILES))
def test_committed_scripts_are_current(shell, capsys):
    from mes_cli.cli.app import run

    assert run(["completion", shell]) == 0
    printed = capsys.readouterr().out
    assert printed == script(shell) + "\n" and "_MES_COMPLETE=complete_" + shell in printed
    committed = ROOT / SCRIPT_FILES[shell]
    assert committed.exists() and committed.read_text(encoding="utf-8") == printed, (
        f"{SCRIPT_FILES[shell]} is out of date; regenerate it with `mes completion {shell} > {SCRIPT_FILES[shell]}`")
