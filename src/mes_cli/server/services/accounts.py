"""The account of an active space: its view, notices, closure and TOTP enrolment."""

from __future__ import annotations

import datetime as dt


from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ...domain.codes import validate_otp
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..notify import Notification
from . import events, messages, totp
from .common import effective_state, person_by_id, space_of

TOTP_ISSUER = "Mon espace santé"


def identifier_taken(ctx: ServerContext, identifier: str) -> bool:
    return ctx.store.one("SELECT 1 FROM spaces WHERE identifier = ?", (identifier,)) is not None


def account_view(ctx: ServerContext, person_id: str) -> m.AccountView:
    person = person_by_id(ctx, person_id)
    space = space_of(ctx, person_id)
    return m.AccountView(
        person_id=person_id, identifier=space["identifier"], first_name=person["first_name"],
        last_name=person["last_name"], birth_date=dt.date.fromisoformat(person["birth_date"]),
        state=effective_state(space, ctx.clock.now()), email=person["email"], mobile=person["mobile"],
        totp_enabled=bool(space["totp_secret"]), activated_at=from_iso(space["activated_at"]),
    )


def notify_person(ctx: ServerContext, person_id: str, subject: str, body: str, kind: str) -> None:
    """An informational notice to whichever contact the person has (e-mail first, then SMS, else post)."""
    person = person_by_id(ctx, person_id)
    if person["email"]:
        channel, recipient = "email", person["email"]
    elif person["mobile"]:
        channel, recipient = "sms", person["mobile"]
    else:
        channel, recipient = "letter", f"{person['first_name']} {person['last_name']} (courrier postal)"
    ctx.outbox.send(Notification(channel, recipient, subject, body, kind, person_id=person_id))


def require_password(ctx: ServerContext, person_id: str, password: str) -> None:
    if not ctx.secrets.password_matches(password, space_of(ctx, person_id)["password_hash"]):
        raise MesError("WRONG_PASSWORD", _("The password is not right; nothing was changed."), {"field": "password"})


def revoke_sessions(ctx: ServerContext, person_id: str, now: dt.datetime) -> None:
    ctx.store.run("UPDATE sessions SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL",
                  (to_iso(now), person_id))


def close(ctx: ServerContext, person_id: str, request: m.CloseRequest) -> m.ClosedView:
    """Closure (CSP R1111-36): data archived 10 years, or deleted within 3 months on request."""
    require_password(ctx, person_id, request.password)
    now = ctx.clock.now()
    policy = ctx.policy
    from dateutil.relativedelta import relativedelta  # closing only: not every request's import

    archive_until = (now + relativedelta(years=policy.archive_retention_years)).date()
    deletion = (now + relativedelta(months=policy.deletion_delay_months)).date() if request.delete_data else None
    delete_after = deletion or archive_until
    person = person_by_id(ctx, person_id)
    with ctx.store.transaction() as conn:
        ctx.store.run(
            "UPDATE spaces SET state = 'closed', closed_at = ?, delete_after = ?, identifier = NULL,"
            " password_hash = NULL, totp_secret = NULL, totp_pending_secret = NULL WHERE person_id = ?",
            (to_iso(now), delete_after.isoformat(), person_id),
        )
        revoke_sessions(ctx, person_id, now)
        text = (f"Votre espace est fermé. Vos données sont archivées jusqu'au {archive_until:%d/%m/%Y}"
                + (f" ; elles seront supprimées au plus tard le {deletion:%d/%m/%Y}." if deletion else ".")
                + " Pour le rouvrir, demandez un nouveau code provisoire puis activez-le.")
        notify_person(ctx, person_id, *messages.notice(person["first_name"], "Fermeture de votre espace", text),
                      kind="account_closed")
        events.emit(conn, ctx, "account.closed", person_id, person_id=person_id)
    return m.ClosedView(state="closed", closed_at=now, archived_until=archive_until, deletion_scheduled_for=deletion)


def totp_begin(ctx: ServerContext, person_id: str) -> m.TotpEnrolment:
    import pyotp

    space = space_of(ctx, person_id)
    if space["totp_secret"]:
        raise MesError("TOTP_ALREADY_ENROLLED", _("An authenticator app is already enrolled; disable it first "
                                                  "(`mes account totp disable`)."))
    secret = pyotp.random_base32()
    ctx.store.run("UPDATE spaces SET totp_pending_secret = ? WHERE person_id = ?", (secret, person_id))
    uri = pyotp.TOTP(secret).provisioning_uri(name=space["identifier"], issuer_name=TOTP_ISSUER)
    return m.TotpEnrolment(secret=secret, otpauth_uri=uri)


def totp_confirm(ctx: ServerContext, person_id: str, request: m.TotpConfirm) -> m.TotpStatus:
    code = validate_otp(request.code)
    space = space_of(ctx, person_id)
    secret = space["totp_pending_secret"]
    if not secret:
        raise MesError("TOTP_NOT_ENROLLED", _("No authenticator enrolment is waiting; run `mes account totp enable`."))
    step = totp.matching_step(secret, code, ctx.clock.now())
    if step is None:
        raise MesError("INVALID_CODE", _("This code is not the one your authenticator app shows now; "
                                         "check the app's clock and try the current code."))
    ctx.store.run("UPDATE spaces SET totp_secret = ?, totp_pending_secret = NULL, totp_last_step = ?"
                  " WHERE person_id = ?", (secret, step, person_id))
    return m.TotpStatus(totp_enabled=True)


def totp_disable(ctx: ServerContext, person_id: str, request: m.PasswordCheck) -> m.TotpStatus:
    require_password(ctx, person_id, request.password)
    ctx.store.run("UPDATE spaces SET totp_secret = NULL, totp_pending_secret = NULL WHERE person_id = ?",
                  (person_id,))
    return m.TotpStatus(totp_enabled=False)
