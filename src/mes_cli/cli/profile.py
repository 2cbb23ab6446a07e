"""`mes profile …`: the medical profile — show, add, edit, remove, not concerned, blood group, FHIR export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import N_, _
from .context import AppContext
from .options import FormatOpt

profile_app = typer.Typer(help="Your medical profile: diseases, treatments, allergies, measures, family history.",
                          no_args_is_help=True)
add_app = typer.Typer(help="Add an entry to a section of the profile.", no_args_is_help=True)
profile_app.add_typer(add_app, name="add")

SECTION_NAMES = {"disease": "diseases", "diseases": "diseases", "treatment": "treatments",
                 "treatments": "treatments", "allergy": "allergies", "allergies": "allergies",
                 "measure": "measures", "measures": "measures", "family-history": "family_history",
                 "family_history": "family_history"}
ADDED = {"diseases": N_("✓ added {id} to diseases"), "treatments": N_("✓ added {id} to treatments"),
         "allergies": N_("✓ added {id} to allergies"), "measures": N_("✓ added {id} to measures"),
         "family_history": N_("✓ added {id} to family history")}
CommentOpt = Annotated[Optional[str], typer.Option("--comment", help="Free text, ≤ 3,000 characters")]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


def _section(raw: str) -> str:
    from ..contract.errors import MesError

    section = SECTION_NAMES.get(raw.lower())
    if section is None:
        raise MesError("VALIDATION_ERROR", _("Unknown section {section!r}; use disease, treatment, allergy, measure "
                                             "or family-history.").format(section=raw), {"field": "section"})
    return section


def _date(raw: str | None, field: str, allow_future: bool = False) -> str | None:
    """Dates as a French person types them, checked here before any request (and again by the server)."""
    from ..domain.dates import parse_date

    return parse_date(raw, field, allow_future=allow_future).isoformat() if raw else None


def _added(app: AppContext, section: str, entry, fmt: str | None) -> None:
    created = app.client.add_entry(app.profile(), section, entry)
    app.say(_(ADDED[section]).format(id=created.id))
    app.emit(created, fmt)


@add_app.command("disease")
def add_disease(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Disease or health topic, ≤ 50 characters")],
    since: Annotated[Optional[str], typer.Option("--since", help="Since when, e.g. 01/03/2019")] = None,
    past: Annotated[bool, typer.Option("--past", help="No longer current")] = False,
    comment: CommentOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """A disease or health topic."""
    from ..contract import models as m

    _added(_app(ctx), "diseases", m.DiseaseIn(name=name, since=_date(since, "since"), ongoing=not past,
                                               comment=comment), fmt)


@add_app.command("treatment")
def add_treatment(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="Medicine, ≤ 50 characters")],
    dosage: Annotated[Optional[str], typer.Option("--dosage", help="e.g. '1 comprimé matin et soir'")] = None,
    start: Annotated[Optional[str], typer.Option("--start", help="Start date")] = None,
    end: Annotated[Optional[str], typer.Option("--end", help="End date (none: current treatment)")] = None,
    comment: CommentOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """A treatment, current (no end date) or past."""
    from ..contract import models as m

    _added(_app(ctx), "treatments", m.TreatmentIn(name=name, dosage=dosage, start_date=_date(start, "start_date"),
                                                   end_date=_date(end, "end_date", allow_future=True),
                                                   comment=comment), fmt)


@add_app.command("allergy")
def add_allergy(
    ctx: typer.Context,
    substance: Annotated[str, typer.Option("--substance", help="What you are allergic to")],
    reaction: Annotated[Optional[str], typer.Option("--reaction", help="e.g. urticaire, œdème")] = None,
    severity: Annotated[Optional[str], typer.Option("--severity", help="mild, moderate or severe")] = None,
    comment: CommentOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """An allergy or intolerance."""
    from ..contract import models as m

    _added(_app(ctx), "allergies", _typed(m.AllergyIn, substance=substance, reaction=reaction, severity=severity,
                                          comment=comment), fmt)


@add_app.command("family-history")
def add_family_history(
    ctx: typer.Context,
    relative: Annotated[str, typer.Option("--relative", help="e.g. mère, père, grand-père paternel")],
    condition: Annotated[str, typer.Option("--condition", help="The disease")],
    comment: CommentOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """A disease in the family."""
    from ..contract import models as m

    _added(_app(ctx), "family_history", m.FamilyHistoryIn(relative=relative, condition=condition, comment=comment),
           fmt)


@add_app.command("measure")
def add_measure(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help="weight (kg), height (cm) or blood-pressure (mmHg)")],
    value: Annotated[Optional[float], typer.Option("--value", help="Weight in kg or height in cm")] = None,
    systolic: Annotated[Optional[int], typer.Option("--systolic", help="Blood pressure, higher number (mmHg)")]
    = None,
    diastolic: Annotated[Optional[int], typer.Option("--diastolic", help="Blood pressure, lower number (mmHg)")]
    = None,
    date: Annotated[Optional[str], typer.Option("--date", help="When measured (default: today)")] = None,
    comment: CommentOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """A measure: weight, height or blood pressure."""
    from ..contract import models as m

    _added(_app(ctx), "measures", _typed(m.MeasureIn, kind=kind.replace("-", "_"), value=value, systolic=systolic,
                                         diastolic=diastolic, date=_date(date, "date"), comment=comment), fmt)


def _typed(struct_type, **fields):
    """Builds a wire struct from loose values, turning a type error into a clear validation error."""
    import msgspec

    from ..contract.errors import MesError

    try:
        return msgspec.convert({k: v for k, v in fields.items() if v is not None}, type=struct_type, strict=False)
    except msgspec.ValidationError as exc:
        raise MesError("VALIDATION_ERROR", _("Invalid value: {problem}.").format(problem=exc),
                       {"problem": str(exc)}) from None


def _find(app: AppContext, entry_id: str):
    from ..contract.errors import MesError

    for section in app.client.medical_profile(app.profile()).sections:
        for entry in section.entries:
            if entry.id == entry_id:
                return section.section, entry
    raise MesError("NOT_FOUND", _("No entry {id!r} in your profile; see `mes profile show`.").format(id=entry_id))


@profile_app.command("edit")
def edit(
    ctx: typer.Context,
    entry_id: Annotated[str, typer.Argument(help="Entry id (see `mes profile show`)")],
    changes: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE, e.g. --set dosage='2 par jour' "
                       "(empty value clears)", show_default=False)],
    fmt: FormatOpt = None,
) -> None:
    """Change fields of an entry."""
    from ..contract.errors import MesError
    from ..contract.models import PROFILE_SECTIONS

    app = _app(ctx)
    section, entry = _find(app, entry_id)
    fields = {k: v for k, v in entry.fields.items() if k != "unit"}
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise MesError("VALIDATION_ERROR", _("--set takes FIELD=VALUE, not {change!r}.").format(change=change),
                           {"field": "set"})
        fields[key.strip()] = value if value != "" else None
    entry = _typed(PROFILE_SECTIONS[section], **fields)
    updated = app.client.replace_entry(app.profile(), section, entry_id, entry)
    app.say(_("✓ updated {id}").format(id=entry_id))
    app.emit(updated, fmt)


@profile_app.command("remove")
def remove(ctx: typer.Context, entry_id: Annotated[str, typer.Argument(help="Entry id")]) -> None:
    """Remove an entry."""
    app = _app(ctx)
    section, _entry = _find(app, entry_id)
    app.client.remove_entry(app.profile(), section, entry_id)
    app.say(_("✓ removed {id}").format(id=entry_id))


@profile_app.command("not-concerned")
def not_concerned(
    ctx: typer.Context,
    section: Annotated[str, typer.Argument(help="disease, treatment, allergy, measure or family-history")],
    undo: Annotated[bool, typer.Option("--undo", help="Remove the mark")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Mark a section as not concerning you (e.g. no allergies)."""
    app = _app(ctx)
    app.emit(app.client.mark_section(app.profile(), _section(section), not undo), fmt)


