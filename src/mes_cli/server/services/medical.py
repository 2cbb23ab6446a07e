"""The medical profile (DOMAIN.md §4): sections of entries, "not concerned" marks, blood group.

Each section has a wire type (contract/models.py) and a rule function that
checks what a type cannot express (dates not in the future, an end after a
start, systolic above diastolic, sane ranges) and returns the fields to store.
Entries are kept as JSON: the sections differ in shape, not in behaviour.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Callable

import msgspec

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.dates import parse_date
from ...i18n import N_, _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from .common import new_id, next_seq, person_by_id


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    type: type
    rules: Callable[[Any, dt.date], dict]


def _date(raw: str | None, field: str, today: dt.date, allow_future: bool = False) -> str | None:
    return parse_date(raw, field, today=today, allow_future=allow_future).isoformat() if raw else None


def _clean(struct: Any, **normalised: Any) -> dict:
    """The entry's fields, with normalised values swapped in; empty ones left out."""
    fields = {**msgspec.structs.asdict(struct), **normalised}
    return {k: v for k, v in fields.items() if v is not None}


def _disease(entry: m.DiseaseIn, today: dt.date) -> dict:
    return _clean(entry, since=_date(entry.since, "since", today))


def _treatment(entry: m.TreatmentIn, today: dt.date) -> dict:
    start = _date(entry.start_date, "start_date", today)
    end = _date(entry.end_date, "end_date", today, allow_future=True)  # a planned end may lie ahead
    if start and end and end < start:
        raise MesError("INVALID_DATE", _("The treatment's end date is before its start date."), {"field": "end_date"})
    return _clean(entry, start_date=start, end_date=end)


def _allergy(entry: m.AllergyIn, today: dt.date) -> dict:
    return _clean(entry)


def _family(entry: m.FamilyHistoryIn, today: dt.date) -> dict:
    return _clean(entry)


# Sane ranges, wide enough for newborns and for the extremes seen in practice.
RANGES = {"weight": (0.3, 500.0, "kg"), "height": (20.0, 272.0, "cm")}
OUT_OF_RANGE = {
    "weight": N_("A weight must be between {low:g} and {high:g} {unit}."),
    "height": N_("A height must be between {low:g} and {high:g} {unit}."),
}
SYSTOLIC, DIASTOLIC = (50, 300), (30, 200)


def _measure(entry: m.MeasureIn, today: dt.date) -> dict:
    fields = _clean(entry, date=_date(entry.date, "date", today) or today.isoformat())
    if entry.kind == "blood_pressure":
        if entry.systolic is None or entry.diastolic is None:
            raise MesError("VALIDATION_ERROR", _("A blood pressure needs --systolic and --diastolic (mmHg)."),
                           {"field": "systolic"})
        if not SYSTOLIC[0] <= entry.systolic <= SYSTOLIC[1] or not DIASTOLIC[0] <= entry.diastolic <= DIASTOLIC[1]:
            raise MesError("VALIDATION_ERROR", _("Blood pressure out of range: systolic {sys_low}–{sys_high}, "
                                                 "diastolic {dia_low}–{dia_high} mmHg.").format(
                                                     sys_low=SYSTOLIC[0], sys_high=SYSTOLIC[1],
                                                     dia_low=DIASTOLIC[0], dia_high=DIASTOLIC[1]),
                           {"field": "systolic"})
        if entry.systolic <= entry.diastolic:
            raise MesError("VALIDATION_ERROR", _("The systolic pressure (the first, higher number) must be above the "
                                                 "diastolic one, e.g. 12/8 is 120 over 80."), {"field": "systolic"})
        fields.pop("value", None)
        return {**fields, "unit": "mmHg"}
    low, high, unit = RANGES[entry.kind]
    if entry.value is None or not low <= entry.value <= high:
        raise MesError("VALIDATION_ERROR", _(OUT_OF_RANGE[entry.kind]).format(low=low, high=high, unit=unit),
                       {"field": "value"})
    fields.pop("systolic", None)
    fields.pop("diastolic", None)
    return {**fields, "unit": unit}


_LABELS_AND_RULES = {
    "diseases": ("Maladies et sujets de santé", _disease),
    "treatments": ("Traitements", _treatment),
    "allergies": ("Allergies", _allergy),
    "family_history": ("Antécédents familiaux", _family),
    "measures": ("Mesures", _measure),
}
SECTIONS: dict[str, Section] = {
    name: Section(name, label, m.PROFILE_SECTIONS[name], rules) for name, (label, rules) in _LABELS_AND_RULES.items()
}


def _entry_view(row) -> m.ProfileEntry:
    return m.ProfileEntry(id=row["id"], section=row["section"], fields=json.loads(row["fields"]),
                          created_at=from_iso(row["created_at"]), updated_at=from_iso(row["updated_at"]))


