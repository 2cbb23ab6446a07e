"""Provisional codes: issuing them, sending a new one on demand, checking one.

A person has at most one live code: issuing a new one revokes the others.
Codes are stored as keyed hashes and consumed when an activation or an
opposition completes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Callable

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.card import validate_card_serial
from ...domain.codes import generate_provisional_code, normalize_provisional_code
from ...domain.contacts import channel_name, mask_email, mask_mobile, validate_channel
from ...domain.dates import parse_birth_date
from ...domain.nir import validate_nir
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..notify import Notification
from . import messages
from .common import Throttle, enforce_min_delay, person_by_nir, seconds_until

def no_match(with_code: bool = False) -> MesError:
    """The one answer to every identification that fails, whichever part was wrong (no enumeration)."""
    if with_code:
        message = _("No space matches this provisional code, NIR, Carte Vitale serial and date of birth together. "
                    "Check each of them (the serial is printed on the card: top right of the front of a card with "
                    "photo, top left of the back otherwise); if they are right, call 3422.")
    else:
        message = _("No space matches this NIR, Carte Vitale serial and date of birth together. Check each of them "
                    "(the serial is printed on the card: top right of the front of a card with photo, top left of "
                    "the back otherwise); if they are right, call 3422.")
    return MesError("NO_USER_FOUND", message)


def issue_provisional_code(ctx: ServerContext, person_id: str, channel: str, expires_at: dt.datetime,
                           now: dt.datetime) -> str:
    code = generate_provisional_code()
    with ctx.store.transaction() as conn:
        conn.execute(
            "UPDATE provisional_codes SET revoked_at = ? WHERE person_id = ? AND used_at IS NULL AND revoked_at IS NULL",
            (to_iso(now), person_id),
        )
        conn.execute(
            "INSERT INTO provisional_codes(person_id, code_hash, channel, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (person_id, ctx.secrets.code_hash(code), channel, to_iso(now), to_iso(expires_at)),
        )
    return code


def identification_throttle(ctx: ServerContext, nir: str) -> Throttle:
    return Throttle(ctx, f"identify:{nir}", ctx.policy.enrolment_failure_window)


def check_identification_allowed(ctx: ServerContext, nir: str, now: dt.datetime) -> Throttle:
    """Refuses once a NIR has had too many failed identifications in the window."""
    throttle = identification_throttle(ctx, nir)
    if throttle.count(now) >= ctx.policy.enrolment_max_failures:
        wait = seconds_until(throttle.retry_at(now), now)
        raise MesError(
            "TOO_MANY_ATTEMPTS",
            _("Too many failed identifications for this NIR; wait {minutes} minutes and try again.").format(
                minutes=wait // 60 + 1),
            {"retry_after_seconds": wait},
        )
    return throttle


def identify(ctx: ServerContext, proof: m.IdentityProof, now: dt.datetime, with_code: bool = False,
             explain: Callable[[sqlite3.Row | None, str, str], None] | None = None) -> sqlite3.Row:
    """The person whose NIR, serial and date of birth all match, or NO_USER_FOUND.

    The answer is the same whichever part is wrong, and every failure counts
    against the NIR typed, registered or not. ``explain(person, serial, birth)``
    may raise a more helpful error instead, for a mismatch it has proved harmless
    to name (see ``child_code_hint``).
    """
    nir = validate_nir(proof.nir)
    serial = validate_card_serial(proof.card_serial)
    birth = parse_birth_date(proof.birth_date, today=now.date())
    throttle = check_identification_allowed(ctx, nir, now)
    person = person_by_nir(ctx, nir)
    if person is None or person["card_serial"] != serial or person["birth_date"] != birth.isoformat():
        if explain is not None:
            explain(person, serial, birth.isoformat())
        throttle.hit(now)
        raise no_match(with_code)
    return person


def child_code_hint(ctx: ServerContext, code: str, now: dt.datetime, *, child: sqlite3.Row | None = None,
                    serial: str | None = None, birth: str | None = None, parent: sqlite3.Row | None = None) -> None:
    """Raises "this is a child's code" when the whole proof shows it; returns otherwise.

    Said only when the proof holds together as a whole, so that it tells nothing to
    someone who does not already hold both the child's letter and the identity typed:
    - the child's own proof (``child``, ``serial``, ``birth``): the code is one of the
      child's, the date of birth is the child's, and the serial is the child's card, or,
      for a child on no card of its own, the card of one of its legal representatives
      (the card a child is on);
    - a legal representative fully identified (``parent``: NIR, serial and date of birth
      all theirs) with the code of a child they declared.
    Anything else keeps the one answer of every mismatch (NO_USER_FOUND).
    """
    digest = ctx.secrets.code_hash(code)
    if parent is not None:
        found = ctx.store.one(
            "SELECT p.* FROM provisional_codes pc JOIN representatives r ON r.child_id = pc.person_id"
            " JOIN persons p ON p.id = pc.person_id WHERE r.parent_id = ? AND pc.code_hash = ? LIMIT 1",
            (parent["id"], digest))
        if found is not None and declared_minor(ctx, found, now):
            raise childs_code(found["first_name"])
        return
    if child is None or child["birth_date"] != birth:
        return
    if ctx.store.one("SELECT 1 FROM provisional_codes WHERE person_id = ? AND code_hash = ?",
                     (child["id"], digest)) is None:
        return
    cards = {row["card_serial"] for row in ctx.store.all(
        "SELECT p.card_serial FROM representatives r JOIN persons p ON p.id = r.parent_id WHERE r.child_id = ?",
        (child["id"],))}
    if not cards or not declared_minor(ctx, child, now):
        return  # not a declared child, or one of age: they activate their own space
    if serial == child["card_serial"] or (child["card_serial"] is None and serial in cards):
        raise childs_code(child["first_name"])


def declared_minor(ctx: ServerContext, person: sqlite3.Row, now: dt.datetime) -> bool:
    """A child declared by a legal representative, not yet of age: its profile is attached, not activated."""
    from .profiles import majority_date

    if ctx.store.one("SELECT 1 FROM representatives WHERE child_id = ?", (person["id"],)) is None:
        return False
    return now.date() < majority_date(ctx, person["birth_date"])


def childs_code(first_name: str) -> MesError:
    """The answer to a child's code used to activate: what to do instead (NO_USER_FOUND: no space of its own)."""
    return MesError("NO_USER_FOUND", _(
        "This is the provisional code of {first_name}, a child: a child's profile is not activated on its own. The "
        "legal representative who declared the child attaches it to their space with `mes children link` and this "
        "code (activate your own space first, with the code of your own letter, if it is not active).").format(
            first_name=first_name), {"reason": "child_code"})


