"""Documents of the health system in `mes docs`: `import`, and what `show` and `download --pdf` do
with an HL7 CDA document (see server/services/health_documents.py for the rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..i18n import N_, _
from .context import AppContext
from .options import FormatOpt

IMPORT_COLUMNS = ["path", "status", "document_id", "title", "category", "date", "error_code", "error"]
_FILED = {"created": N_("imported"), "replaced": N_("new version, replaces the previous one"),
          "deleted": N_("deleted, as the archive asks"), "unchanged": N_("already there"),
          "outdated": N_("an older version: kept in the history"), "absent": N_("nothing to delete"),
          "valid": N_("would be imported")}


def register(docs_app: typer.Typer) -> None:
    docs_app.command("import")(import_)


def import_(
    ctx: typer.Context,
    archives: Annotated[list[Path], typer.Argument(help="IHE XDM archives (.zip): a DMP export, a CD or USB "
                        "stick, `mes export`", show_default=False)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Read and check everything; file nothing")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Import documents from IHE XDM archives: each document's size and hash are checked, its patient
    must be this profile's, what is already there is skipped (exit 5 when some failed)."""
    from ..client.health_import import import_archive
    from ..contract.errors import ExitStatus

    app: AppContext = ctx.obj
    profile = app.profile()
    items = []
    for archive in archives:
        items += import_archive(app.client, profile, archive, dry_run=dry_run, on_item=lambda item: say_filed(
            app, _line(item), item.vaccinations, item.notes))
    failed = [i for i in items if i.status == "failed"]
    counts = {status: sum(1 for i in items if i.status == status) for status in _FILED}
    if dry_run:
        app.say(_("Dry run: {valid} document(s) would be imported, {failed} refused; nothing filed.").format(
            valid=counts["valid"], failed=len(failed)))
    else:
        app.say(_("Imported {created}, new versions {replaced}, deleted {deleted}, already there {unchanged}, "
                  "failed {failed}.").format(failed=len(failed), **counts))
    app.emit([i.result() for i in items], fmt, columns=IMPORT_COLUMNS)
    if failed:
        raise typer.Exit(int(ExitStatus.PARTIAL if len(failed) < len(items) else ExitStatus.INVALID))


def _line(item) -> str:
    where = f"{item.archive.name}:{item.path}" if item.path else str(item.archive)
    if item.status == "failed":
        return f"✗ {where}: {item.error} [{item.error_code}]"
    target = f" → {item.document_id}" if item.document_id else ""
    return f"✓ {where}{target} « {item.title} » ({_(_FILED[item.status])})"


def say_filed(app: AppContext, line: str, vaccinations: int, notes: list[str]) -> None:
    """A filed document's line, the doses it added to the booklet, and what was left out of it."""
    if vaccinations:
        line += " " + _("— {n} vaccination(s) added to the booklet").format(n=vaccinations)
    app.say(line)
    for note in notes:
        app.say(f"  ! {note}")


def show_cda(app: AppContext, profile: str, meta, fmt: str | None) -> None:
    """A CDA's parsed header and versions as data; on a terminal, the document itself, readable."""
    details = app.client.cda_details(profile, meta.id)
    if app.output_format(fmt) != "table":
        app.emit(details, fmt)
        return
    from ..client.downloads import fetch_bytes
    from ..domain.cda import parse_cda, render_text

    document = parse_cda(fetch_bytes(app.client, profile, meta))
    app.env.stdout.write(render_text(document, width=_width(), document_id=meta.id))
    if len(details.versions) > 1:
        app.env.stdout.write("\n" + _("Versions:") + "\n")
        for version in details.versions:
            mark = "*" if version.id == meta.id else " "
            app.env.stdout.write(f" {mark} v{version.version or '?'}  {version.id}  {version.created_at:%d/%m/%Y}\n")


def _width() -> int:
    import shutil

    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))


def write_embedded_pdf(app: AppContext, profile: str, meta, output: Path | None, force: bool) -> Path:
    """The PDF a level-1 CDA document wraps, written like any download (never over a file without --force)."""
    from ..client.downloads import fetch_bytes, safe_filename, target_path, write_new_file
    from ..contract.errors import MesError

    if meta.format != "cda":
        raise MesError("NO_EMBEDDED_PDF", _("Document {id} is not an HL7 CDA document, so it wraps no PDF; "
                                            "download it without --pdf.").format(id=meta.id), {"flag": "--pdf"})
    from ..domain.cda import parse_cda

    embedded = parse_cda(fetch_bytes(app.client, profile, meta)).embedded
    if embedded is None or embedded.media_type != "application/pdf" or not embedded.data:
        raise MesError("NO_EMBEDDED_PDF", _("Document {id} is a structured CDA document with no embedded PDF; "
                                            "`mes docs show {id}` prints it, `mes docs download {id}` writes the "
                                            "original XML.").format(id=meta.id), {"flag": "--pdf"})
    final = target_path(output, safe_filename(meta.title, "application/pdf"))
    return write_new_file(final, lambda out: out.write(embedded.data), force)
