"""Forgotten identifier and forgotten password (DOMAIN.md §3).

Both answer the same whether or not the person exists: the uniform message says
what happens *if* the details match. A reset by e-mail sends a single-use link
(token ≥ 128 bits, 30 minutes); by SMS a 6-digit code bound to a reset id that
the answer always carries (a random, useless one when nothing matched).
"""

from __future__ import annotations

import datetime as dt

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.card import validate_card_serial
from ...domain.codes import generate_otp, validate_otp
from ...domain.contacts import validate_channel
from ...domain.credentials import PersonalData, validate_password
from ...domain.dates import parse_birth_date
from ...domain.nir import validate_nir
from ...i18n import _
from ..context import ServerContext
from ..notify import Notification
from ..security import new_token
from . import auth, challenges, messages
from .accounts import notify_person, revoke_sessions
from .common import enforce_min_delay, person_by_id, person_by_nir

RESET_LINK, RESET_CODE = "reset_link", "reset_code"


def _uniform_identifier(channel: str) -> str:
    """The same answer whether or not the details match (no enumeration)."""
    if channel == "email":
        return _("If these details match an active space, your identifier was sent to the e-mail address on file. "
                 "Nothing after 5 minutes? Try the other channel, or call 3422.")
    return _("If these details match an active space, your identifier was sent to the mobile number on file. "
             "Nothing after 5 minutes? Try the other channel, or call 3422.")


def _uniform_reset(channel: str) -> str:
    """The same answer whether or not the details match (no enumeration)."""
    if channel == "email":
        return _("If these details match an active space, a single-use reset link was sent to the e-mail address "
                 "on file. Nothing after 5 minutes? Try the other channel, or call 3422.")
    return _("If these details match an active space, a 6-digit reset code was sent to the mobile number on file. "
             "Nothing after 5 minutes? Try the other channel, or call 3422.")


def recover_identifier(ctx: ServerContext, request: m.RecoverIdentifierRequest) -> m.Accepted:
    now = ctx.clock.now()
    nir = validate_nir(request.nir)
    birth = parse_birth_date(request.birth_date, today=now.date())
    channel = validate_channel(request.channel)
    enforce_min_delay(ctx, f"recover-id:{nir}", now)
    person = person_by_nir(ctx, nir)
    if person and person["birth_date"] == birth.isoformat() and person["state"] == "active":
        destination = person["email"] if channel == "email" else person["mobile"]
        if destination:
            subject, body = messages.identifier_reminder(person["first_name"], person["identifier"])
            ctx.outbox.send(Notification(channel, destination, subject, body, "identifier_reminder",
                                         person_id=person["id"]))
    return m.Accepted(status="accepted", message=_uniform_identifier(channel))


def request_reset(ctx: ServerContext, request: m.PasswordResetRequest) -> m.PasswordResetStarted:
    now = ctx.clock.now()
    nir = validate_nir(request.nir)
    serial = validate_card_serial(request.card_serial)
    birth = parse_birth_date(request.birth_date, today=now.date())
    channel = validate_channel(request.channel)
    enforce_min_delay(ctx, f"reset:{nir}", now)
    reset_id = new_token()
    person = person_by_nir(ctx, nir)
    matches = (person is not None and person["card_serial"] == serial and person["birth_date"] == birth.isoformat()
               and person["state"] == "active")
    destination = (person["email"] if channel == "email" else person["mobile"]) if matches else None
    if destination:
        with ctx.store.transaction():
            if channel == "email":
                token = new_token()
                link = f"{ctx.settings.public_url.rstrip('/')}/reset-password?token={token}"
                challenges.create(ctx, challenge_id=token, purpose=RESET_LINK, person_id=person["id"],
                                  channel=channel, destination=destination, code=None,
                                  lifetime=ctx.policy.reset_link_validity, now=now)
                subject, body = messages.reset_link(person["first_name"], link,
                                                    int(ctx.policy.reset_link_validity.total_seconds() // 60))
                ctx.outbox.send(Notification(channel, destination, subject, body, "password_reset", link=link,
                                             code=token, person_id=person["id"]))
            else:
                code = generate_otp()
                challenges.create(ctx, challenge_id=reset_id, purpose=RESET_CODE, person_id=person["id"],
                                  channel=channel, destination=destination, code=code,
                                  lifetime=ctx.policy.otp_validity, now=now)
                subject, body = messages.one_time_code("réinitialisation", code,
                                                       int(ctx.policy.otp_validity.total_seconds() // 60))
                ctx.outbox.send(Notification(channel, destination, subject, body, "password_reset", code=code,
                                             person_id=person["id"]))
    return m.PasswordResetStarted(reset_id=reset_id, status="accepted", message=_uniform_reset(channel))


def complete_reset(ctx: ServerContext, request: m.PasswordResetCompletion) -> m.Accepted:
    now = ctx.clock.now()
    expired = MesError("RESET_EXPIRED", _("This reset link or code is unknown, expired or already used; "
                                          "ask for a new one with `mes reset-password`."))
    if request.token:
        row = challenges.find(ctx, request.token, RESET_LINK)
        if not challenges.live(row, ctx, now):
            raise expired
        verifier = lambda _code: True  # noqa: E731 - holding the 256-bit token is the proof
        code = ""
    elif request.reset_id and request.code:
        code = validate_otp(request.code)
        row = challenges.find(ctx, request.reset_id, RESET_CODE)
        if not challenges.live(row, ctx, now):
            raise expired
        verifier = None
    else:
        raise MesError("VALIDATION_ERROR", _("Give either the token from the reset link, or the reset id and the "
                                             "code received by SMS."), {"field": "token"})
    person = person_by_id(ctx, row["person_id"])
    personal = PersonalData(first_name=person["first_name"], last_name=person["last_name"],
                            birth_date=dt.date.fromisoformat(person["birth_date"]), nir=person["nir"])
    password = validate_password(request.new_password, personal)
    password_hash = ctx.secrets.hash_password(password)  # before the code is spent: a crash here costs nothing
    with ctx.store.transaction():  # the code is used if and only if the password changes
        outcome = challenges.check_code(ctx, row, code, now, verifier=verifier)
        if outcome.ok:
            _set_password(ctx, person, password_hash, now)
    if not outcome.ok:  # raised after the commit, so that the wrong try stays counted
        raise challenges.wrong_code_error(outcome, _("Too many wrong codes: this code no longer works. "
                                                     "Ask for a new code with `mes reset-password`."))
    return m.Accepted(status="accepted", message=_("Your password was changed and every session was closed; "
                                                   "log in again with `mes login`."))


def _set_password(ctx: ServerContext, person, password_hash: str, now: dt.datetime) -> None:
    """The new password, every session closed, the account unlocked, the person told."""
    ctx.store.run("UPDATE spaces SET password_hash = ? WHERE person_id = ?", (password_hash, person["id"]))
    auth.failures(ctx, person["identifier"]).clear()  # a reset unlocks the account
    revoke_sessions(ctx, person["id"], now)
    notify_person(ctx, person["id"], *messages.notice(
        person["first_name"], "Mot de passe modifié",
        f"Votre mot de passe a été modifié le {now:%d/%m/%Y à %H:%M} (UTC). Toutes vos sessions ont été "
        "fermées. Si ce n'est pas vous, réinitialisez-le immédiatement."), kind="password_changed")
