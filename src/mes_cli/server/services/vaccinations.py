"""The vaccination booklet and its reminders (DOMAIN.md §4).

The rules (which vaccine, which dose, when) live in the domain's calendar data;
this module stores doses, computes reminders at the server's date, and sends a
reminder e-mail once per due dose (the periodic job).
"""

from __future__ import annotations

import datetime as dt

from ...contract import models as m
from ...contract.errors import MesError
from ...domain import vaccination
from ...domain.dates import parse_date
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from . import events, messages
from .accounts import notify_person
from .common import new_id, person_by_id
from .profiles import caregiving


def vaccine_view(vaccine) -> m.VaccineView:
    return m.VaccineView(code=vaccine.code, name=vaccine.name, diseases=list(vaccine.diseases),
                         aliases=list(vaccine.aliases))


def search(query: str | None) -> m.VaccineList:
    found = vaccination.search_vaccines(query or "")
    return m.VaccineList(vaccines=[vaccine_view(v) for v in found])


def vaccine_name(code: str) -> str:
    try:
        return vaccination.find_vaccine(code).name
    except MesError:
        return code


def _view(row) -> m.VaccinationView:
    vaccine = vaccination.vaccine_by_code(row["vaccine"]) if row["vaccine"] else None
    name = vaccine.name if vaccine else (row["product_name"] or row["product_code"] or row["vaccine"])
    return m.VaccinationView(id=row["id"], profile_id=row["profile_id"], vaccine=vaccine.code if vaccine else "",
                             vaccine_name=name, diseases=list(vaccine.diseases) if vaccine else [],
                             date=dt.date.fromisoformat(row["date"]), dose=row["dose"], lot=row["lot"],
                             performer=row["performer"], created_at=from_iso(row["created_at"]),
                             recorded_by=row["recorded_by"], document_id=row["document_id"],
                             dose_rank=row["dose_rank"], product_code=row["product_code"],
                             product_name=row["product_name"])


def _birth(ctx: ServerContext, profile_id: str) -> dt.date:
    return dt.date.fromisoformat(person_by_id(ctx, profile_id)["birth_date"])


def booklet(ctx: ServerContext, profile_id: str) -> m.VaccinationList:
    rows = ctx.store.all("SELECT * FROM vaccinations WHERE profile_id = ? ORDER BY date, id", (profile_id,))
    return m.VaccinationList(profile_id=profile_id, vaccinations=[_view(r) for r in rows])


def add(ctx: ServerContext, profile_id: str, entry: m.VaccinationIn) -> m.VaccinationView:
    vaccine = vaccination.find_vaccine(entry.vaccine)
    today = ctx.clock.today()
    date = parse_date(entry.date, "date", today=today)
    vaccination.validate_dose_date(date, _birth(ctx, profile_id), today)
    entry_id = new_id("v")
    ctx.store.run("INSERT INTO vaccinations(id, profile_id, vaccine, date, dose, lot, performer, created_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  (entry_id, profile_id, vaccine.code, date.isoformat(), entry.dose, entry.lot, entry.performer,
                   to_iso(ctx.clock.now())))
    return _view(ctx.store.one("SELECT * FROM vaccinations WHERE id = ?", (entry_id,)))


def remove(ctx: ServerContext, profile_id: str, vaccination_id: str) -> None:
    row = ctx.store.one("SELECT recorded_by, document_id FROM vaccinations WHERE profile_id = ? AND id = ?",
                        (profile_id, vaccination_id))
    if row is None:
        raise MesError("NOT_FOUND", _("No vaccination {id!r} in this booklet; see `mes vaccins list`.").format(
            id=vaccination_id))
    if row["recorded_by"] == "professional":
        raise MesError("NOT_DELETABLE", _("This vaccination was recorded by a health professional (document "
                                          "{document}): it cannot be removed from the booklet, as documents added "
                                          "by a professional cannot be deleted.").format(
            document=row["document_id"]), {"document_id": row["document_id"]})
    ctx.store.run("DELETE FROM vaccinations WHERE profile_id = ? AND id = ?", (profile_id, vaccination_id))


def record_from_document(ctx: ServerContext, profile_id: str, document_id: str, doses) -> int:
    """Adds the doses a professional's document records (``vaccination.RecordedDose``), inside the
    caller's transaction; a dose the booklet already has from another document (the same product,
    day and lot: a vaccination note and the history that repeats it) is not added twice."""
    added, now = 0, to_iso(ctx.clock.now())
    for dose in doses:
        twin = ctx.store.one("SELECT 1 FROM vaccinations WHERE profile_id = ? AND recorded_by = 'professional'"
                             " AND vaccine = ? AND COALESCE(product_code, '') = ? AND date = ?"
                             " AND COALESCE(lot, '') = ?", (profile_id, dose.vaccine, dose.product_code or "",
                                                            dose.date.isoformat(), dose.lot or ""))
        if twin is not None:
            continue
        ctx.store.run("INSERT INTO vaccinations(id, profile_id, vaccine, date, dose, lot, performer, created_at,"
                      " recorded_by, document_id, dose_rank, product_code, product_name)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'professional', ?, ?, ?, ?)",
                      (new_id("v"), profile_id, dose.vaccine, dose.date.isoformat(), dose.dose, dose.lot,
                       (dose.performer or "")[:100] or None, now, document_id, dose.dose_rank, dose.product_code,
                       dose.product_name))
        added += 1
    return added


