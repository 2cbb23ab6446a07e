"""The CI recipes of docs/ci.md, run as written: the plain shell script, and the two steps of the
GitHub Actions job the way the runner runs them (``bash -e``, variables passed on through a
``GITHUB_ENV`` file). Only the marketplace actions (checkout, setup-python, upload-artifact)
are left out; ``mes`` is the one installed with this test run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "ci.md"
BIN = str(Path(sys.executable).parent)

pytestmark = pytest.mark.skipif(not (shutil.which("curl") and shutil.which("openssl")),
                                reason="the recipes call curl and openssl")


def _block(language: str, after: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(after):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MES_", "GITHUB_", "LC_", "LANGUAGE"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", LANG="C.UTF-8", CI="true", **extra)
    return env


def _junit_ok(path: Path) -> None:
    suite = ET.parse(path).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    assert int(suite.get("tests")) >= 5 and suite.get("failures") == "0" and suite.get("errors", "0") == "0"


def _run_recipe(tmp_path: Path, heading: str, **extra: str) -> None:
    """The first bash block after ``heading``, run as a script in ``tmp_path``; it must exit 0."""
    script = tmp_path / "recipe.sh"
    script.write_text(_block("bash", heading))
    result = subprocess.run(["bash", str(script)], cwd=tmp_path, env=_environment(tmp_path, **extra),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_plain_shell_recipe_runs_green(tmp_path):
    _run_recipe(tmp_path, "## Plain shell")
    _junit_ok(tmp_path / "smoke.xml")


def test_the_github_actions_job_runs_green(tmp_path):
    import yaml  # PyYAML comes with mkdocs (the test extra)

    job = yaml.safe_load(_block("yaml", "## GitHub Actions"))["jobs"]["smoke"]
    steps = [step for step in job["steps"] if "run" in step and not step["run"].startswith("pip install")]
    assert [step.get("name") for step in steps] == ["Start the reference server", "Smoke test"]
    runner_temp, github_env = tmp_path / "runner-temp", tmp_path / "github-env"
    runner_temp.mkdir()
    github_env.touch()
    env = _environment(tmp_path, RUNNER_TEMP=str(runner_temp), GITHUB_ENV=str(github_env), GITHUB_ACTIONS="true",
                       MES_ADMIN_TOKEN="a-throwaway-admin-token-0123456789")
    step_log = tmp_path / "step.log"
    with step_log.open("w") as log:
        started = subprocess.Popen(["bash", "-e", "-c", steps[0]["run"]], cwd=tmp_path, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert started.wait(timeout=60) == 0, step_log.read_text()  # the step ends; its server goes on
        for line in github_env.read_text().splitlines():
            name, _, value = line.partition("=")
            env[name] = value
        assert env["MES_API_URL"].startswith("http://127.0.0.1:")
        smoke = subprocess.run(["bash", "-e", "-c", steps[1]["run"]], cwd=tmp_path, env=env, capture_output=True,
                               text=True, timeout=300)
        assert smoke.returncode == 0, smoke.stderr[-3000:]
        _junit_ok(tmp_path / "smoke.xml")
    finally:
        try:
            os.killpg(started.pid, 15)  # the job's end: the runner stops what the steps left running
        except ProcessLookupError:
            pass


def test_the_emulator_recipe_runs_green(tmp_path):
    _run_recipe(tmp_path, "## The emulator in one command")
    _junit_ok(tmp_path / "smoke.xml")
    assert (tmp_path / "state.zip").exists()


def test_the_webhook_recipe_runs_green(tmp_path):
    import socket

    with socket.socket() as probe:  # a free port for the recipe's receiver
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _run_recipe(tmp_path, "## Webhooks", RECEIVER_PORT=str(port))
    assert (tmp_path / "received.log").read_text().split() == ["document.added"]
