"""The Assurance Maladie's registry: seeding insured persons and sending their letters."""

from __future__ import annotations

import datetime as dt
import sqlite3

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.card import validate_card_serial
from ...domain.contacts import validate_email, validate_mobile
from ...domain.dates import parse_birth_date
from ...domain.nir import validate_nir
from ...i18n import _
from ..clock import to_iso
from ..context import ServerContext
from ..notify import Notification
from . import messages, messaging
from .codes import issue_provisional_code
from .common import new_id


def _child_label(i: int, j: int) -> str:
    """Where a child sits in the seed request ("#2, child #1"), in the language of the messages."""
    return _("#{person}, child #{child}").format(person=i, child=j)


def _validated(person: m.PersonIn | m.ChildIn, today: dt.date, index: str, label: str) -> dict:
    """``index`` locates the person in the details (always in English), ``label`` in the message."""
    try:
        nir = validate_nir(person.nir)
        serial = person.card_serial
        if serial is not None:
            serial = validate_card_serial(serial, nir=nir, card_type=person.card_type)
        birth = parse_birth_date(person.birth_date, today=today)
        email = mobile = None
        if isinstance(person, m.PersonIn):
            email = validate_email(person.email) if person.email else None
            mobile = validate_mobile(person.mobile) if person.mobile else None
    except MesError as exc:
        exc.details["person"] = index
        exc.message = _("Person {label}: {message}").format(label=label, message=exc.message)
        raise
    if not person.first_name.strip() or not person.last_name.strip():
        raise MesError("VALIDATION_ERROR", _("Person {label}: first_name and last_name must not be empty.").format(
            label=label), {"person": index})
    return {
        "nir": nir, "card_serial": serial, "card_type": person.card_type, "birth_date": birth,
        "first_name": person.first_name.strip(), "last_name": person.last_name.strip(),
        "email": email, "mobile": mobile,
        "deceased": bool(getattr(person, "deceased", False)),
    }


def _insert_person(conn: sqlite3.Connection, ctx: ServerContext, data: dict, now: dt.datetime) -> str:
    person_id = new_id("p")
    try:
        conn.execute(
            "INSERT INTO persons(id, nir, birth_date, first_name, last_name, card_serial, card_type,"
            " email, mobile, deceased, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (person_id, data["nir"], data["birth_date"].isoformat(), data["first_name"], data["last_name"],
             data["card_serial"], data["card_type"], data["email"], data["mobile"], int(data["deceased"]),
             to_iso(now)),
        )
    except sqlite3.IntegrityError:
        raise MesError(
            "NIR_ALREADY_REGISTERED",
            _("A person with NIR ending in {suffix} is already in the registry (each NIR is registered once): "
              "nothing was added, the seed is all or nothing. Remove that person from the file to add the "
              "others.").format(suffix=data["nir"][-4:]),
            {"nir_suffix": data["nir"][-4:]},
        ) from None
    conn.execute(
        "INSERT INTO spaces(person_id, state, letter_sent_at, opens_at) VALUES (?, 'pending', ?, ?)",
        (person_id, to_iso(now), to_iso(now + ctx.policy.opening_delay)),
    )
    return person_id


def _send_letter(ctx: ServerContext, person_id: str, data: dict, now: dt.datetime,
                 addressee: dict | None = None, quiet: bool = False) -> tuple[str | None, str | None]:
    """The information letter with a provisional code: by e-mail when one is on file, else by post;
    the channel it went by and, when ``quiet`` (no letter sent), the code.

    For a child, the letter goes to the legal representative (``addressee``).
    Deceased persons get no letter.
    """
    if data["deceased"]:
        return None, None
    to = addressee or data
    expires_at = now + ctx.policy.letter_code_validity
    code = issue_provisional_code(ctx, person_id, "letter", expires_at, now)
    if quiet:
        return None, code
    if addressee:
        subject, body = messages.child_letter(to["first_name"], data["first_name"], code, expires_at)
    else:
        subject, body = messages.information_letter(
            data["first_name"], code, now + ctx.policy.opening_delay, expires_at)
    channel = "email" if to["email"] else "letter"
    recipient = to["email"] or f"{to['first_name']} {to['last_name']} (courrier postal)"
    ctx.outbox.send(Notification(channel, recipient, subject, body, "information_letter", code=code,
                                 person_id=person_id))
    return channel, None


def seed(ctx: ServerContext, request: m.SeedRequest) -> m.SeedResponse:
    """Adds persons (and their children) and professionals to the registry, all or nothing."""
    if request.quiet_outbox and not ctx.settings.dev:
        raise MesError("DEV_MODE_REQUIRED", _("Seeding without letters (quiet_outbox) is for development servers "
                                              "only: their provisional codes come back in the answer."))
    quiet = request.quiet_outbox
    now = ctx.clock.now()
    today = now.date()
    validated = []
    for i, person in enumerate(request.persons):
        children = [_validated(child, today, f"#{i + 1}, child #{j + 1}", _child_label(i + 1, j + 1))
                    for j, child in enumerate(person.children)]
        validated.append((_validated(person, today, f"#{i + 1}", f"#{i + 1}"), children))
    out: list[m.SeededPerson] = []
    with ctx.store.transaction() as conn:
        professionals = messaging.add_professionals(conn, request.professionals)
        for data, children in validated:
            person_id = _insert_person(conn, ctx, data, now)
            channel, code = _send_letter(ctx, person_id, data, now, quiet=quiet)
            out.append(_seeded(person_id, data, channel, code))
            for child in children:
                child_id = _insert_person(conn, ctx, child, now)
                conn.execute("INSERT INTO representatives(child_id, parent_id) VALUES (?, ?)", (child_id, person_id))
                child_channel, child_code = _send_letter(ctx, child_id, child, now, addressee=data, quiet=quiet)
                out.append(_seeded(child_id, child, child_channel, child_code, represented_by=person_id))
    return m.SeedResponse(persons=out, professionals=professionals)


def _seeded(person_id: str, data: dict, channel: str | None, code: str | None,
            represented_by: str | None = None) -> m.SeededPerson:
    return m.SeededPerson(
        id=person_id, nir=data["nir"], first_name=data["first_name"], last_name=data["last_name"],
        birth_date=data["birth_date"], state="pending", letter_channel=channel, represented_by=represented_by,
        provisional_code=code,
    )


def existing_person(ctx: ServerContext, person_id: str) -> str:
    if ctx.store.one("SELECT 1 FROM persons WHERE id = ?", (person_id,)) is None:
        raise MesError("PROFILE_NOT_FOUND", _("No person {id!r} in the registry.").format(id=person_id))
    return person_id
