"""Serving the app over HTTP with waitress.

Waitress: pure Python (nothing to compile, installs anywhere pip does), a
production-grade threaded WSGI server that buffers slow clients away from the
application threads, runs on Linux, macOS and Windows, and needs no separate
master process — the right weight for a reference server started from a CLI.
(gunicorn is POSIX-only and pre-forks, which the embedded SQLite store does not
need; granian needs a Rust build on unusual platforms.)
"""

from __future__ import annotations

import contextvars
import os
import secrets
import signal
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from ..i18n import _
from .settings import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")
ADMIN_TOKEN_FILE = "admin-token"  # in the data directory, 0600: also read by a CLI of the same user (client/config.py)


def admin_token_for(data_dir: Path, given: str | None) -> tuple[str, Path | None]:
    """The admin token given, or one kept in DATA_DIR/admin-token (0600), created on first start."""
    if given:
        return given, None
    path = data_dir / ADMIN_TOKEN_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24) + "\n")
    return path.read_text().strip(), path


def start_periodic_jobs(ctx, interval_seconds: float, say: Callable[[str], None]) -> threading.Event:
    """Runs the periodic jobs every ``interval_seconds`` in a daemon thread; set the event to stop it."""
    from .services.jobs import run_all

    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval_seconds):
            try:
                report = run_all(ctx)
            except Exception as exc:  # a failed round is retried at the next one, never kills the server
                say(_("periodic jobs failed this round: {error}").format(error=type(exc).__name__))
                continue
            for result in report.results:
                if result.sent:
                    say(_("{job}: sent {count}").format(job=result.job, count=result.sent))

    # The thread speaks the language of the one that started the server (a context variable).
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(loop,), name="periodic-jobs", daemon=True).start()
    return stop


@dataclass
class RunningServer:
    """A server listening; its requests are served from ``in_background()`` until ``close()``."""

    url: str
    admin_token: str
    settings: Settings
    _server: object
    _stop_threads: list[threading.Event]  # the periodic jobs', the webhooks' deliveries
    _thread: threading.Thread | None = None

    def in_background(self) -> threading.Thread:
        """Serves from a thread of its own until ``close()`` (the caller's thread stays free for signals
        and hooks)."""
        self._thread = threading.Thread(target=self._server.run, name="mes-server", daemon=True)
        self._thread.start()
        return self._thread

    def close(self) -> None:
        """Stops listening, drops the open connections (keep-alive ones would hold the loop forever) and
        waits for the requests in progress. The sockets are closed by the serving thread itself (waitress's
        trigger runs a function there): closing them under its feet would break its select()."""
        for stop in self._stop_threads:
            stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._server.trigger.pull_trigger(self._close_sockets)
            self._thread.join(10)
        else:
            self._close_sockets()
        self._server.task_dispatcher.shutdown()

    def _close_sockets(self) -> None:
        for channel in list(self._server._map.values()):  # the listening socket, the trigger, the connections
            channel.close()


def serve(settings: Settings, *, host: str, port: int, public_url: str | None,
          say: Callable[[str], None], jobs_interval: float = 3600,
          ready: Callable[[RunningServer], None] | None = None) -> None:
    """Serves ``settings``' data over HTTP until SIGTERM or Ctrl-C; ``ready(server)`` runs once it is
    listening (``--init-dir``): an exception it raises stops the server and goes on up."""

    def stop(signum, frame):  # SIGTERM leaves the loop the way Ctrl-C does
        raise KeyboardInterrupt

    running = start(settings, host=host, port=port, public_url=public_url, say=say, jobs_interval=jobs_interval)
    signal.signal(signal.SIGTERM, stop)
    thread = running.in_background()
    try:
        if ready is not None:
            ready(running)
        while thread.is_alive():
            thread.join(0.5)  # a timed wait: Ctrl-C and SIGTERM reach this thread at once
    except KeyboardInterrupt:
        pass
    finally:
        running.close()
        say(_("mes server stopped."))


def start(settings: Settings, *, host: str, port: int, public_url: str | None,
          say: Callable[[str], None], jobs_interval: float = 3600) -> RunningServer:
    """Listens for ``settings``' data (requests are served once ``run()`` is called); the admin token is
    generated when none is given, the public URL defaults to the address listened on."""
    from waitress.server import create_server

    from .context import ServerContext
    from .devtools import DevTools
    from .http.app import create_app
    from .webhooks import Deliverer
    from .services.documents import collect_garbage
    from .store import describe_database
    from .store.db import prepare_data_dir

    data_dir = settings.data_dir
    prepare_data_dir(data_dir)
    token, token_file = admin_token_for(data_dir, settings.admin_token)
    application = {}  # filled once the port is known: e-mailed links need the real URL
    server = create_server(lambda environ, start: application["app"](environ, start), host=host, port=port,
                           threads=settings.threads, ident="mes-server", clear_untrusted_proxy_headers=True)
    settings = replace(settings, admin_token=token,
                       public_url=public_url or f"http://{host}:{server.effective_port}")
    ctx = ServerContext.build(settings)
    if settings.dev:  # the emulator's tools: a served development server only (the embedded one has none)
        ctx.devtools = DevTools()
    removed = collect_garbage(ctx)
    application["app"] = create_app(settings, ctx)
    dev, database_url = settings.dev, settings.database_url
    if dev:
        listening = _("mes server listening on {url} (data: {path}, development mode)")
    else:
        listening = _("mes server listening on {url} (data: {path})")
    if database_url:
        say(_("database: {database}").format(database=describe_database(database_url)))
        say(_("documents' bytes: in the database") if settings.blobs_in_database
            else _("documents' bytes: files under {path} (every worker must share it)").format(path=data_dir / "blobs"))
        if not settings.server_key:
            say(_("server key: {path} (every worker must have the same: share it, or set MES_SERVER_KEY)").format(
                path=data_dir / "server.key"))
    say(listening.format(url=f"http://{host}:{server.effective_port}", path=data_dir))
    if token_file and database_url:
        say(_("admin token: in {path} (every worker must have the same: set MES_ADMIN_TOKEN)").format(path=token_file))
    elif token_file:
        say(_("admin token: in {path}").format(path=token_file))
    if removed:
        say(_("removed {count} leftover(s) of interrupted uploads or deletions").format(count=removed))
    if host not in LOOPBACK:
        say(_("warning: listening beyond loopback; put it behind TLS before real use."))
    stops = [start_periodic_jobs(ctx, jobs_interval, say)]
    if settings.dev:
        stops.append(Deliverer(ctx).start())
    return RunningServer(f"http://{host}:{server.effective_port}", token, settings, server, stops)
