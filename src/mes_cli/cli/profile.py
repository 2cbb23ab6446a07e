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

# The section each word of the command line names (the section's own name is taken too, and French words:
# cli/input.py).
SECTION_NAMES = {"disease": "diseases", "treatment": "treatments", "allergy": "allergies", "measure": "measures",
                 "family-history": "family_history"}
ADDED = {"diseases": N_("✓ added {id} to diseases"), "treatments": N_("✓ added {id} to treatments"),
         "allergies": N_("✓ added {id} to allergies"), "measures": N_("✓ added {id} to measures"),
         "family_history": N_("✓ added {id} to family history")}
CommentOpt = Annotated[Optional[str], typer.Option("--comment", help="Free text, ≤ 3,000 characters")]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


def _section(raw: str) -> str:
    """The section a SECTION argument names: ``allergy``, ``allergies``, ``allergie``…"""
    from ..contract.validation import Problem
    from .input import choice, refusal

    word = choice(raw, [*SECTION_NAMES, *SECTION_NAMES.values()])
    if word is None:
        raise refusal(Problem("section", "not_accepted", value=raw, accepted=tuple(SECTION_NAMES)), "SECTION")
    return SECTION_NAMES.get(word, word)


def _date(raw: str | None, field: str, allow_future: bool = False) -> str | None:
    """Dates as a French person types them, checked here before any request (and again by the server)."""
    from ..domain.dates import parse_date

    return parse_date(raw, field, allow_future=allow_future).isoformat() if raw else None


# The options of `mes profile add` not named after the field they set.
_RENAMED_FLAGS = {"start_date": "--start", "end_date": "--end", "ongoing": "--past"}


def _flag(field: str) -> str:
    """The option of `mes profile add` that sets ``field``, for a refusal to name it as the person typed it."""
    from .input import flag

    return _RENAMED_FLAGS.get(field) or flag(field)


