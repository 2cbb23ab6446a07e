"""Login in two steps, sessions, and logout (DOMAIN.md §3).

Failed attempts (wrong password or wrong code) count per account; past
``login_free_failures`` each new try must wait a delay that doubles, capped at
``login_max_delay``; at ``login_lock_after`` consecutive failures the account is
locked until the password is reset. The counter resets only on a full login.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ...domain.codes import generate_otp, validate_otp
from ...domain.contacts import mask_email, mask_mobile
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..notify import Notification
from ..security import new_token, token_hash
from . import challenges, events, messages, totp
from .accounts import account_view
from .common import Throttle, person_by_id, seconds_until

SEEN_GRANULARITY = dt.timedelta(seconds=60)
FOREVER = dt.timedelta(days=365 * 100)  # consecutive failures are forgotten only by a success or a reset

LOGIN_PURPOSE = "login"


def failures(ctx: ServerContext, identifier: str) -> Throttle:
    """Consecutive failed logins for an identifier *as typed*, whether or not it exists.

    Unknown identifiers are slowed down and locked exactly like real ones, so
    that the throttle never tells which identifiers exist.
    """
    return Throttle(ctx, f"login:{identifier}", FOREVER)


def _failure_delay(ctx: ServerContext, count: int) -> dt.timedelta:
    extra = count - ctx.policy.login_free_failures
    if extra < 0:
        return dt.timedelta(0)
    return min(dt.timedelta(seconds=2 ** min(extra, 20)), ctx.policy.login_max_delay)


def _check_throttle(ctx: ServerContext, identifier: str, now: dt.datetime,
                    attempts_left: int | None = None) -> Throttle:
    """Refuses while the account must wait; ``attempts_left``: the code step of a login, said in its words."""
    throttle = failures(ctx, identifier)
    count = throttle.count(now)
    if count >= ctx.policy.login_lock_after:
        raise MesError("ACCOUNT_LOCKED", _("This account is locked after too many failed logins; "
                                           "reset your password with `mes reset-password` to unlock it."))
    wait = _wait(ctx, throttle, now)
    if wait and attempts_left is not None:
        raise MesError("TOO_MANY_ATTEMPTS", _("Too many failed logins on this account: wait {wait} s, then type the "
                                              "code again ({attempts} attempt(s) left).").format(
                                                  wait=wait, attempts=attempts_left),
                       {"retry_after_seconds": wait, "attempts_left": attempts_left})
    if wait:
        raise MesError("TOO_MANY_ATTEMPTS", _("Too many failed logins on this account; wait {wait} s before trying "
                                              "again.").format(wait=wait), {"retry_after_seconds": wait})
    return throttle


def _wait(ctx: ServerContext, throttle: Throttle, now: dt.datetime) -> int:
    """Seconds before the account may try again (0: now)."""
    delay = _failure_delay(ctx, throttle.count(now))
    last = throttle.last_at(now)
    if delay and last and now < last + delay:
        return seconds_until(last + delay, now)
    return 0


def start(ctx: ServerContext, request: m.LoginRequest) -> m.LoginStarted:
    now = ctx.clock.now()
    identifier = request.identifier.strip()
    throttle = _check_throttle(ctx, identifier, now)
    space = ctx.store.one("SELECT * FROM spaces WHERE identifier = ?", (identifier,)) if identifier else None
    if not ctx.secrets.password_matches(request.password, space["password_hash"] if space else None):
        throttle.hit(now)
        raise MesError("INVALID_CREDENTIALS", _("Wrong identifier or password. Forgot one? `mes recover-id` or "
                                                "`mes reset-password`."))
    if space["state"] != "active":
        raise MesError("ACCOUNT_NOT_ACTIVE", _("This space is not active; activate it with a provisional code "
                                               "(`mes activate`)."))
    person = person_by_id(ctx, space["person_id"])
    login_id = new_token()
    expires_at = now + ctx.policy.otp_validity
    channel = request.channel
    if channel == "totp":
        if not space["totp_secret"]:
            raise MesError("TOTP_NOT_ENROLLED", _("No authenticator app is enrolled for this account; log in with "
                                                  "--channel email or sms, then run `mes account totp enable`."))
        challenges.create(ctx, challenge_id=login_id, purpose=LOGIN_PURPOSE, person_id=person["id"], channel=channel,
                          destination=None, code=None, lifetime=ctx.policy.otp_validity, now=now)
        return m.LoginStarted(login_id=login_id, channel=channel, sent_to=None, expires_at=expires_at,
                              attempts_left=ctx.policy.otp_max_tries)
    destination = person["email"] if channel == "email" else person["mobile"]
    if not destination:
        other = "sms" if channel == "email" else "email"
        message = (_("No e-mail address is on file for this account; use --channel {other}.") if channel == "email"
                   else _("No mobile number is on file for this account; use --channel {other}."))
        raise MesError("CHANNEL_UNAVAILABLE", message.format(other=other), {"available": [other]})
    code = generate_otp()
    with ctx.store.transaction():
        challenges.create(ctx, challenge_id=login_id, purpose=LOGIN_PURPOSE, person_id=person["id"], channel=channel,
                          destination=destination, code=code, lifetime=ctx.policy.otp_validity, now=now)
        subject, body = messages.one_time_code("connexion", code, int(ctx.policy.otp_validity.total_seconds() // 60))
        ctx.outbox.send(Notification(channel, destination, subject, body, "login_code", code=code,
                                     person_id=person["id"]))
    sent_to = mask_email(destination) if channel == "email" else mask_mobile(destination)
    return m.LoginStarted(login_id=login_id, channel=channel, sent_to=sent_to, expires_at=expires_at,
                          attempts_left=ctx.policy.otp_max_tries)


def _totp_verifier(ctx: ServerContext, space: sqlite3.Row, now: dt.datetime, seen: dict):
    """A code check that also remembers the step used, so that a code cannot be replayed.

    A code of a step already used (the one that confirmed the app, or the last login's)
    is refused like a wrong one, but ``seen["reused"]`` lets the answer say why.
    """

    def verify(code: str) -> bool:
        step = totp.matching_step(space["totp_secret"], code, now, after_step=space["totp_last_step"])
        if step is None:
            seen["reused"] = totp.matching_step(space["totp_secret"], code, now) is not None
            return False
        ctx.store.run("UPDATE spaces SET totp_last_step = ? WHERE person_id = ?", (step, space["person_id"]))
        return True

    return verify


def _wrong_code(ctx: ServerContext, channel: str, outcome, reused: bool, wait: int) -> MesError:
    """One family of answers for the code step: what was wrong, the tries left, and any wait before the next.

    The wait of the account's failure delay is said with the wrong code itself, so the next
    answer does not come as a different refusal ("too many failed logins") out of the blue.
    """
    if outcome.attempts_left <= 0:  # the wait is for a new login, not a retry of this one: said, not in details
        message = _("Too many wrong codes: this code no longer works. Start again with `mes login`.")
        if wait:
            message = _("Too many wrong codes: this code no longer works. Start again with `mes login` in {wait} s "
                        "(after repeated failures, each new try waits longer).").format(wait=wait)
        return MesError("TOO_MANY_ATTEMPTS", message, {"attempts_left": 0})
    details = {"attempts_left": outcome.attempts_left, **({"retry_after_seconds": wait} if wait else {})}
    if channel != "totp":
        message = _("This code is not the one we sent; {attempts} attempt(s) left.")
    elif reused:
        message = _("This authenticator code was already used: each code works once (the one that confirmed the "
                    "app too). Type the app's next code (it changes every 30 s); {attempts} attempt(s) left.")
    else:
        message = _("This code is not the one your authenticator app shows now (check the app's clock); "
                    "{attempts} attempt(s) left.")
    message = message.format(attempts=outcome.attempts_left)
    if wait:
        message += " " + _("Wait {wait} s before the next try.").format(wait=wait)
    return MesError("INVALID_CODE", message, details)


def complete(ctx: ServerContext, request: m.LoginCode) -> m.SessionView:
    now = ctx.clock.now()
    code = validate_otp(request.code)
    row = challenges.find(ctx, request.login_id, LOGIN_PURPOSE)
    if not challenges.live(row, ctx, now):
        raise MesError("LOGIN_EXPIRED", _("This login attempt is over (expired, used, or too many wrong codes). "
                                          "Start again with `mes login`."))
    space = ctx.store.one("SELECT * FROM spaces WHERE person_id = ?", (row["person_id"],))
    throttle = _check_throttle(ctx, space["identifier"], now, attempts_left=ctx.policy.otp_max_tries - row["tries"])
    seen: dict = {}
    verifier = _totp_verifier(ctx, space, now, seen) if row["channel"] == "totp" else None
    if verifier is not None and space["totp_secret"] is None:
        raise MesError("TOTP_NOT_ENROLLED", _("The authenticator app was removed from this account. "
                                              "Start again with `mes login`."))
    outcome = challenges.check_code(ctx, row, code, now, verifier=verifier)
    if not outcome.ok:
        throttle.hit(now)
        raise _wrong_code(ctx, row["channel"], outcome, seen.get("reused", False), _wait(ctx, throttle, now))
    if space["state"] != "active":
        raise MesError("ACCOUNT_NOT_ACTIVE", _("This space is no longer active."))
    token = new_token()
    expires_at = now + ctx.policy.session_absolute
    with ctx.store.transaction() as conn:
        conn.execute("INSERT INTO sessions(token_hash, person_id, created_at, last_seen_at, expires_at)"
                     " VALUES (?, ?, ?, ?, ?)", (token_hash(token), row["person_id"], to_iso(now), to_iso(now),
                                                  to_iso(expires_at)))
        throttle.clear()
        events.emit(conn, ctx, "login.succeeded", row["person_id"], person_id=row["person_id"])
    return m.SessionView(token=token, expires_at=expires_at,
                         idle_timeout_seconds=int(ctx.policy.session_idle.total_seconds()),
                         identifier=space["identifier"])


def authenticate(ctx: ServerContext, token: str | None) -> sqlite3.Row:
    """The live session row for a bearer token; refreshes its idle deadline."""
    if not token:
        raise MesError("AUTH_REQUIRED", _("You are not logged in; run `mes login` first."))
    now = ctx.clock.now()
    row = ctx.store.one("SELECT * FROM sessions WHERE token_hash = ?", (token_hash(token),))
    if (row is None or row["revoked_at"] or now >= from_iso(row["expires_at"])
            or now >= from_iso(row["last_seen_at"]) + ctx.policy.session_idle):
        if row is None:  # never issued here: mistyped, copied from another server, or a stale MES_TOKEN
            raise MesError("SESSION_EXPIRED", _("This session token is not valid on this server (it was never "
                                                "issued here: check MES_TOKEN if you set it); log in with "
                                                "`mes login`."))
        raise MesError("SESSION_EXPIRED", _("Your session has expired or was closed; log in again with "
                                            "`mes login`."))
    if now - from_iso(row["last_seen_at"]) >= SEEN_GRANULARITY:  # one write a minute, not one per request
        ctx.store.run("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", (to_iso(now), row["token_hash"]))
    return row


def logout(ctx: ServerContext, session: sqlite3.Row) -> None:
    ctx.store.run("UPDATE sessions SET revoked_at = ? WHERE token_hash = ?",
                  (to_iso(ctx.clock.now()), session["token_hash"]))


def whoami(ctx: ServerContext, session: sqlite3.Row) -> m.WhoAmI:
    now = ctx.clock.now()
    idle_deadline = now + ctx.policy.session_idle
    absolute = from_iso(session["expires_at"])
    return m.WhoAmI(account=account_view(ctx, session["person_id"]),
                    session_created_at=from_iso(session["created_at"]),
                    session_expires_at=absolute, idle_expires_at=min(idle_deadline, absolute))
