"""`mes server …` (run, seed, openapi, clock) and `mes outbox`: the reference server's side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .context import AppContext
from .options import BlobsOpt, DatabaseOpt, FormatOpt, ServerDataOpt

OUTBOX_COLUMNS = ["id", "created_at", "channel", "recipient", "kind", "code", "subject"]

server_app = typer.Typer(help="The reference server: run it, seed its registry, print its OpenAPI document.",
                         no_args_is_help=True)


@server_app.command("run")
def run(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless told otherwise)")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port)")] = 8000,
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Where the data lives "
                        "[default: MES_HOME/server]")] = None,
    dev: Annotated[bool, typer.Option("--dev", help="Development mode: readable outbox, movable clock")] = False,
    admin_token: Annotated[Optional[str], typer.Option("--admin-token", envvar="MES_ADMIN_TOKEN", show_envvar=False,
                           help="Token required by the admin API [env MES_ADMIN_TOKEN; generated if absent]")] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, max=64, help="Worker threads")] = 8,
    database: DatabaseOpt = None,
    blobs: BlobsOpt = None,
    jobs_interval: Annotated[int, typer.Option("--jobs-interval", min=1, help="Seconds between runs of the "
                             "periodic jobs (vaccination reminders)")] = 3600,
    public_url: Annotated[Optional[str], typer.Option("--public-url", help="Base URL used in e-mailed links")]
    = None,
    smtp_url: Annotated[Optional[str], typer.Option("--smtp-url", envvar="MES_SMTP_URL",
                        help="Deliver e-mails through smtp://user:pass@host:port?from=addr")] = None,
    sms_webhook: Annotated[Optional[str], typer.Option("--sms-webhook", envvar="MES_SMS_WEBHOOK",
                           help="Deliver SMS by POSTing JSON to this URL")] = None,
    import_: Annotated[Optional[Path], typer.Option("--import", metavar="ARCHIVE",
                       help="Fill the (empty) server from this export before serving")] = None,
    export_on_exit: Annotated[Optional[Path], typer.Option("--export-on-exit", metavar="ARCHIVE",
                              help="Write the server's state to this archive when it stops")] = None,
    init_dir: Annotated[Optional[Path], typer.Option("--init-dir", metavar="DIR",
                        help="Once serving, run DIR's files in name order: *.json seeded, *.sh run with "
                             "MES_API_URL and MES_ADMIN_TOKEN set")] = None,
) -> None:
    """Serve the reference server over HTTP (waitress), until SIGTERM or Ctrl-C."""
    from ..server.runner import serve
    from .server_lifecycle import check_init_dir, export_archive, import_archive, run_init_dir

    app: AppContext = ctx.obj
    _warn_about_secrets_in_arguments(ctx, app, {"admin_token": "MES_ADMIN_TOKEN", "smtp_url": "MES_SMTP_URL",
                                                "database": "MES_DATABASE_URL"})
    check_init_dir(init_dir)
    settings = server_settings(app, data_dir, database, blobs, dev=dev, admin_token=admin_token, smtp_url=smtp_url,
                               sms_webhook_url=sms_webhook, threads=threads)
    if import_ is not None:
        import_archive(app, import_, settings)
    try:
        serve(settings, host=host, port=port, public_url=public_url, say=app.say, jobs_interval=jobs_interval,
              ready=(lambda running: run_init_dir(app, init_dir, running)) if init_dir else None)
    finally:
        if export_on_exit is not None:
            export_archive(app, settings, export_on_exit)


def server_settings(app: AppContext, data_dir: Path | None, database: str | None = None, blobs: str | None = None,
                    **more):
    """The server's settings from the options and the environment (the server key comes from
    MES_SERVER_KEY only: a secret is not an option)."""
    from ..contract.errors import MesError
    from ..server.settings import Settings

    if blobs not in (None, "database", "directory"):
        raise MesError("VALIDATION_ERROR", _("--blobs must be database or directory, not {value!r}.").format(
            value=blobs), {"field": "blobs"})
    return Settings(data_dir=data_dir or app.config.server_data_dir, database_url=database, blob_storage=blobs,
                    server_key=app.env.get("MES_SERVER_KEY"), **more)


def _warn_about_secrets_in_arguments(ctx: typer.Context, app: AppContext, names: dict[str, str]) -> None:
    """A long-lived secret typed as an option is readable by every user of the machine (ps, /proc)."""
    from typer._click.core import ParameterSource

    for name, variable in names.items():
        value = ctx.params.get(name)
        if value and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE \
                and (name == "admin_token" or _has_password(value)):
            app.say(_("warning: --{option} is visible to other users of this machine in the process list; "
                      "set {variable} instead.").format(option=name.replace("_", "-"), variable=variable))


def _has_password(url: str) -> bool:
    """scheme://user:password@host…"""
    from urllib.parse import urlsplit

    return bool(urlsplit(url).password)


