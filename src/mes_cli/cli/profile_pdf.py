"""The medical profile as a PDF: what a person prints, or sends to a professional with
`mes messages reply --attach-profile` — who they are, their blood group, every section of the
profile with its entries, and the vaccination booklet — in the language of the command (--lang).

Written by the project's one PDF writer (cli/pdf.py). Entries read as sentences a professional
scans ("Ventoline — 2 puffs — from 01/04/2021 to 31/01/2024"), not as the wire format's fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from ..i18n import N_, _
from .pdf import Line

FILE_NAME = N_("medical-profile.pdf")  # the name of the file, as an attachment or in a directory (-o DIR)
ENTRY_INDENT, NOTE_INDENT = 10, 22  # points: an entry under its heading, its comment under the entry
BULLET = "• "
SEPARATOR = "\u00a0— "  # between the parts of an entry; the no-break space keeps a dash from starting a line

DOSES = {"first": N_("primary immunisation"), "booster": N_("booster dose")}
MEASURES = {"weight": N_("Weight: {value:g} kg"), "height": N_("Height: {value:g} cm"),
            "blood_pressure": N_("Blood pressure: {systolic}/{diastolic} mmHg")}


def profile_pdf(app) -> bytes:
    """The PDF of the profile the command acts on: yours, or an attached child's (--for)."""
    profile = app.client.medical_profile(app.profile())
    booklet = app.client.vaccinations(app.profile()).vaccinations
    return render(profile, booklet, when=dt.datetime.now(dt.timezone.utc))


def file_name() -> str:
    """The PDF's file name in the current language (``profil-medical.pdf`` in French)."""
    return _(FILE_NAME)


def render(profile, vaccinations, *, when: dt.datetime) -> bytes:
    from .pdf import document

    title = _("Medical profile of {first_name} {last_name}").format(first_name=profile.first_name,
                                                                     last_name=profile.last_name)
    return document(lines(profile, vaccinations, title=title, when=when), title=title, when=when)


def lines(profile, vaccinations, *, title: str, when: dt.datetime) -> list[Line]:
    """The document, paragraph by paragraph: the identity header, each section, the booklet."""
    out = _header(profile, title, when)
    for section in profile.sections:
        out += _section(section)
    return out + _booklet(vaccinations)


def _header(profile, title: str, when: dt.datetime) -> list[Line]:
    blood = (_("Blood group: {group}").format(group=profile.blood_group) if profile.blood_group
             else _("Blood group: not given"))
    return [Line(title, "title"), Line(_("Born on {date:%d/%m/%Y}").format(date=profile.birth_date)), Line(blood),
            Line(_("Exported on {date:%d/%m/%Y} from Mon espace santé.").format(date=when), "small")]


def _section(section) -> list[Line]:
    """A section's title (as `mes profile show` shows it), then its entries or why it has none."""
    from .profile import _section_title

    out = [Line(""), Line(_section_title(section), "heading")]
    if section.not_concerned:
        return out + [Line(_("not concerned"), indent=ENTRY_INDENT)]
    if not section.entries:
        return out + [Line(_("(nothing entered)"), indent=ENTRY_INDENT)]
    for entry in section.entries:
        out += _entry(section.section, entry.fields)
    return out


def _booklet(vaccinations) -> list[Line]:
    """The vaccination booklet, oldest dose first."""
    doses = [_vaccination(v) for v in sorted(vaccinations, key=lambda v: v.date)]
    return [Line(""), Line(_("Vaccinations"), "heading"), *(doses or [Line(_("(nothing entered)"),
                                                                             indent=ENTRY_INDENT)])]


def _entry(section: str, fields: dict) -> list[Line]:
    """An entry as one line (its comment, if any, below it)."""
    describe = _DESCRIBE.get(section, _any_fields)
    entry = [_bulleted(describe(fields))]
    if fields.get("comment"):
        entry.append(Line(_("Comment: {comment}").format(comment=fields["comment"]), "small", indent=NOTE_INDENT))
    return entry


def _day(iso: str | None) -> str | None:
    """An ISO date of the wire format as people read it (12/03/2019); None stays None."""
    return f"{dt.date.fromisoformat(iso):%d/%m/%Y}" if iso else None


def _disease(fields: dict) -> list[str | None]:
    since = _day(fields.get("since"))
    return [fields.get("name"), _("since {date}").format(date=since) if since else None,
            _("ongoing") if fields.get("ongoing", True) else _("past")]


def _treatment(fields: dict) -> list[str | None]:
    start, end = _day(fields.get("start_date")), _day(fields.get("end_date"))
    if end:
        period = _("from {start} to {end}").format(start=start, end=end) if start else \
            _("until {end}").format(end=end)
    else:
        period = _("current, since {start}").format(start=start) if start else _("current")
    return [fields.get("name"), fields.get("dosage"), period]


def _allergy(fields: dict) -> list[str | None]:
    from .labels import value_word

    reaction, severity = fields.get("reaction"), fields.get("severity")
    return [fields.get("substance"), _("reaction: {reaction}").format(reaction=reaction) if reaction else None,
            _("severity: {severity}").format(severity=value_word("severity", severity)) if severity else None]


def _family_history(fields: dict) -> list[str | None]:
    return [_("{relative}: {condition}").format(relative=fields.get("relative"), condition=fields.get("condition"))]


def _measure(fields: dict) -> list[str | None]:
    template = MEASURES.get(fields.get("kind"))
    what = _(template).format(**fields) if template else _any_fields(fields)[0]
    taken = _day(fields.get("date"))
    return [what, _("on {date}").format(date=taken) if taken else None]


def _any_fields(fields: dict) -> list[str | None]:
    """A section this version does not know (a newer server): its fields as they come."""
    return [", ".join(f"{key}: {value}" for key, value in fields.items() if key != "comment")]


_DESCRIBE: dict[str, Callable[[dict], list[str | None]]] = {
    "diseases": _disease, "treatments": _treatment, "allergies": _allergy, "family_history": _family_history,
    "measures": _measure,
}


def _vaccination(vaccination) -> Line:
    name = vaccination.vaccine_name or vaccination.product_name or vaccination.product_code or vaccination.vaccine
    dose = _(DOSES[vaccination.dose]) if vaccination.dose in DOSES else vaccination.dose
    parts = [f"{vaccination.date:%d/%m/%Y}", name, dose,
             _("lot {lot}").format(lot=vaccination.lot) if vaccination.lot else None,
             _("by {performer}").format(performer=vaccination.performer) if vaccination.performer else None]
    return _bulleted(parts)


def _bulleted(parts: list[str | None]) -> Line:
    """One entry: its parts that have a value, after a bullet; its wrapped lines start under its text."""
    from .pdf import STYLES, text_width

    return Line(BULLET + SEPARATOR.join(part for part in parts if part), indent=ENTRY_INDENT,
                hang=text_width(BULLET, STYLES["body"]))
