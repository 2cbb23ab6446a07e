"""`mes import`: an archive of `mes export` restored into a space, on this server or another.

Import files the documents through ``health_import.import_archive`` (what `mes docs import` does: CDA
documents to the server's import endpoint, which checks the patient's INS; other files through the
ordinary upload), then restores what the person chose for them (hidden from professionals, title,
category), the profile and the vaccinations, comparing with what the space already holds: running it
twice adds nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ...contract.errors import MesError
from ...i18n import _
from . import FORMAT_VERSION, MESSAGES_FORMAT, MESSAGES_JSON, SPACE_FORMAT, SPACE_JSON, nir_of_bundle, to_builtins

MAX_JSON_BYTES = 64 * 1024 * 1024
_NEW_HERE = ("created", "replaced")  # a document new in this space: what the person chose is restored


@dataclass
class SpaceItem:
    """What became of one thing of the archive: a document, a profile entry, a vaccination…"""

    kind: str  # document | folder | profile_entry | blood_group | not_concerned | vaccination | archive
    path: str
    # created | replaced | deleted | unchanged | outdated | absent | kept | valid (dry run) | failed
    status: str = "pending"
    id: str | None = None
    title: str | None = None
    category: str | None = None
    date: str | None = None
    error_code: str | None = None
    error: str | None = None

    def fail(self, exc: MesError) -> None:
        self.status, self.error_code, self.error = "failed", exc.code, exc.message

    def result(self) -> dict:
        return {"kind": self.kind, "path": self.path, "status": self.status, "id": self.id, "title": self.title,
                "category": self.category, "date": self.date, "error_code": self.error_code, "error": self.error}


@dataclass
class SpaceImport:
    items: list[SpaceItem] = field(default_factory=list)
    conversations: int = 0  # in the archive, not restored
    has_space: bool = False  # the archive holds MES/space.json (made by `mes export`)


@dataclass(frozen=True)
class _Chosen:
    """What the person had chosen for a document, as the archive's metadata says it."""

    title: str | None
    category: str | None
    hidden: bool
    hidden_from_representatives: bool = False
    folder: str | None = None
    pinned: bool = False


def _read_export_archive(path: Path) -> tuple[dict[str, _Chosen], dict | None, int, MesError | None]:
    """The person's choices by document path, MES/space.json, the number of conversations, and what is
    wrong with MES/space.json or MES/messages.json if anything is. A problem with the archive itself is
    raised (``import_archive`` reports it, as one item)."""
    from ...domain.categories import CATEGORIES
    from ...domain.filing import CATEGORY_SLOT, FOLDER_SLOT, PINNED_SLOT
    from ...domain.xdm import XdmArchive
    from ...domain.xds_codes import is_hidden, is_invisible_to_representatives

    with XdmArchive(path) as archive:
        chosen = {}
        for document in archive.documents():
            entry = document.entry
            category = (entry.extra_slots.get(CATEGORY_SLOT) or ("",))[0]
            chosen[document.path] = _Chosen(
                entry.title, category if category in CATEGORIES else None, is_hidden(entry.confidentiality),
                is_invisible_to_representatives(entry.confidentiality),
                (entry.extra_slots.get(FOLDER_SLOT) or (None,))[0],
                (entry.extra_slots.get(PINNED_SLOT) or ("",))[0] == "true")
        space, conversations, problem = None, 0, None
        try:
            found = archive.zip.find(archive.root + SPACE_JSON)
            if found:
                space = _load_json(archive.read_file(found, MAX_JSON_BYTES), SPACE_FORMAT, found)
            messages = archive.zip.find(archive.root + MESSAGES_JSON)
            if messages:
                conversations = len(_load_json(archive.read_file(messages, MAX_JSON_BYTES), MESSAGES_FORMAT,
                                               messages).get("conversations") or [])
        except MesError as exc:
            problem = exc
    return chosen, space, conversations, problem


def _load_json(data: bytes, expected: str, name: str) -> dict:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, dict) or value.get("format") != expected:
        raise MesError("INVALID_ARCHIVE", _("{entry} in this archive is not what `mes export` writes; the archive "
                                            "was changed or damaged. Export it again.").format(entry=name),
                       {"entry": name})
    if value.get("version") != FORMAT_VERSION:
        raise MesError("INVALID_ARCHIVE", _("{entry} is in version {version} of the format; this mes reads "
                                            "version {supported}. Update mes.").format(
            entry=name, version=value.get("version"), supported=FORMAT_VERSION), {"entry": name})
    return value


