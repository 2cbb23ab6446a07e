"""`mes server faults …` and `mes server requests`: fault injection and the request journal of a running
development server (server/devtools.py), as WireMock and LocalStack's chaos API give them."""

from __future__ import annotations

import re
from typing import Annotated, Optional

import typer

from ..contract.errors import MesError
from ..i18n import _
from .context import AppContext
from .options import FormatOpt

faults_app = typer.Typer(help="Inject faults into a development server's answers: errors, latency, at random.",
                         no_args_is_help=True)
FAULT_COLUMNS = ["id", "operation", "path", "status", "latency_ms", "probability", "seed", "times", "matched",
                 "injected"]
JOURNAL_COLUMNS = ["id", "at", "method", "path", "operation", "status", "duration_ms", "fault"]
FOLLOW_WAIT_SECONDS = 10


def _running_server(ctx: typer.Context) -> AppContext:
    """The tools live in a running server's memory; the embedded one lasts for one command, so it has none."""
    app: AppContext = ctx.obj
    if app.config.is_local:
        raise MesError("USAGE_ERROR", _("Fault rules and the request journal live in a running development server: "
                                        "start one with `mes server run --dev` (or `mes server exec`) and point "
                                        "--api-url at it; the embedded server lasts for one command."),
                       {"field": "api_url"})
    return app


@faults_app.command("add")
def add(
    ctx: typer.Context,
    operation: Annotated[Optional[str], typer.Option("--operation", metavar="OPERATION_ID",
                         help="Requests of this operation (ids: mes server openapi)")] = None,
    path: Annotated[Optional[str], typer.Option("--path", metavar="GLOB",
                    help="Requests whose path matches, e.g. '/v1/profiles/*/documents'")] = None,
    status: Annotated[Optional[int], typer.Option("--status", min=400, max=599,
                      help="HTTP status to answer [default: 503, or none with --latency alone]")] = None,
    latency: Annotated[Optional[str], typer.Option("--latency", metavar="DURATION",
                       help="Delay before the answer: 200ms, 1.5s")] = None,
    probability: Annotated[float, typer.Option("--probability", help="Share of matching requests hit, 0 to 1")]
    = 1.0,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Draw from this seed: the same requests fail on "
                    "every run")] = None,
    times: Annotated[Optional[int], typer.Option("--times", min=1, help="At most this many faults")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a fault rule: matching requests get an error status, a latency, or both."""
    from ..contract import models as m

    app = _running_server(ctx)
    if not 0 <= probability <= 1:
        raise MesError("USAGE_ERROR", _("--probability is a share between 0 and 1 (0.3: three requests in ten), "
                                        "not {value}.").format(value=probability), {"field": "probability"})
    latency_ms = milliseconds(latency) if latency is not None else 0
    if status is None and latency is None:
        status = 503
    rule = app.client.add_fault(m.FaultRuleIn(operation=operation, path=path, status=status, latency_ms=latency_ms,
                                              probability=probability, seed=seed, times=times))
    app.say(_("✓ fault rule {id} added (see it work: mes server requests).").format(id=rule.id))
    app.emit(rule, fmt)


@faults_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The fault rules, with how many requests each matched and hit."""
    app = _running_server(ctx)
    app.emit(app.client.faults().faults, fmt, columns=FAULT_COLUMNS)


@faults_app.command("clear")
def clear(ctx: typer.Context) -> None:
    """Remove every fault rule."""
    app = _running_server(ctx)
    app.client.clear_faults()
    app.say(_("✓ no fault rule left."))


def requests(
    ctx: typer.Context,
    follow: Annotated[bool, typer.Option("--follow", help="Keep printing new requests until Ctrl-C")] = False,
    operation: Annotated[Optional[str], typer.Option("--operation", metavar="OPERATION_ID",
                         help="Only this operation")] = None,
    status: Annotated[Optional[int], typer.Option("--status", min=100, max=599, help="Only this HTTP status")]
    = None,
    bodies: Annotated[bool, typer.Option("--bodies", help="With the bodies (secrets redacted, documents as their "
                      "size)")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many (the newest)")] = 100,
    fmt: FormatOpt = None,
) -> None:
    """The requests a development server answered: method, path, operation, status, duration, request id."""
    app = _running_server(ctx)
    if not follow:
        entries = _all_since(app, 0, operation, status, bodies)
        app.emit(entries[-limit:], fmt, columns=JOURNAL_COLUMNS)
        return
    chosen = app.output_format(fmt)
    after = _all_since(app, 0, operation, status, False)[-1:]
    position = after[0].id if after else 0
    while True:
        page = app.client.journal(after=position, operation=operation, status=status, bodies=bodies,
                                  wait=max(1, min(FOLLOW_WAIT_SECONDS, int(app.config.timeout) - 1)))
        for entry in page.entries:
            _print_followed(app, entry, chosen)
        position = page.next_after


def _all_since(app: AppContext, after: int, operation, status, bodies: bool) -> list:
    """Every entry after ``after`` (the journal answers in pages of up to 1,000)."""
    found = []
    while True:
        page = app.client.journal(after=after, operation=operation, status=status, limit=1000, bodies=bodies)
        found.extend(page.entries)
        if len(page.entries) < 1000:
            return found
        after = page.next_after


def _print_followed(app: AppContext, entry, chosen: str) -> None:
    """One line per request as it comes: JSONL for programs, a readable line for people."""
    out = app.env.stdout
    if chosen == "table":
        fault = f"  [{entry.fault}]" if entry.fault else ""
        out.write(f"{entry.at:%H:%M:%S}  {entry.status}  {entry.method:<6} {entry.path}  "
                  f"{entry.operation or '—'}  {entry.duration_ms:.0f} ms  {entry.request_id}{fault}\n")
    else:
        app.emit(entry, "jsonl")
    out.flush()


_DURATION = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s)?")


def milliseconds(text: str) -> int:
    """'200ms', '1.5s' or '200' (milliseconds) as a whole number of milliseconds, at most one minute."""
    match = _DURATION.fullmatch(text.strip())
    value = None
    if match:
        value = float(match["number"]) * (1000 if match["unit"] == "s" else 1)
    if value is None or value > 60_000:
        raise MesError("USAGE_ERROR", _("--latency takes a duration up to one minute: 200ms, 1.5s or 200 (ms); "
                                        "not {text!r}.").format(text=text), {"field": "latency"})
    return round(value)


def register(server_app: typer.Typer) -> None:
    server_app.add_typer(faults_app, name="faults")
    server_app.command("requests")(requests)