@profile_app.command("blood-group")
def blood_group(
    ctx: typer.Context,
    group: Annotated[Optional[str], typer.Argument(help="A+, A-, B+, B-, AB+, AB-, O+ or O-")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the blood group")] = False,
) -> None:
    """Set (or clear) your blood group."""
    from ..contract.errors import MesError

    app = _app(ctx)
    if clear == (group is not None):
        raise MesError("INPUT_REQUIRED", _("Give a blood group (e.g. O+) or --clear."), {"flag": "GROUP"})
    value = None if clear else group.upper().replace("POS", "+").replace("NEG", "-")
    app.client.set_blood_group(app.profile(), value)
    app.say(_("✓ blood group cleared") if clear else _("✓ blood group {group}").format(group=value))


@profile_app.command("show")
def show(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The whole profile: readable on a terminal; json, jsonl or csv for scripts (one row per entry)."""
    app = _app(ctx)
    profile = app.client.medical_profile(app.profile())
    chosen = app.output_format(fmt)
    if chosen == "json":
        return app.emit(profile, "json")
    rows = [{"section": s.section, "id": e.id, **e.fields} for s in profile.sections for e in s.entries]
    if chosen != "table":
        return app.emit(rows, chosen)
    _print_profile(app, profile)


def _print_profile(app: AppContext, profile) -> None:
    from .output import render

    out = app.env.stdout
    out.write(f"Profil médical de {profile.first_name} {profile.last_name} (né(e) le "
              f"{profile.birth_date:%d/%m/%Y}) — groupe sanguin : {profile.blood_group or 'non renseigné'}\n")
    for section in profile.sections:
        out.write(f"\n{section.label}\n")
        if section.not_concerned:
            out.write("  non concerné(e)\n")
        elif not section.entries:
            out.write("  (rien de renseigné)\n")
        else:
            render([{"id": e.id, **e.fields} for e in section.entries], "table", out)


@profile_app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="fhir (a FHIR R4 Bundle)")] = "fhir",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE (default: stdout)")]
    = None,
) -> None:
    """Export the profile as a FHIR R4 Bundle (Patient with INS-NIR, conditions, treatments, allergies…)."""
    import json

    from ..contract.errors import MesError

    if fmt != "fhir":
        raise MesError("VALIDATION_ERROR", _("Unknown export format {format!r}; use fhir.").format(format=fmt),
                       {"field": "format"})
    app = _app(ctx)
    text = json.dumps(app.client.fhir_bundle(app.profile()), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        app.env.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    output.chmod(0o600)
    app.say(_("✓ FHIR bundle written to {path}").format(path=output))


def register(root: typer.Typer) -> None:
    root.add_typer(profile_app, name="profile")