def _restore_choices(client, profile: str, item: SpaceItem, chosen: _Chosen | None) -> None:
    """A document new in this space is hidden, titled, filed, put in its folder and pinned as the person had it."""
    from ...contract import models as m
    from ...domain.filing import shorten

    if chosen is None or item.status not in _NEW_HERE or not item.id:
        return
    title = shorten(chosen.title) if chosen.title else None
    patch = m.DocumentPatch(hidden=True if chosen.hidden else None,
                            title=title if title and title != item.title else None,
                            category=chosen.category if chosen.category and chosen.category != item.category
                            else None,
                            hidden_from_representatives=True if chosen.hidden_from_representatives else None,
                            folder=chosen.folder or None, pinned=True if chosen.pinned else None)
    if patch == m.DocumentPatch():
        return
    updated = client.update_document(profile, item.id, patch)
    item.title, item.category = updated.title, updated.category


def _restore_folders(client, profile: str, space: dict) -> list[SpaceItem]:
    """Creates the folders of the archive (empty ones too) that this space does not have yet, before the
    documents go into them; the items of those refused (a name changed in the archive)."""
    held = {folder.name.casefold() for folder in client.document_folders(profile).folders}
    refused = []
    for name in space.get("folders") or []:
        if not isinstance(name, str) or name.casefold() in held:
            continue
        try:
            client.create_document_folder(profile, name)
            held.add(name.casefold())
        except MesError as exc:
            item = SpaceItem("folder", name)
            item.fail(exc)
            refused.append(item)
    return refused


def _document_item(imported) -> SpaceItem:
    return SpaceItem("document" if imported.path else "archive", imported.path, imported.status,
                     imported.document_id, imported.title, imported.category, imported.date, imported.error_code,
                     imported.error)


def _comparison_key(value: Any) -> str:
    """One string for a value, whatever the order of its keys: what the space holds is counted by it."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _describe_entry(section: str, fields: dict) -> str:
    if section == "measures":
        if fields.get("kind") == "blood_pressure":
            return f"{fields.get('systolic')}/{fields.get('diastolic')} mmHg"
        return f"{fields.get('kind')} {fields.get('value')} {fields.get('unit') or ''}".strip()
    if section == "family_history":
        return f"{fields.get('relative')}: {fields.get('condition')}"
    return str(fields.get("name") or fields.get("substance") or section)


def _entry_date(fields: dict) -> str | None:
    return fields.get("date") or fields.get("since") or fields.get("start_date")


def _restore_profile(client, profile: str, space: dict, dry_run: bool,
                     on_item: Callable[[SpaceItem], None]) -> list[SpaceItem]:
    """The profile entries, blood group and "not concerned" marks the space does not hold yet."""
    items: list[SpaceItem] = []

    def emit(item: SpaceItem) -> None:
        items.append(item)
        on_item(item)

    current = client.medical_profile(profile)
    held = Counter(_comparison_key([s.section, e.fields]) for s in current.sections for e in s.entries)
    sections = {s.section: s for s in current.sections}
    saved = space.get("profile") or {}
    for section in saved.get("sections") or []:
        name = section.get("section")
        for number, entry in enumerate(section.get("entries") or []):
            fields = entry.get("fields") or {}
            item = SpaceItem("profile_entry", f"{SPACE_JSON}#profile/{name}/{number}", title=_describe_entry(
                name, fields), category=name, date=_entry_date(fields))
            _restore_one(item, held, _comparison_key([name, fields]), dry_run,
                         lambda: client.add_entry(profile, name, _entry_value(name, fields)).id)
            emit(item)

    blood = saved.get("blood_group")
    if blood:
        item = SpaceItem("blood_group", f"{SPACE_JSON}#profile/blood_group", title=blood)
        if current.blood_group == blood:
            item.status = "unchanged"
        elif current.blood_group:
            item.status = "kept"
            item.error = _("This space already gives blood group {held}; it was kept (the archive says "
                           "{saved}).").format(held=current.blood_group, saved=blood)
        elif dry_run:
            item.status = "valid"
        else:
            try:
                client.set_blood_group(profile, blood)
                item.status = "created"
            except MesError as exc:
                item.fail(exc)
        emit(item)

    for section in saved.get("sections") or []:
        name = section.get("section")
        if not section.get("not_concerned"):
            continue
        item = SpaceItem("not_concerned", f"{SPACE_JSON}#profile/{name}/not_concerned", title=name, category=name)
        held_section = sections.get(name)
        if held_section is not None and held_section.not_concerned:
            item.status = "unchanged"
        elif held_section is not None and held_section.entries:
            item.status = "kept"
            item.error = _("This space has entries in {section}; it is not marked 'not concerned'.").format(
                section=name)
        elif dry_run:
            item.status = "valid"
        else:
            try:
                client.mark_section(profile, name, True)
                item.status = "created"
            except MesError as exc:
                item.fail(exc)
        emit(item)
    return items


def _vaccination_key(value: dict) -> str:
    return _comparison_key([value.get(k) for k in ("vaccine", "date", "dose", "lot", "performer")])


def _restore_one(item: SpaceItem, held: Counter, key: str, dry_run: bool, create: Callable[[], str]) -> None:
    """``unchanged`` while the space holds more of these than were matched already (running the import
    twice adds nothing); else created by ``create`` (which gives the new id), or ``valid`` in a dry run;
    a refusal is the item's failure, the others go on."""
    if held[key] > 0:
        held[key] -= 1
        item.status = "unchanged"
    elif dry_run:
        item.status = "valid"
    else:
        try:
            item.id, item.status = create(), "created"
        except MesError as exc:
            item.fail(exc)


