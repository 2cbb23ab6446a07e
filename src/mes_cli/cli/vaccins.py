"""`mes vaccins …`: the vaccination booklet, the vaccine catalogue, reminders (any horizon, also as an
iCalendar file) and each vaccination's next dose however far ahead.

The server sends the reminders of its default 12-month horizon and every series' next dose;
``--horizon`` is applied here from the two (``vaccination.within``), so the API needs no
horizon parameter and an older server still answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_vaccine
from .context import AppContext
from .options import FormatOpt

vaccins_app = typer.Typer(help="Your vaccination booklet and its reminders (official French calendar).",
                          no_args_is_help=True)

BOOKLET_COLUMNS = ["id", "date", "vaccine", "dose", "lot", "performer", "recorded_by"]
REMINDER_COLUMNS = ["status", "vaccine", "dose_label", "due_from", "due_until", "reason"]
NEXT_COLUMNS = ["due_from", "status", "vaccine", "dose_label", "reason"]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


@vaccins_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The vaccinations recorded, oldest first."""
    app = _app(ctx)
    app.emit(app.client.vaccinations(app.profile()).vaccinations, fmt, columns=BOOKLET_COLUMNS)


@vaccins_app.command("add")
def add(
    ctx: typer.Context,
    vaccine: Annotated[str, typer.Option("--vaccine", help="Code, name or brand (see `mes vaccins catalogue`)",
                                                autocompletion=complete_vaccine)],
    date: Annotated[str, typer.Option("--date", help="When it was given, e.g. 12/03/2021")],
    dose: Annotated[str, typer.Option("--dose", help="first (primary immunisation) or booster; in French too: "
                                                     "première or rappel")] = "first",
    lot: Annotated[Optional[str], typer.Option("--lot", help="Lot number")] = None,
    performer: Annotated[Optional[str], typer.Option("--performer", help="Who gave it")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Record a vaccination (after the date of birth, not in the future)."""
    from ..contract import models as m
    from ..domain.dates import parse_date
    from .input import typed

    entry = typed(m.VaccinationIn, vaccine=vaccine, date=parse_date(date, "date").isoformat(), dose=dose, lot=lot,
                  performer=performer)  # refused before any request, naming the option (--dose…)
    app = _app(ctx)
    recorded = app.client.add_vaccination(app.profile(), entry)
    app.say(_("✓ recorded {vaccine} on {date:%d/%m/%Y} ({id})").format(vaccine=recorded.vaccine_name,
                                                                        date=recorded.date, id=recorded.id))
    app.emit(recorded, fmt)


@vaccins_app.command("remove")
def remove(ctx: typer.Context, vaccination_id: Annotated[str, typer.Argument(help="Entry id (see list)")]) -> None:
    """Remove a vaccination entry."""
    app = _app(ctx)
    app.client.remove_vaccination(app.profile(), vaccination_id)
    app.say(_("✓ removed {id}").format(id=vaccination_id))


@vaccins_app.command("catalogue")
def catalogue(
    ctx: typer.Context,
    query: Annotated[Optional[str], typer.Argument(help="Words of a code, name, brand or disease")] = None,
    fmt: FormatOpt = None,
) -> None:
    """The vaccine reference list (code, official name, diseases covered), searched."""
    app = _app(ctx)
    app.emit(app.client.vaccines(query).vaccines, fmt, columns=["code", "name", "diseases"])


@vaccins_app.command("reminders")
def reminders(
    ctx: typer.Context,
    at: Annotated[Optional[str], typer.Option("--at", help="Compute at this date (default: today)")] = None,
    horizon: Annotated[Optional[str], typer.Option(
        "--horizon", metavar="DURATION",
        help="List the doses coming within this time: 10y, 18m, 6w, 30d or 1y6m [default: 12m]")] = None,
    ics: Annotated[Optional[Path], typer.Option("--ics", help="Also write the reminders to an iCalendar FILE")]
    = None,
    fmt: FormatOpt = None,
) -> None:
    """What is overdue, due now and coming next, from the official calendar."""
    from ..domain import vaccination
    from ..domain.dates import parse_date

    ahead = vaccination.parse_horizon(horizon) if horizon is not None else None  # a typo fails before any call
    app = _app(ctx)
    when = parse_date(at, "at", allow_future=True).isoformat() if at else None
    result = app.client.reminders(app.profile(), when)
    listed = result.reminders if ahead is None else vaccination.within(result.reminders, result.next, result.at, ahead)
    app.say(_("Reminders at {at:%d/%m/%Y} — {calendar}").format(at=result.at, calendar=result.calendar))
    if ics is not None:
        _write_ics(app, ics, listed, result.profile_id)
    app.emit(listed, fmt, columns=REMINDER_COLUMNS)


@vaccins_app.command("next")
def next_(
    ctx: typer.Context,
    at: Annotated[Optional[str], typer.Option("--at", help="Compute at this date (default: today)")] = None,
    ics: Annotated[Optional[Path], typer.Option("--ics", help="Also write these dates to an iCalendar FILE")]
    = None,
    fmt: FormatOpt = None,
) -> None:
    """For every vaccination, the date of its next recommended dose, however far ahead."""
    from ..domain.dates import parse_date

    app = _app(ctx)
    when = parse_date(at, "at", allow_future=True).isoformat() if at else None
    result = app.client.reminders(app.profile(), when)
    app.say(_("Next dose of each vaccination at {at:%d/%m/%Y} — {calendar}").format(at=result.at,
                                                                                     calendar=result.calendar))
    if ics is not None:
        _write_ics(app, ics, result.next, result.profile_id)
    app.emit(result.next, fmt, columns=NEXT_COLUMNS)


def _write_ics(app: AppContext, path: Path, listed, profile_id: str) -> None:
    from .ics import reminders_calendar

    path.write_bytes(reminders_calendar(listed, profile_id, child=_child_first_name(app)))
    app.say(_("✓ {n} reminder(s) written to {path}").format(n=len(listed), path=path))


def _child_first_name(app: AppContext) -> str | None:
    """The first name a child's calendar carries (acting with --for); None for one's own reminders."""
    profile = app.profile()
    return None if profile == "me" else app.resolve_child(profile).first_name


def register(root: typer.Typer) -> None:
    root.add_typer(vaccins_app, name="vaccins")