def _typed(wire_type: type, /, **fields):
    """An entry from the options of `mes profile add`, read the French way too (cli/input.py) and checked
    before any request."""
    from .input import typed

    return typed(wire_type, _flag, **fields)


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

    _added(_app(ctx), "diseases", _typed(m.DiseaseIn, name=name, since=_date(since, "since"), ongoing=not past,
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

    _added(_app(ctx), "treatments", _typed(m.TreatmentIn, name=name, dosage=dosage,
                                            start_date=_date(start, "start_date"),
                                            end_date=_date(end, "end_date", allow_future=True), comment=comment),
           fmt)


@add_app.command("allergy")
def add_allergy(
    ctx: typer.Context,
    substance: Annotated[str, typer.Option("--substance", help="What you are allergic to")],
    reaction: Annotated[Optional[str], typer.Option("--reaction", help="e.g. urticaire, œdème")] = None,
    severity: Annotated[Optional[str], typer.Option(
        "--severity", help="mild, moderate or severe; in French too: légère, modérée, sévère or grave")] = None,
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

    _added(_app(ctx), "family_history", _typed(m.FamilyHistoryIn, relative=relative, condition=condition,
                                                comment=comment), fmt)


@add_app.command("measure")
def add_measure(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help="weight (kg), height (cm) or blood-pressure (mmHg); in French "
                                                     "too: poids, taille or tension")],
    value: Annotated[Optional[str], typer.Option("--value", metavar="NUMBER",
                                                 help="Weight in kg or height in cm; 62.5 or 62,5")] = None,
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

    _added(_app(ctx), "measures", _typed(m.MeasureIn, kind=kind, value=value, systolic=systolic,
                                         diastolic=diastolic, date=_date(date, "date"), comment=comment), fmt)


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
    """Change fields of an entry (values as `mes profile add` takes them: 62,5, grave, poids…)."""
    from ..contract.errors import MesError
    from ..contract.models import PROFILE_SECTIONS
    from .input import typed

    app = _app(ctx)
    section, entry = _find(app, entry_id)
    fields = {k: v for k, v in entry.fields.items() if k != "unit"}
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep:
            raise MesError("VALIDATION_ERROR", _("--set takes FIELD=VALUE, not {change!r}.").format(change=change),
                           {"field": "set"})
        fields[key.strip()] = value if value != "" else None
    entry = typed(PROFILE_SECTIONS[section], lambda field: f"--set {field}=…", **fields)
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
    section: Annotated[str, typer.Argument(help="disease, treatment, allergy, measure or family-history; in French "
                                                "too: maladie, traitement, allergie, mesure or antécédents")],
    undo: Annotated[bool, typer.Option("--undo", help="Remove the mark")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Mark a section as not concerning you (e.g. no allergies)."""
    app = _app(ctx)
    app.emit(app.client.mark_section(app.profile(), _section(section), not undo), fmt)


@profile_app.command("blood-group")
def blood_group(
    ctx: typer.Context,
    group: Annotated[Optional[str], typer.Argument(help="A+, A-, B+, B-, AB+, AB-, O+ or O-; also 0+, 'O pos', "
                                                        "'A négatif'")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the blood group")] = False,
) -> None:
    """Set (or clear) your blood group."""
    from ..contract import models as m
    from ..contract.errors import MesError
    from .input import blood_group as read_blood_group, typed

    app = _app(ctx)
    if clear == (group is not None):
        raise MesError("INPUT_REQUIRED", _("Give a blood group (e.g. O+) or --clear."), {"flag": "GROUP"})
    value = None if clear else typed(m.BloodGroupIn, lambda field: "GROUP",
                                     blood_group=read_blood_group(group)).blood_group
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


# A section's title in the readable view, by its code: the server's ``label`` is French whatever the
# language, and JSON keeps it as it is.
SECTION_TITLES = {"diseases": N_("Diseases and health topics"), "treatments": N_("Treatments"),
                  "allergies": N_("Allergies"), "family_history": N_("Family history"), "measures": N_("Measures")}


def _section_title(section) -> str:
    """The title in the current language; a section this version does not know keeps the server's label."""
    title = SECTION_TITLES.get(section.section)
    return _(title) if title else section.label


def _print_profile(app: AppContext, profile) -> None:
    """The readable view of ``mes profile show``: every sentence in the person's language, entries as tables."""
    from .output import render

    out = app.env.stdout
    header = (_("Medical profile of {first_name} {last_name} (born on {birth_date:%d/%m/%Y}) — blood group: "
                "{blood_group}") if profile.blood_group else
              _("Medical profile of {first_name} {last_name} (born on {birth_date:%d/%m/%Y}) — blood group not "
                "given"))
    out.write(header.format(first_name=profile.first_name, last_name=profile.last_name, birth_date=profile.birth_date,
                            blood_group=profile.blood_group) + "\n")
    for section in profile.sections:
        out.write(f"\n{_section_title(section)}\n")
        if section.not_concerned:
            out.write("  " + _("not concerned") + "\n")
        elif not section.entries:
            out.write("  " + _("(nothing entered)") + "\n")
        else:
            render([{"id": e.id, **e.fields} for e in section.entries], "table", out)


EXPORT_FORMATS = ("fhir", "pdf")
FHIR_FILE_NAME = "medical-profile.fhir.json"  # the name given in a directory (-o DIR)


@profile_app.command("export")
def export(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", metavar="fhir|pdf", help="fhir (a FHIR R4 Bundle, JSON) or "
                                     "pdf (a document to print or send to a professional)")] = "fhir",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to FILE, or into DIR (default: "
                      "stdout, where a PDF goes only when it is not a terminal)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
) -> None:
    """Export the profile: a FHIR R4 Bundle (Patient with INS-NIR, conditions, treatments, allergies…), or a PDF
    (identity, blood group, every section, the vaccination booklet) in the language of the command.

    A file is written whole or not at all (private to you, mode 0600), and never
    over an existing one without --force.
    """
    from .errors import bad_choice

    if fmt not in EXPORT_FORMATS:
        raise bad_choice(fmt, EXPORT_FORMATS, "'--format' / '-f'")
    app = _app(ctx)
    to_stdout = output is None or str(output) == "-"
    if fmt == "pdf":
        _export_pdf(app, None if to_stdout else output, force)
        return
    import json

    text = json.dumps(app.client.fhir_bundle(app.profile()), indent=2, ensure_ascii=False) + "\n"
    if to_stdout:
        app.env.stdout.write(text)
        return
    written = _write_export(output, FHIR_FILE_NAME, text.encode("utf-8"), force)
    app.say(_("✓ FHIR bundle written to {path}").format(path=written))


def _export_pdf(app: AppContext, output: Path | None, force: bool) -> None:
    """The profile as a PDF into ``output``, or on stdout when that is not a terminal (binary would garble it)."""
    from ..contract.errors import MesError
    from .profile_pdf import file_name, profile_pdf

    if output is None and app.env.stdout_is_tty:
        raise MesError("INPUT_REQUIRED", _("A PDF is not shown on a terminal: give -o FILE, or redirect the output "
                                           "to a file or a program."), {"flag": "--output"})
    data = profile_pdf(app)
    if output is None:
        import sys

        app.env.stdout.flush()
        getattr(app.env.stdout, "buffer", sys.stdout.buffer).write(data)
        return
    written = _write_export(output, file_name(), data, force)
    app.say(_("✓ medical profile written to {path} (PDF)").format(path=written))


def _write_export(output: Path, name: str, data: bytes, force: bool) -> Path:
    """As a download is written (client/downloads.py): a temp file beside it, then moved into place."""
    from ..client.downloads import target_path, write_new_file

    return write_new_file(target_path(output, name), lambda out: out.write(data), force)


def register(root: typer.Typer) -> None:
    root.add_typer(profile_app, name="profile")