def matching_code(ctx: ServerContext, person_id: str, raw_code: str, now: dt.datetime) -> sqlite3.Row | None:
    """The person's code row that this code matches, whatever its state."""
    code = normalize_provisional_code(raw_code)
    digest = ctx.secrets.code_hash(code)
    return ctx.store.one(
        "SELECT * FROM provisional_codes WHERE person_id = ? AND code_hash = ? ORDER BY id DESC LIMIT 1",
        (person_id, digest),
    )


def ensure_code_usable(row: sqlite3.Row, now: dt.datetime) -> None:
    if row["used_at"]:
        raise MesError("CODE_ALREADY_USED",
                       _("This provisional code has already been used; ask for a new one with `mes new-code`."))
    if row["revoked_at"]:
        raise MesError("CODE_EXPIRED",
                       _("This provisional code was replaced by a newer one; use the latest code you received."))
    if now >= from_iso(row["expires_at"]):
        raise MesError("CODE_EXPIRED",
                       _("This provisional code has expired; ask for a new one with `mes new-code`."))


def request_new_code(ctx: ServerContext, request: m.NewCodeRequest) -> m.CodeSent:
    now = ctx.clock.now()
    channel = validate_channel(request.channel)
    person = identify(ctx, request, now)
    if person["deceased"]:
        raise MesError("DECEASED_INDIVIDUAL", _("This person is registered as deceased; no space can be activated."))
    if person["state"] == "active":
        raise MesError("ALREADY_ACTIVE",
                       _("This space is already active: log in with `mes login` (forgot it? `mes recover-id`)."))
    destination = person["email"] if channel == "email" else person["mobile"]
    if destination is None:
        available = [c for c, v in (("email", person["email"]), ("sms", person["mobile"])) if v]
        if not available:
            raise MesError(
                "CONTACTS_NOT_FOUND",
                _("No e-mail or mobile number is on file for you, so no code can be sent. "
                  "Call 3422 to add one, or use FranceConnect+."),
            )
        message = (_("No e-mail address is on file for you; ask with --channel {other} instead.") if channel == "email"
                   else _("No mobile number is on file for you; ask with --channel {other} instead."))
        raise MesError("CHANNEL_UNAVAILABLE", message.format(other=available[0]), {"available": available})
    expires_at = now + ctx.policy.on_demand_code_validity
    with ctx.store.transaction():  # a failed delivery undoes all: no code, and no wait before retrying
        enforce_min_delay(ctx, f"new-code:{person['nir']}", now)
        code = issue_provisional_code(ctx, person["id"], channel, expires_at, now)
        subject, body = messages.provisional_code(person["first_name"], code, expires_at)
        ctx.outbox.send(Notification(channel, destination, subject, body, "provisional_code", code=code,
                                     person_id=person["id"]))
    sent_to = mask_email(destination) if channel == "email" else mask_mobile(destination)
    delay = int(ctx.policy.new_code_min_delay.total_seconds())
    return m.CodeSent(
        status="sent", channel=channel, sent_to=sent_to, expires_at=expires_at, retry_after_seconds=delay,
        message=_("A new provisional code was sent by {channel} to {sent_to}; the previous one no longer works. "
                  "Nothing after 5 minutes? Ask again (at most once every {delay} s) or try the other channel.").format(
                      channel=channel_name(channel), sent_to=sent_to, delay=delay),
    )
