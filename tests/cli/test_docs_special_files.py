"""What is not a plain file or a plain terminal: a named pipe in a folder to upload, a reader of stdout that
leaves early (`mes docs list | head -1`)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading

from mes_cli.cli.app import run
from mes_cli.cli.env import Env
from support import files
from support.flows import active_person


def _rescue(fifo, after: float = 20.0) -> threading.Timer:
    """Opens the pipe for writing after a while, so that a reader blocked on it (the bug) wakes up and the
    test fails instead of hanging for ever."""
    timer = threading.Timer(after, lambda: os.close(os.open(fifo, os.O_WRONLY)))
    timer.daemon = True
    timer.start()
    return timer


def test_a_named_pipe_in_a_folder_is_skipped_with_its_reason(local_mes, tmp_path):
    mes = local_mes
    active_person(mes)
    folder = tmp_path / "scans"
    files.write(folder, "a.pdf", files.pdf("a"))
    fifo = folder / "pipe.pdf"
    os.mkfifo(fifo)
    rescuer = _rescue(fifo)
    try:
        for extra in (["--dry-run"], []):
            result = mes("docs", "upload", str(folder), "-r", *extra)
            assert result.exit_code == 0, result
            rows = {r["path"].rsplit("/", 1)[1]: r for r in result.json}
            assert rows["pipe.pdf"]["status"] == "skipped"
            assert rows["pipe.pdf"]["error"] == "a named pipe (FIFO), not a regular file: skipped."
            assert rows["a.pdf"]["status"] == ("valid" if extra else "uploaded")
            assert f"{fifo}: a named pipe (FIFO), not a regular file" in result.stderr
    finally:
        rescuer.cancel()
    assert [d["title"] for d in mes.ok("docs", "list")] == ["a"]


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_leaves_early_is_not_an_error(tmp_path):
    err = io.StringIO()
    env = Env(stdin=io.StringIO(), stdout=_ClosedPipe(), stderr=err, vars={"MES_HOME": str(tmp_path / "home")},
              stdin_is_tty=False, stdout_is_tty=False)
    assert run(["docs", "categories", "--format", "jsonl"], env) == 0
    assert err.getvalue() == ""
    # A real process whose stdout is closed before it writes (`| head -1` that has read its line).
    variables = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    process = subprocess.Popen([sys.executable, "-m", "mes_cli", "docs", "categories", "--format", "jsonl"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**variables, "MES_HOME": str(tmp_path / "home")})
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 0 and stderr == b""
