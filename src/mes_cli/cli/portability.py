"""`mes export FILE.zip` and `mes import FILE.zip`: the whole space out as one archive, and back into a
space on this server or another (client/portability/ does the work)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..i18n import N_, _
from .context import AppContext
from .options import FormatOpt

IMPORT_COLUMNS = ["kind", "path", "status", "id", "title", "category", "date", "error_code", "error"]
_DONE = {"created": N_("restored"), "replaced": N_("new version, replaces the previous one"),
         "deleted": N_("deleted, as the archive asks"), "unchanged": N_("already there"),
         "outdated": N_("an older version: kept in the history"), "absent": N_("nothing to delete"),
         "kept": N_("kept as it is"), "valid": N_("would be restored")}


def export(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The archive to write (.zip); refused if it exists, unless --force",
                                         show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Export your whole space to one archive: every document (IHE XDM, with its metadata), the medical
    profile and vaccinations (FHIR R4 and mes' own JSON) and your messages. Written under a temporary name
    and renamed, readable by you only (0600). Reading your conversations marks their messages read."""
    from ..client.downloads import write_new_file
    from ..client.portability.export import export_space, readback_problems
    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    profile = app.profile()
    final = file.expanduser()
    if final.is_dir():
        raise MesError("VALIDATION_ERROR", _("{path} is a directory; give the name of the archive to write, e.g. "
                                             "{example}.").format(path=final, example=final / "mon-espace-sante.zip"),
                       {"field": "file"})
    if final.exists() and not force:
        raise MesError("CONFLICT", _("{path} already exists; choose another name, or add --force to replace it.")
                       .format(path=final), {"path": str(final)})
    summary = None

    def fill(out) -> None:
        nonlocal summary
        summary = export_space(app.client, profile, out, on_item=lambda item: app.say(_export_line(item)))

    try:
        write_new_file(final, fill, force)
    except OSError as exc:
        raise MesError("VALIDATION_ERROR", _("Cannot write {path}: {reason}.").format(
            path=final, reason=exc.strerror or exc), {"field": "file"}) from None
    problems = readback_problems(final)
    result = {"path": str(final), "size": final.stat().st_size, **summary.result(), "readback_problems": problems}
    for problem in problems:
        app.say(_("Warning: `mes import` cannot read this archive back: {problem}. Every document is in it, "
                  "readable by other software.").format(problem=problem))
    app.say(_("Exported {documents} document(s) ({versions} earlier version(s)), {entries} profile entries, "
              "{vaccinations} vaccination(s) and {conversations} conversation(s) to {path}.").format(
        documents=summary.documents, versions=summary.earlier_versions, entries=summary.profile_entries,
        vaccinations=summary.vaccinations, conversations=summary.conversations, path=final))
    if summary.conversations:
        app.say(_("Reading your conversations to export them marked their messages read."))
    app.emit(result, fmt)


def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="An archive written by `mes export` (any IHE XDM archive: its "
                                         "documents only)", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check everything; change nothing")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Restore an archive of `mes export` into this space, on this server or another: documents (their
    patient must be this profile's), profile and vaccinations. What the space already holds is skipped, so
    running it twice adds nothing. Messages are not restored (exit 5 when some items failed)."""
    from ..client.portability.restore import import_space
    from ..contract.errors import ExitStatus

    app: AppContext = ctx.obj
    profile = app.profile()
    report = import_space(app.client, profile, file, dry_run=dry_run, on_item=lambda item: app.say(_line(item)))
    items = report.items
    failed = [i for i in items if i.status == "failed"]
    counts = {status: sum(1 for i in items if i.status == status) for status in _DONE}
    if dry_run:
        app.say(_("Dry run: {valid} item(s) would be restored, {unchanged} already there, {failed} refused; "
                  "nothing changed.").format(valid=counts["valid"], unchanged=counts["unchanged"],
                                             failed=len(failed)))
    else:
        app.say(_("Restored {created}, new versions {replaced}, already there {unchanged}, kept as they were "
                  "{kept}, failed {failed}.").format(created=counts["created"], replaced=counts["replaced"],
                                                     unchanged=counts["unchanged"], kept=counts["kept"],
                                                     failed=len(failed)))
    if report.conversations:
        app.say(_("{count} conversation(s) of the archive are not restored: only a health professional can start "
                  "a conversation. They stay readable in the archive (MES/messages.json).").format(
            count=report.conversations))
    elif not report.has_space and items and not failed:
        app.say(_("This archive holds documents only (it was not written by `mes export`): no profile or "
                  "vaccinations to restore."))
    app.emit([i.result() for i in items], fmt, columns=IMPORT_COLUMNS)
    if failed:
        raise typer.Exit(int(ExitStatus.PARTIAL if len(failed) < len(items) else ExitStatus.INVALID))


def _export_line(item) -> str:
    return f"✓ {item.path}" + (f" « {item.title} »" if item.title else "")


def _line(item) -> str:
    where = item.path or _("the archive")
    if item.status == "failed":
        return f"✗ {where}: {item.error} [{item.error_code}]"
    target = f" → {item.id}" if item.id else ""
    title = f" « {item.title} »" if item.title else ""
    note = f" — {item.error}" if item.error else ""
    return f"✓ {where}{target}{title} ({_(_DONE.get(item.status, item.status))}){note}"


def register(root: typer.Typer) -> None:
    root.command("export")(export)
    root.command("import")(import_)
