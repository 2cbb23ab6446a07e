"""Activation and opposition: the steps a person takes with their provisional code.

An enrolment starts when code + NIR + serial + date of birth match; the client
then holds an enrolment id (valid 30 minutes [ours]) for the next steps: confirm
or change contacts (a changed contact is verified by a code sent to it), then
either activate (terms + identifier + password) or oppose. The provisional code
is consumed only when one of these completes, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.codes import generate_otp, normalize_provisional_code, validate_otp
from ...domain.contacts import (channel_name, mask_email, mask_mobile, validate_channel, validate_email,
                                validate_mobile)
from ...domain.credentials import PersonalData, suggest_identifiers, validate_identifier, validate_password
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..notify import Notification
from ..security import new_token, token_hash
from . import challenges, events, messages
from .codes import (child_code_hint, childs_code, declared_minor, ensure_code_usable, identification_throttle,
                    identify, matching_code, no_match)
from .common import effective_state, person_by_id
from .accounts import account_view, identifier_taken, notify_person

CONTACT_PURPOSE = "contact"


def start(ctx: ServerContext, request: m.EnrolmentRequest) -> m.EnrolmentStarted:
    now = ctx.clock.now()
    code = normalize_provisional_code(request.code)  # a malformed code is refused before any lookup
    person = identify(ctx, request, now, with_code=True,
                      explain=lambda child, serial, birth: child_code_hint(ctx, code, now, child=child, serial=serial,
                                                                           birth=birth))
    code_row = matching_code(ctx, person["id"], request.code, now)
    if code_row is None:
        child_code_hint(ctx, code, now, parent=person)
        identification_throttle(ctx, person["nir"]).hit(now)
        raise no_match(with_code=True)
    if declared_minor(ctx, person, now):  # a child on a card of its own, with its own code: the whole proof holds
        raise childs_code(person["first_name"])
    ensure_code_usable(code_row, now)
    if person["deceased"]:
        raise MesError("DECEASED_INDIVIDUAL", _("This person is registered as deceased; no space can be activated."))
    state = effective_state(person, now)
    if state == "active" and person["identifier"] is not None:  # an attached child's profile has none
        raise MesError("ALREADY_ACTIVE",
                       _("This space is already active: log in with `mes login` (forgot it? `mes recover-id`)."))
    enrolment_id = new_token()
    expires_at = now + ctx.policy.enrolment_validity
    ctx.store.run(
        "INSERT INTO enrolments(id_hash, person_id, code_id, created_at, expires_at, email, mobile)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token_hash(enrolment_id), person["id"], code_row["id"], to_iso(now), to_iso(expires_at),
         person["email"], person["mobile"]),
    )
    suggestions = suggest_identifiers(person["first_name"], person["last_name"],
                                      lambda ident: identifier_taken(ctx, ident))
    return m.EnrolmentStarted(
        enrolment_id=enrolment_id, expires_at=expires_at, first_name=person["first_name"],
        last_name=person["last_name"], state=state,
        contacts=m.Contacts(email=person["email"], mobile=person["mobile"]),
        identifier_suggestions=suggestions,
    )


def _live_enrolment(ctx: ServerContext, enrolment_id: str, now: dt.datetime) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM enrolments WHERE id_hash = ?", (token_hash(enrolment_id),))
    if row is None or row["completed_at"] or now >= from_iso(row["expires_at"]):
        raise MesError("ENROLMENT_EXPIRED",
                       _("This activation session is over or unknown; start again with your provisional code."))
    return row


def change_contacts(ctx: ServerContext, request: m.ContactsChange) -> m.ContactsPending:
    now = ctx.clock.now()
    row = _live_enrolment(ctx, request.enrolment_id, now)
    wanted = {
        "email": validate_email(request.email) if request.email else row["email"],
        "mobile": validate_mobile(request.mobile) if request.mobile else row["mobile"],
    }
    person = person_by_id(ctx, row["person_id"])
    sent_to: dict[str, str] = {}
    with ctx.store.transaction() as conn:
        for field, channel, mask in (("email", "email", mask_email), ("mobile", "sms", mask_mobile)):
            value = wanted[field]
            if value == row[field]:
                continue
            verified = int(value == person[field])  # going back to the registry value needs no code
            conn.execute(f"UPDATE enrolments SET {field} = ?, {field}_verified = ? WHERE id_hash = ?",
                         (value, verified, row["id_hash"]))
            conn.execute("DELETE FROM challenges WHERE parent = ? AND purpose = ? AND channel = ?",
                         (row["id_hash"], CONTACT_PURPOSE, channel))
            if verified:
                continue
            code = generate_otp()
            challenges.create(ctx, challenge_id=f"{row['id_hash']}:{channel}", purpose=CONTACT_PURPOSE,
                              person_id=row["person_id"], channel=channel, destination=value, code=code,
                              lifetime=ctx.policy.otp_validity, now=now, parent=row["id_hash"])
            subject, body = messages.one_time_code("vérification", code, _minutes(ctx.policy.otp_validity))
            ctx.outbox.send(Notification(channel, value, subject, body, "contact_verification", code=code,
                                         person_id=row["person_id"]))
            sent_to[channel] = mask(value)
    return _pending(ctx, row["id_hash"], sent_to)


def _pending(ctx: ServerContext, id_hash: str, sent_to: dict[str, str]) -> m.ContactsPending:
    row = ctx.store.one("SELECT * FROM enrolments WHERE id_hash = ?", (id_hash,))
    to_verify = [c for c, f in (("email", "email"), ("sms", "mobile")) if not row[f"{f}_verified"]]
    return m.ContactsPending(contacts=m.Contacts(email=row["email"], mobile=row["mobile"]),
                             to_verify=to_verify, sent_to=sent_to)


def verify_contact(ctx: ServerContext, request: m.ContactVerification) -> m.ContactsPending:
    now = ctx.clock.now()
    row = _live_enrolment(ctx, request.enrolment_id, now)
    channel = validate_channel(request.channel)
    code = validate_otp(request.code)
    challenge = challenges.find(ctx, f"{row['id_hash']}:{channel}", CONTACT_PURPOSE)
    if not challenges.live(challenge, ctx, now):
        raise MesError("CODE_EXPIRED", _("No {channel} verification is waiting, or its code expired; "
                                         "change the contact again to receive a new code.").format(
                                             channel=channel_name(channel)))
    outcome = challenges.check_code(ctx, challenge, code, now)
    if not outcome.ok:
        raise challenges.wrong_code_error(outcome, _("Too many wrong codes: this code no longer works. "
                                                     "Change the contact again to receive a new code."))
    field = "email" if channel == "email" else "mobile"
    ctx.store.run(f"UPDATE enrolments SET {field}_verified = 1 WHERE id_hash = ?", (row["id_hash"],))
    return _pending(ctx, row["id_hash"], {})


def _complete(ctx: ServerContext, conn: sqlite3.Connection, row: sqlite3.Row, now: dt.datetime) -> None:
    """Consumes the provisional code and closes the enrolment, or fails if a concurrent step did."""
    code_row = conn.execute("SELECT * FROM provisional_codes WHERE id = ?", (row["code_id"],)).fetchone()
    ensure_code_usable(code_row, now)
    stamp = to_iso(now)
    conn.execute("UPDATE provisional_codes SET used_at = ? WHERE id = ?", (stamp, code_row["id"]))
    conn.execute("UPDATE provisional_codes SET revoked_at = ? WHERE person_id = ? AND used_at IS NULL"
                 " AND revoked_at IS NULL", (stamp, row["person_id"]))
    conn.execute("UPDATE enrolments SET completed_at = ? WHERE id_hash = ?", (stamp, row["id_hash"]))


def activate(ctx: ServerContext, request: m.ActivationRequest) -> m.AccountView:
    now = ctx.clock.now()
    row = _live_enrolment(ctx, request.enrolment_id, now)
    person = person_by_id(ctx, row["person_id"])
    if not request.accept_terms:
        raise MesError("TERMS_NOT_ACCEPTED", _("The terms of use must be accepted to activate the space "
                                               "(--accept-terms)."), {"field": "accept_terms"})
    unverified = [c for c, f in (("email", "email"), ("sms", "mobile")) if not row[f"{f}_verified"]]
    if unverified:
        message = (_("The new e-mail address and mobile number must be verified with the codes sent to them first.")
                   if len(unverified) > 1 else
                   _("The new {channel} contact must be verified with the code sent to it first.").format(
                       channel=channel_name(unverified[0])))
        raise MesError("CONTACT_NOT_VERIFIED", message, {"to_verify": unverified})
    if not row["email"] and not row["mobile"]:
        raise MesError("CONTACTS_NOT_FOUND", _("An e-mail address or a mobile number is needed to receive login "
                                               "codes; add one (--email or --mobile)."))
    identifier = validate_identifier(request.identifier, nir=person["nir"])
    personal = PersonalData(first_name=person["first_name"], last_name=person["last_name"],
                            birth_date=dt.date.fromisoformat(person["birth_date"]), nir=person["nir"])
    password = validate_password(request.password, personal)
    if identifier_taken(ctx, identifier):
        suggestions = suggest_identifiers(person["first_name"], person["last_name"],
                                          lambda ident: identifier_taken(ctx, ident))
        raise MesError("LOGIN_ALREADY_EXISTS", _("The identifier {identifier!r} is taken; choose another, "
                                                 "for example {suggestions}.").format(
                                                     identifier=identifier, suggestions=", ".join(suggestions)),
                       {"field": "identifier", "suggestions": suggestions})
    password_hash = ctx.secrets.hash_password(password)
    stamp = to_iso(now)
    space = ctx.store.one("SELECT * FROM spaces WHERE person_id = ?", (row["person_id"],))
    restored = space["state"] == "closed"
    with ctx.store.transaction() as conn:
        _complete(ctx, conn, row, now)
        try:
            conn.execute(
                "UPDATE spaces SET state = 'active', identifier = ?, password_hash = ?, activated_at = ?,"
                " closed_at = NULL, delete_after = NULL"
                " WHERE person_id = ?",
                (identifier, password_hash, stamp, row["person_id"]),
            )
        except sqlite3.IntegrityError:
            raise MesError("LOGIN_ALREADY_EXISTS", _("The identifier {identifier!r} was just taken; choose "
                                                     "another.").format(identifier=identifier),
                           {"field": "identifier"}) from None
        conn.execute("UPDATE persons SET email = ?, mobile = ? WHERE id = ?",
                     (row["email"], row["mobile"], row["person_id"]))
        text = ("Votre espace Mon espace santé est activé. Votre identifiant : " + identifier
                + (". Vos données archivées ont été restaurées." if restored else "."))
        notify_person(ctx, row["person_id"], *messages.notice(person["first_name"], "Votre espace est activé", text),
                kind="account_activated")
        events.emit(conn, ctx, "account.activated", row["person_id"], person_id=row["person_id"])
    view = account_view(ctx, row["person_id"])
    view.restored_archive = restored
    return view


def oppose(ctx: ServerContext, request: m.OppositionRequest) -> m.OppositionReceipt:
    now = ctx.clock.now()
    row = _live_enrolment(ctx, request.enrolment_id, now)
    person = person_by_id(ctx, row["person_id"])
    state = effective_state(person, now)
    if state in ("active", "closed"):
        raise MesError("ALREADY_ACTIVE", _("This space has already been activated: to leave it, close it with "
                                           "`mes account close` (add --delete-data to have the data deleted)."))
    reference = f"OPP-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"
    with ctx.store.transaction() as conn:
        _complete(ctx, conn, row, now)
        conn.execute("UPDATE spaces SET state = 'opposed', opposed_at = ?, opposition_ref = ? WHERE person_id = ?",
                     (to_iso(now), reference, row["person_id"]))
        statement = (f"Opposition à la création de Mon espace santé enregistrée le {now:%d/%m/%Y à %H:%M} (UTC), "
                     f"référence {reference}. Vous pourrez changer d'avis en demandant un nouveau code provisoire.")
        notify_person(ctx, row["person_id"], *messages.notice(person["first_name"], "Justificatif d'opposition", statement),
                kind="opposition_receipt")
        events.emit(conn, ctx, "account.opposed", row["person_id"], person_id=row["person_id"])
    return m.OppositionReceipt(reference=reference, person=f"{person['first_name']} {person['last_name']}",
                               opposed_at=now, statement=statement)


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)
