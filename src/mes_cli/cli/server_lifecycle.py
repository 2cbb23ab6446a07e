"""A server for the length of a job: `mes server exec -- COMMAND`, and what `mes server run` does at its
start and end (`--import`, `--init-dir`, `--export-on-exit`).

CI jobs want the emulator's whole life in one line, as `firebase emulators:exec` gives it: start on a
free port, wait until it answers, seed it, run the tests with its address and admin token in their
environment, stop it, keep its state if asked, and exit with the tests' status. The server runs in
this process (a thread), so nothing can be left running after it: when `mes` ends, so does the server.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..contract.errors import MesError
from ..i18n import _
from .context import AppContext
from .env import Env

# The signals a CI runner or a terminal sends to stop a job: passed on to the command, which decides.
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
HEALTHY_WITHIN_SECONDS = 30.0


def exec_(
    ctx: typer.Context,
    command: Annotated[Optional[list[str]], typer.Argument(metavar="-- COMMAND [ARGS]...",
                       help="The command to run while the server is up", show_default=False)] = None,
    import_: Annotated[Optional[Path], typer.Option("--import", metavar="ARCHIVE",
                       help="Start from this export (`mes server export`) instead of an empty server")] = None,
    seed_file: Annotated[Optional[Path], typer.Option("--seed", metavar="FILE",
                         help="Seed these persons once the server answers (as `mes server seed FILE`)")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Seed the demo persons and professionals")] = False,
    export_on_exit: Annotated[Optional[Path], typer.Option("--export-on-exit", metavar="ARCHIVE",
                              help="Write the server's state to this archive when the command ends")] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port on loopback (0: a free one)")] = 0,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Where the data lives [default: a new "
                        "temporary directory, removed at the end]")] = None,
) -> None:
    """Start a development server, run COMMAND against it, stop it, and exit with COMMAND's status.

    COMMAND gets MES_API_URL and MES_ADMIN_TOKEN in its environment; signals sent to `mes` reach it.
    """
    import tempfile

    app: AppContext = ctx.obj
    if not command:
        raise MesError("INPUT_REQUIRED", _("Give the command to run after --, e.g. mes server exec -- pytest."),
                       {"flag": "COMMAND"})
    if demo and seed_file is not None:
        raise MesError("USAGE_ERROR", _("Give --seed FILE or --demo, not both."), {"field": "seed"})
    with tempfile.TemporaryDirectory(prefix="mes-exec-") as scratch:
        settings = _dev_settings(app, data_dir or Path(scratch) / "server")
        if import_ is not None:
            import_archive(app, import_, settings)
        status = _run_with_server(app, settings, port, command, seed_file, demo, export_on_exit)
    raise typer.Exit(status)


def _dev_settings(app: AppContext, data_dir: Path):
    import secrets

    from .server import server_settings

    return server_settings(app, data_dir, dev=True, admin_token=secrets.token_urlsafe(24), threads=4)


def _run_with_server(app: AppContext, settings, port: int, command: list[str], seed_file: Path | None, demo: bool,
                     export_on_exit: Path | None) -> int:
    from ..server.runner import start

    running = start(settings, host="127.0.0.1", port=port, public_url=None, say=app.say)
    running.in_background()
    try:
        wait_until_healthy(running.url)
        if seed_file is not None or demo:
            seed(app, running, seed_file)
        return run_command(app, command, server_environment(app.env, running))
    finally:
        running.close()
        if export_on_exit is not None:
            export_archive(app, settings, export_on_exit)


def wait_until_healthy(url: str) -> None:
    """Returns once ``/health`` answers ok; a server that does not within HEALTHY_WITHIN_SECONDS is an error."""
    import httpx

    deadline = time.monotonic() + HEALTHY_WITHIN_SECONDS
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise MesError("NETWORK_ERROR", _("The server at {url} did not answer within {seconds} s.").format(
                url=url, seconds=int(HEALTHY_WITHIN_SECONDS)))
        time.sleep(0.05)


def server_environment(env: Env, running) -> dict[str, str]:
    """The caller's environment, pointed at the running server (what `exec` and `--init-dir` scripts get)."""
    return {**env.vars, "MES_API_URL": running.url, "MES_ADMIN_TOKEN": running.admin_token}