def _entry_value(section: str, fields: dict):
    """A saved profile entry as the request that adds it (fields this version does not know are left out)."""
    import msgspec

    from ...contract import models as m

    kind = m.PROFILE_SECTIONS.get(section)
    if kind is None:
        raise MesError("INVALID_ARCHIVE", _("Unknown section {section!r} in the archive's profile.").format(
            section=section), {"section": section})
    known = {f.name for f in msgspec.structs.fields(kind)}
    try:
        return msgspec.convert({k: v for k, v in fields.items() if k in known}, kind)
    except msgspec.ValidationError as exc:
        raise MesError("INVALID_ARCHIVE", _("A {section} entry of the archive's profile is not valid ({problem}).")
                       .format(section=section, problem=exc), {"section": section}) from None


def _restore_vaccinations(client, profile: str, space: dict, dry_run: bool,
                          on_item: Callable[[SpaceItem], None]) -> list[SpaceItem]:
    from ...contract import models as m

    held = Counter(_vaccination_key(to_builtins(v)) for v in client.vaccinations(profile).vaccinations)
    items = []
    for number, saved in enumerate(space.get("vaccinations") or []):
        if saved.get("recorded_by") == "professional":
            continue  # read again from its professional's document, filed with the documents
        item = SpaceItem("vaccination", f"{SPACE_JSON}#vaccinations/{number}",
                         title=saved.get("vaccine_name") or saved.get("vaccine"), date=saved.get("date"))
        _restore_one(item, held, _vaccination_key(saved), dry_run, lambda: client.add_vaccination(
            profile, m.VaccinationIn(vaccine=str(saved.get("vaccine") or ""), date=str(saved.get("date") or ""),
                                     dose=saved.get("dose") or "first", lot=saved.get("lot"),
                                     performer=saved.get("performer"))).id)
        items.append(item)
        on_item(item)
    return items


def _same_person(client, profile: str, space: dict) -> MesError | None:
    """Identity vigilance for the profile: the archive's person is this profile's (NIR and birth date)."""
    person = space.get("person") or {}
    held_nir = nir_of_bundle(client.fhir_bundle(profile))
    birth = client.medical_profile(profile).birth_date.isoformat()
    if person.get("nir") == held_nir and person.get("birth_date") == birth:
        return None
    name = " ".join(str(person.get(k) or "") for k in ("first_name", "last_name")).strip() or "?"
    return MesError("PATIENT_MISMATCH", _("This archive is {name}'s (NIR {nir}, born {birth}), not this "
                                          "profile's: their medical profile and vaccinations were not restored.")
                    .format(name=name, nir=person.get("nir") or "?", birth=person.get("birth_date") or "?"),
                    {"field": "patient", "archive_nir": person.get("nir"), "profile_nir": held_nir})


def import_space(client, profile: str, path: Path, *, dry_run: bool = False,
                 on_item: Callable[[SpaceItem], None] = lambda item: None) -> SpaceImport:
    """Restores an archive of `mes export` into ``profile``: documents, then the profile and vaccinations.

    Any IHE XDM archive is accepted (its documents are filed as `mes docs import` files them); the
    profile and vaccinations come only from an archive of `mes export` (MES/space.json). A problem
    with one item does not stop the others.
    """
    from ..health_import import import_archive

    report = SpaceImport()
    path = Path(path)
    try:
        chosen, space, report.conversations, problem = _read_export_archive(path)
    except (MesError, OSError):  # import_archive reports what is wrong with the archive, as one item
        chosen, space, problem = {}, None, None
    report.has_space = space is not None

    if space is not None and not dry_run:
        for item in _restore_folders(client, profile, space):
            report.items.append(item)
            on_item(item)

    def document_done(imported) -> None:
        item = _document_item(imported)
        if space is not None and not dry_run:
            try:
                _restore_choices(client, profile, item, chosen.get(item.path))
            except MesError as exc:
                item.fail(exc)
        report.items.append(item)
        on_item(item)

    import_archive(client, profile, path, dry_run=dry_run, on_item=document_done)
    if problem is not None:
        item = SpaceItem("profile", problem.details.get("entry") or SPACE_JSON)
        item.fail(problem)
        report.items.append(item)
        on_item(item)
    if space is None:
        return report

    mismatch = _same_person(client, profile, space)
    if mismatch is not None:
        item = SpaceItem("profile", SPACE_JSON)
        item.fail(mismatch)
        report.items.append(item)
        on_item(item)
        return report
    report.items += _restore_profile(client, profile, space, dry_run, on_item)
    report.items += _restore_vaccinations(client, profile, space, dry_run, on_item)
    return report