@server_app.command("seed")
def seed(
    ctx: typer.Context,
    file: Annotated[Optional[Path], typer.Argument(help="JSON list of persons ('-' for stdin)", show_default=False)]
    = None,
    demo: Annotated[bool, typer.Option("--demo", help="Add a few realistic demo persons")] = False,
    quiet_outbox: Annotated[bool, typer.Option("--quiet-outbox", help="Send no letters; print each person's "
                            "provisional code instead (development servers, for fixtures)")] = False,
    admin_token: Annotated[Optional[str], typer.Option("--admin-token", envvar="MES_ADMIN_TOKEN", show_envvar=False,
                           help="The remote server's admin token [env MES_ADMIN_TOKEN]")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add insured persons to the registry; each receives an information letter with a provisional code.

    FILE: a JSON list of persons — nir, birth_date, first_name, last_name,
    card_serial, card_type (photo|no_photo), email, mobile, deceased, children
    (the same fields, without contacts) — or an object {"persons": [...],
    "professionals": [{rpps, name, profession, specialty, city, kind}]}.
    With --demo the persons are printed with the identity data needed to
    activate them, and three professionals join the directory.
    """
    import msgspec

    from ..contract import models as m
    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    app.use_admin_token(admin_token)
    if demo == (file is not None):
        raise MesError("INPUT_REQUIRED", _("Give either a FILE of persons or --demo."), {"flag": "FILE|--demo"})
    if demo:
        from ..demo_data import DEMO_PROFESSIONALS, demo_persons

        persons, professionals = demo_persons(), DEMO_PROFESSIONALS
    else:
        raw = app.env.stdin.read() if str(file) == "-" else _read(file)
        try:
            data = msgspec.json.decode(raw, type=list[m.PersonIn] | m.SeedRequest)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise MesError("VALIDATION_ERROR", _("{file} is neither a JSON list of persons nor an object with "
                                                 "'persons' and 'professionals': {error}.").format(
                                                     file=file, error=exc), {"field": "file"}) from None
        persons, professionals = (data, []) if isinstance(data, list) else (data.persons, data.professionals)
    result = app.client.seed(persons, professionals, quiet_outbox=quiet_outbox)
    if quiet_outbox:
        app.say(_("✓ {persons} person(s) and {professionals} professional(s) added; no letter sent: each person's "
                  "provisional code is in the output.").format(persons=len(result.persons),
                                                                professionals=result.professionals))
    else:
        app.say(_("✓ {persons} person(s) and {professionals} professional(s) added; the persons' letters are in the "
                  "outbox (`mes outbox`).").format(persons=len(result.persons), professionals=result.professionals))
    if demo:
        by_nir = {p.nir: p for p in persons}
        rows = [{"first_name": s.first_name, "last_name": s.last_name, "nir": s.nir, "birth_date": s.birth_date,
                 "card_serial": by_nir[s.nir].card_serial if s.nir in by_nir else None,
                 "email": by_nir[s.nir].email if s.nir in by_nir else None,
                 "mobile": by_nir[s.nir].mobile if s.nir in by_nir else None,
                 "represented_by": s.represented_by,
                 **({"provisional_code": s.provisional_code} if quiet_outbox else {})} for s in result.persons]
        app.emit(rows, fmt)
    else:
        app.emit(result.persons, fmt)


def _read(path: Path) -> bytes:
    from ..contract.errors import MesError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise MesError("VALIDATION_ERROR", _("Cannot read {path}: {error}.").format(path=path, error=exc.strerror),
                       {"field": "file"}) from None


@server_app.command("openapi")
def openapi(ctx: typer.Context) -> None:
    """Print the server's OpenAPI document (JSON)."""
    import json

    app: AppContext = ctx.obj
    if app.config.is_local:
        from ..server.http.openapi import build_openapi

        document = build_openapi()
    else:
        document = app.client.openapi()
    app.env.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@server_app.command("gc")
def gc(
    ctx: typer.Context,
    data_dir: ServerDataOpt = None,
    older_than: Annotated[int, typer.Option("--older-than", min=0, help="Only files older than this many "
                          "seconds (protects uploads in flight)")] = 3600,
    database: DatabaseOpt = None,
    blobs: BlobsOpt = None,
) -> None:
    """Remove document bytes that nothing names any more (left by interrupted uploads or deletions)."""
    from ..server.context import ServerContext
    from ..server.services.documents import collect_garbage

    app: AppContext = ctx.obj
    context = ServerContext.build(server_settings(app, data_dir, database, blobs))
    app.say(_("✓ removed {n} leftover(s) of interrupted uploads or deletions.").format(
        n=collect_garbage(context, older_than)))


@server_app.command("migrate")
def migrate(
    ctx: typer.Context,
    data_dir: ServerDataOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Change nothing; exit 1 when migrations are pending")]
    = False,
    database_url: DatabaseOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Bring the database's schema up to this version of mes (servers also do it when they start)."""
    from ..contract.errors import MesError
    from ..server.settings import Settings
    from ..server.store import SCHEMA_VERSION, describe_database, open_store
    from ..server.store.db import read_schema_version

    app: AppContext = ctx.obj
    path = Settings(data_dir=data_dir or app.config.server_data_dir).db_path
    database = describe_database(database_url, path)
    if database_url is None:
        found = read_schema_version(path)
        if found > SCHEMA_VERSION:
            open_store(None, path)  # refuses with the message that says what to do
    else:
        store = open_store(database_url, path, upto=0)  # connects, refuses a newer schema, changes nothing
        found = store.schema_version
        store.shutdown()
    if check:
        pending = SCHEMA_VERSION - found
        app.emit({"database": database, "schema_version": found, "known": SCHEMA_VERSION, "pending": pending}, fmt)
        if pending:
            raise MesError("STEP_FAILED", _("{n} migration(s) pending: run `mes server migrate`.").format(n=pending))
        return
    store = open_store(database_url, path, upto=found)
    before, after = store.migrate()
    store.shutdown()
    app.emit({"database": database, "from": before, "to": after}, fmt)
    app.say(_("✓ schema version {before} → {after}.").format(before=before, after=after) if after > before
            else _("✓ already at schema version {version}.").format(version=after))


@server_app.command("export")
def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The archive to write (a zip file; replaced only once complete)")],
    data_dir: ServerDataOpt = None,
    database: DatabaseOpt = None,
    blobs: BlobsOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Write a consistent snapshot of the server's data (database rows, documents, key) to one file."""
    from ..server.store.snapshot import export_snapshot

    app: AppContext = ctx.obj
    _warn_about_secrets_in_arguments(ctx, app, {"database": "MES_DATABASE_URL"})
    summary = export_snapshot(server_settings(app, data_dir, database, blobs), file)
    app.emit({"file": summary.path, "schema_version": summary.schema_version, "rows": sum(summary.tables.values()),
              "files": summary.blobs, "tables": summary.tables}, fmt)
    app.say(_("✓ exported {rows} row(s) and {blobs} file(s) to {path} (keep it as private as the data).").format(
        rows=sum(summary.tables.values()), blobs=summary.blobs, path=summary.path))


@server_app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An archive written by `mes server export`")],
    data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="An empty data directory to fill "
                        "[default: MES_HOME/server]")] = None,
    database: DatabaseOpt = None,
    blobs: BlobsOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Fill an empty server (data directory or database) from an export (all or nothing; older ones are migrated)."""
    from ..server.store import describe_database
    from ..server.store.snapshot import import_snapshot

    app: AppContext = ctx.obj
    _warn_about_secrets_in_arguments(ctx, app, {"database": "MES_DATABASE_URL"})
    settings = server_settings(app, data_dir, database, blobs)
    summary = import_snapshot(file, settings)
    target = describe_database(settings.database_url, settings.data_dir)
    app.emit({"file": summary.path, "data_dir": str(settings.data_dir), "database": target,
              "schema_version": summary.schema_version, "rows": sum(summary.tables.values()),
              "files": summary.blobs, "tables": summary.tables, "notes": summary.notes}, fmt)
    app.say(_("✓ imported {rows} row(s) and {blobs} file(s) into {path}.").format(
        rows=sum(summary.tables.values()), blobs=summary.blobs, path=target))
    for note in summary.notes:
        app.say(_("warning: {note}").format(note=note))


@server_app.command("jobs")
def jobs(
    ctx: typer.Context,
    admin_token: Annotated[Optional[str], typer.Option("--admin-token", envvar="MES_ADMIN_TOKEN", show_envvar=False,
                           help="The remote server's admin token [env MES_ADMIN_TOKEN]")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Run the periodic jobs now: vaccination reminders that became due, letters to those turning 18."""
    app: AppContext = ctx.obj
    app.use_admin_token(admin_token)
    report = app.client.run_jobs()
    app.say("✓ " + ", ".join(_("{job}: {sent} sent").format(job=r.job, sent=r.sent) for r in report.results))
    app.emit(report.results, fmt)


@server_app.command("clock")
def clock(
    ctx: typer.Context,
    advance: Annotated[Optional[str], typer.Option("--advance", help="Move forward: 30s, 10m, 2h, 43d, 6w")] = None,
    reset: Annotated[bool, typer.Option("--reset", help="Back to real time")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Show or move the server's clock (embedded server, or a server started with --dev)."""
    app: AppContext = ctx.obj
    seconds = _duration(advance) if advance else 0
    app.emit(app.client.move_clock(seconds, reset), fmt)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _duration(text: str) -> int:
    from ..contract.errors import MesError

    text = text.strip().lower()
    number, unit = text[:-1], text[-1:]
    if unit.isdigit():
        number, unit = text, "s"
    if not number.isdigit() or unit not in _UNITS:
        raise MesError("VALIDATION_ERROR", _("{text!r} is not a duration; write e.g. 30s, 10m, 2h, 43d or 6w.").format(
            text=text), {"field": "advance"})
    return int(number) * _UNITS[unit]


def outbox(
    ctx: typer.Context,
    to: Annotated[Optional[str], typer.Option("--to", help="Only messages to this e-mail, mobile, NIR or person id")]
    = None,
    last: Annotated[bool, typer.Option("--last", help="Only the newest message")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="At most this many (newest)")] = 20,
    fmt: FormatOpt = None,
) -> None:
    """Read what the server sent (e-mails, SMS, letters) with their codes and links.

    Works with the embedded server and with a server started with --dev.
    """
    app: AppContext = ctx.obj
    if to and not to.startswith(("p_", "+")) and "@" not in to:
        to = _normalised_target(to)
    page = app.client.outbox(to=to, limit=1 if last else limit)
    messages = page.messages
    if last:
        if not messages:
            from ..contract.errors import MesError

            raise MesError("NOT_FOUND", _("Nothing was sent to {to} yet.").format(to=to) if to else
                           _("Nothing was sent yet."))
        app.emit(messages[-1], fmt)
        return
    app.emit(messages, fmt, columns=OUTBOX_COLUMNS)


def _normalised_target(to: str) -> str:
    """A mobile typed the French way, or a NIR with spaces, as the server stores them."""
    from ..contract.errors import MesError
    from ..domain.contacts import validate_mobile
    from ..domain.nir import normalize_nir

    try:
        return validate_mobile(to)
    except MesError:
        return normalize_nir(to)


def register(root: typer.Typer) -> None:
    from .pro import pro_app

    from . import server_dev, server_events, server_lifecycle

    server_app.add_typer(pro_app, name="pro")
    server_lifecycle.register(server_app)
    server_dev.register(server_app)
    server_events.register(server_app)
    root.add_typer(server_app, name="server")
    root.command("outbox")(outbox)