def seed(app: AppContext, running, file: Path | None) -> None:
    """`mes server seed FILE` (or `--demo`) against the running server; what it prints goes to stderr,
    keeping stdout for the command's own output."""
    from .app import run

    arguments = ["server", "seed", str(file)] if file is not None else ["server", "seed", "--demo"]
    seeding = Env(stdin=app.env.stdin, stdout=app.env.stderr, stderr=app.env.stderr,
                  vars=server_environment(app.env, running), stdin_is_tty=False, stdout_is_tty=False)
    if run([*(["--quiet"] if app.quiet else []), *arguments], seeding) != 0:
        raise MesError("STEP_FAILED", _("Seeding the server with {source} failed (see above); nothing was run.").format(
            source=file if file is not None else "--demo"))


def run_command(app: AppContext, command: list[str], environment: dict[str, str],
                received: list[int] | None = None) -> int:
    """Runs ``command`` to its end, passing on the stop signals (noted in ``received``); its status, 128+N
    when signal N ended it."""
    try:
        child = subprocess.Popen(command, env=environment)
    except FileNotFoundError:
        app.env.stderr.write(_("Error: command not found: {command}").format(command=command[0]) + "\n")
        return 127
    except PermissionError:
        app.env.stderr.write(_("Error: command not executable: {command}").format(command=command[0]) + "\n")
        return 126
    def forward(number, frame) -> None:
        if received is not None:
            received.append(number)
        child.send_signal(number)

    previous = {number: signal.signal(number, forward) for number in FORWARDED_SIGNALS}
    try:
        status = child.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 128 - status if status < 0 else status


def import_archive(app: AppContext, archive: Path, settings) -> None:
    from ..server.store.snapshot import import_snapshot

    summary = import_snapshot(archive, settings)
    app.say(_("✓ imported {rows} row(s) and {blobs} file(s) from {path}.").format(
        rows=sum(summary.tables.values()), blobs=summary.blobs, path=archive))
    for note in summary.notes:
        app.say(_("warning: {note}").format(note=note))


def export_archive(app: AppContext, settings, archive: Path) -> None:
    from ..server.store.snapshot import export_snapshot

    summary = export_snapshot(settings, archive)
    app.say(_("✓ exported {rows} row(s) and {blobs} file(s) to {path} (keep it as private as the data).").format(
        rows=sum(summary.tables.values()), blobs=summary.blobs, path=summary.path))


def run_init_dir(app: AppContext, folder: Path, running) -> None:
    """The files of ``folder`` in name order, once the server answers: ``*.json`` seeded, ``*.sh`` run by sh
    with the server's address and admin token; anything else said and left. A failure stops the server."""
    wait_until_healthy(running.url)
    for path in sorted(folder.iterdir()):
        if path.suffix == ".json":
            seed(app, running, path)
        elif path.suffix == ".sh":
            app.say(_("init: running {path}").format(path=path))
            stop_signals: list[int] = []
            status = run_command(app, ["sh", str(path)], server_environment(app.env, running), stop_signals)
            if stop_signals:  # the server was asked to stop meanwhile: it stops, as asked, not as failed
                raise KeyboardInterrupt
            if status != 0:
                raise MesError("STEP_FAILED", _("{path} exited with status {status}; the server stops.").format(
                    path=path, status=status))
        else:
            app.say(_("init: {path} skipped (only .json seed files and .sh scripts are run).").format(path=path))


def check_init_dir(folder: Path | None) -> None:
    if folder is not None and not folder.is_dir():
        raise MesError("USAGE_ERROR", _("--init-dir {path} is not a directory.").format(path=folder),
                       {"field": "init_dir"})


def register(server_app: typer.Typer) -> None:
    server_app.command("exec", context_settings={"allow_interspersed_args": False})(exec_)