def add(ctx: ServerContext, profile_id: str, section: str, entry: Any) -> m.ProfileEntry:
    spec = SECTIONS[section]
    fields = spec.rules(entry, ctx.clock.today())
    now = to_iso(ctx.clock.now())
    entry_id = new_id("e")
    with ctx.store.transaction() as conn:
        conn.execute("INSERT INTO profile_entries(id, profile_id, section, fields, created_at, updated_at, seq)"
                     f" VALUES (?, ?, ?, ?, ?, ?, {next_seq('profile_entries')})", (entry_id, profile_id, section, json.dumps(fields), now, now))
        conn.execute("DELETE FROM profile_sections WHERE profile_id = ? AND section = ?", (profile_id, section))
    return get(ctx, profile_id, section, entry_id)


def _row(ctx: ServerContext, profile_id: str, section: str, entry_id: str):
    row = ctx.store.one("SELECT * FROM profile_entries WHERE profile_id = ? AND section = ? AND id = ?",
                        (profile_id, section, entry_id))
    if row is None:
        raise MesError("NOT_FOUND", _("No {section} entry {id!r} in this profile; see `mes profile show`.").format(
            section=section, id=entry_id))
    return row


def get(ctx: ServerContext, profile_id: str, section: str, entry_id: str) -> m.ProfileEntry:
    return _entry_view(_row(ctx, profile_id, section, entry_id))


def replace(ctx: ServerContext, profile_id: str, section: str, entry_id: str, entry: Any) -> m.ProfileEntry:
    _row(ctx, profile_id, section, entry_id)
    fields = SECTIONS[section].rules(entry, ctx.clock.today())
    ctx.store.run("UPDATE profile_entries SET fields = ?, updated_at = ? WHERE id = ?",
                  (json.dumps(fields), to_iso(ctx.clock.now()), entry_id))
    return get(ctx, profile_id, section, entry_id)


def remove(ctx: ServerContext, profile_id: str, section: str, entry_id: str) -> None:
    _row(ctx, profile_id, section, entry_id)
    ctx.store.run("DELETE FROM profile_entries WHERE id = ?", (entry_id,))


def set_not_concerned(ctx: ServerContext, profile_id: str, section: str, status: m.SectionStatus) -> m.SectionView:
    if status.not_concerned:
        if ctx.store.one("SELECT 1 FROM profile_entries WHERE profile_id = ? AND section = ? LIMIT 1",
                         (profile_id, section)):
            raise MesError("CONFLICT", _("The {section} section has entries; remove them before marking it "
                                         "'not concerned'.").format(section=section))
        ctx.store.run("INSERT INTO profile_sections(profile_id, section, not_concerned) VALUES (?, ?, 1)"
                      " ON CONFLICT(profile_id, section) DO UPDATE SET not_concerned = 1", (profile_id, section))
    else:
        ctx.store.run("DELETE FROM profile_sections WHERE profile_id = ? AND section = ?", (profile_id, section))
    return _section(ctx, profile_id, section)


def set_blood_group(ctx: ServerContext, profile_id: str, request: m.BloodGroupIn) -> m.MedicalProfile:
    if request.blood_group is None:
        ctx.store.run("DELETE FROM profile_facts WHERE profile_id = ? AND key = 'blood_group'", (profile_id,))
    else:
        ctx.store.run("INSERT INTO profile_facts(profile_id, key, value) VALUES (?, 'blood_group', ?)"
                      " ON CONFLICT(profile_id, key) DO UPDATE SET value = excluded.value",
                      (profile_id, request.blood_group))
    return show(ctx, profile_id)


def _section(ctx: ServerContext, profile_id: str, section: str) -> m.SectionView:
    rows = ctx.store.all("SELECT * FROM profile_entries WHERE profile_id = ? AND section = ? ORDER BY created_at, seq",
                         (profile_id, section))
    marked = ctx.store.one("SELECT 1 FROM profile_sections WHERE profile_id = ? AND section = ?", (profile_id, section))
    return m.SectionView(section=section, label=SECTIONS[section].label, not_concerned=marked is not None,
                         entries=[_entry_view(r) for r in rows])


def show(ctx: ServerContext, profile_id: str) -> m.MedicalProfile:
    person = person_by_id(ctx, profile_id)
    fact = ctx.store.one("SELECT value FROM profile_facts WHERE profile_id = ? AND key = 'blood_group'", (profile_id,))
    return m.MedicalProfile(profile_id=profile_id, first_name=person["first_name"], last_name=person["last_name"],
                            birth_date=dt.date.fromisoformat(person["birth_date"]),
                            blood_group=fact["value"] if fact else None,
                            sections=[_section(ctx, profile_id, name) for name in SECTIONS])