def forget_documents(ctx: ServerContext, document_ids: list[str]) -> None:
    """The doses of documents replaced by a new version or deleted (inside the caller's transaction)."""
    for document_id in document_ids:
        ctx.store.run("DELETE FROM vaccinations WHERE document_id = ?", (document_id,))


def _doses(ctx: ServerContext, profile_id: str) -> list:
    """The doses reminders count: those of a vaccine the catalogue knows (not a product kept as given)."""
    rows = ctx.store.all("SELECT vaccine, date, dose, recorded_by FROM vaccinations WHERE profile_id = ?"
                         " AND vaccine <> '' ORDER BY date", (profile_id,))
    return [vaccination.Dose(r["vaccine"], dt.date.fromisoformat(r["date"]), r["dose"], r["recorded_by"])
            for r in rows]


def _reminder_view(r: vaccination.Reminder) -> m.ReminderView:
    return m.ReminderView(vaccine=r.vaccine, vaccine_name=r.vaccine_name, dose=r.dose, status=r.status,
                          due_from=r.due_from, due_until=r.due_until, reason=r.reason, rule_id=r.rule_id,
                          series=r.series, source=r.source, waits_for=r.waits_for, catch_up_until=r.catch_up_until,
                          product=r.product, product_name=r.product_name, dose_label=r.dose_label)


def reminders(ctx: ServerContext, profile_id: str, at: str | None = None) -> m.ReminderList:
    """The reminders at ``at`` (default: the server's today) with the default 12-month horizon, and
    every series' next dose however far: a client builds any other horizon from the two
    (``vaccination.within``), so the API needs no horizon parameter."""
    today = ctx.clock.today()
    when = parse_date(at, "at", today=today, allow_future=True) if at else today
    calendar = vaccination.calendar()
    birth, doses = _birth(ctx, profile_id), _doses(ctx, profile_id)
    found = vaccination.reminders(birth, doses, when, calendar)
    coming = vaccination.next_doses(birth, doses, when, calendar)
    return m.ReminderList(profile_id=profile_id, at=when, calendar=f"{calendar.source} (édition {calendar.edition})",
                          reminders=[_reminder_view(r) for r in found], next=[_reminder_view(r) for r in coming])


def _readers(ctx: ServerContext, profile_id: str) -> list[str]:
    """Who should hear about a profile: its holder if they have their own space, else its caregivers today."""
    holder = ctx.store.one("SELECT identifier FROM spaces WHERE person_id = ?", (profile_id,))
    if holder and holder["identifier"]:
        return [profile_id]
    rows = ctx.store.all("SELECT caregiver_id FROM caregivers WHERE profile_id = ?", (profile_id,))
    return [r["caregiver_id"] for r in rows if caregiving(ctx, r["caregiver_id"], profile_id) is not None]


def send_due_reminders(ctx: ServerContext) -> int:
    """The periodic job: one e-mail per dose that has become due, never twice for the same dose.

    A dose is identified by its rule and the date it became due, so a yearly
    autumn reminder is sent again the next year, but not twice in one season.
    A child's reminders go to the parents who care for the profile.
    """
    sent = 0
    profiles = ctx.store.all("SELECT p.id FROM persons p JOIN spaces s ON s.person_id = p.id"
                             " WHERE s.state = 'active' AND p.deceased = 0")
    for profile in profiles:
        readers = _readers(ctx, profile["id"])
        if not readers:
            continue
        child = person_by_id(ctx, profile["id"])
        for reminder in reminders(ctx, profile["id"]).reminders:
            if reminder.status == "upcoming":
                continue
            key = f"{reminder.rule_id}@{reminder.due_from.isoformat()}"
            with ctx.store.transaction() as conn:
                claimed = conn.execute("INSERT OR IGNORE INTO reminder_notices(profile_id, reminder, sent_at)"
                                       " VALUES (?, ?, ?)", (profile["id"], key, to_iso(ctx.clock.now())))
                if claimed.rowcount != 1:
                    continue
                whose = "" if readers == [profile["id"]] else f" pour {child['first_name']}"
                text = (f"Un vaccin est à faire{whose} : {reminder.vaccine_name} ({reminder.dose}), recommandé à "
                        f"partir du {reminder.due_from:%d/%m/%Y}. Parlez-en à votre médecin, pharmacien ou "
                        "infirmier. Voir : mes vaccins reminders.")
                for reader_id in readers:
                    first_name = person_by_id(ctx, reader_id)["first_name"]
                    notify_person(ctx, reader_id, *messages.notice(first_name, "Rappel de vaccination", text),
                                  kind="vaccination_reminder")
                events.emit(conn, ctx, "reminder.due", profile["id"], profile_id=profile["id"], rule_id=reminder.rule_id)
                sent += 1
    return sent
