"""Account lifecycle commands: activate, new-code, oppose, login, logout, whoami, recovery, account."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..domain.contacts import channel_name
from ..i18n import N_, _
from .context import AppContext
from .identity import ask_birth_date, ask_channel, ask_nir, ask_password, ask_serial, serial_hint
from .options import (BirthOpt, ChannelOpt, CodeOpt, FormatOpt, NirOpt, PasswordStdinOpt, SerialOpt,
                      YesOpt)

account_app = typer.Typer(help="Your account: close it, authenticator app (TOTP).", no_args_is_help=True)
totp_app = typer.Typer(help="An authenticator app as a login channel.", no_args_is_help=True)
account_app.add_typer(totp_app, name="totp")

TERMS_URL = "https://www.monespacesante.fr/cgu"


# A space's state as the greeting of `mes activate` says it ("your space is …"); the codes stay in JSON.
SPACE_STATES = {"pending": N_("not created yet"), "open": N_("created, not activated yet"),
                "opposed": N_("not created, as its creation was opposed"), "active": N_("already activated"),
                "closed": N_("closed until it is activated again")}


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


def _space_state(state: str) -> str:
    """The state in the current language (an unknown code as it is)."""
    words = SPACE_STATES.get(state)
    return _(words) if words else state


# --- provisional codes -----------------------------------------------------------


def new_code(
    ctx: typer.Context,
    nir: NirOpt = None,
    serial: SerialOpt = None,
    birth_date: BirthOpt = None,
    channel: ChannelOpt = "email",
    fmt: FormatOpt = None,
) -> None:
    """Get a new provisional code by e-mail or SMS (the previous one stops working)."""
    from ..contract import models as m

    app = _app(ctx)
    nir = ask_nir(app, nir)
    request = m.NewCodeRequest(nir=nir, card_serial=ask_serial(app, serial, nir),
                               birth_date=ask_birth_date(app, birth_date), channel=ask_channel(channel))
    with serial_hint(request.card_serial, given=serial is not None):
        sent = app.client.request_code(request)
    app.say(sent.message)
    app.emit(sent, fmt)


# --- activation and opposition ------------------------------------------------------


def _start_enrolment(app: AppContext, code, nir, serial, birth_date):
    from ..contract import models as m
    from ..domain.codes import normalize_provisional_code

    code = app.ask(code, flag="--code", prompt=_("Provisional code (12 characters, from your letter or e-mail)"),
                   check=normalize_provisional_code)
    nir = ask_nir(app, nir)
    request = m.EnrolmentRequest(code=code, nir=nir, card_serial=ask_serial(app, serial, nir),
                                 birth_date=ask_birth_date(app, birth_date))
    with serial_hint(request.card_serial, given=serial is not None):
        return app.client.start_enrolment(request), request


def _confirm_contacts(app: AppContext, started, email: str | None, mobile: str | None):
    """Keeps the contacts on file unless new ones are given (or typed at the prompt)."""
    from ..contract import models as m
    from ..domain.contacts import validate_email, validate_mobile

    current = started.contacts
    if not current.email and not current.mobile:
        if email is None and mobile is None:
            email, mobile = _ask_first_contact(app)
    else:
        app.say(_("Contacts on file: e-mail {email}, mobile {mobile}.").format(email=current.email or '—',
                                                                                mobile=current.mobile or '—'))
        if email is None and mobile is None and app.env.interactive:
            if not app.yes_no(_("Keep these contacts?"), default=True):
                email = app.ask(None, flag="--email", prompt=_("E-mail (empty to keep)"),
                                check=_optional(validate_email), allow_empty=True)
                mobile = app.ask(None, flag="--mobile", prompt=_("Mobile (empty to keep)"),
                                 check=_optional(validate_mobile), allow_empty=True)
    email = validate_email(email) if email else None
    mobile = validate_mobile(mobile) if mobile else None
    if email in (None, current.email) and mobile in (None, current.mobile):
        return []
    pending = app.client.change_contacts(m.ContactsChange(enrolment_id=started.enrolment_id, email=email,
                                                          mobile=mobile))
    for channel, where in pending.sent_to.items():
        app.say(_("A verification code was sent by {channel} to {where}.").format(channel=channel_name(channel),
                                                                                  where=where))
    return pending.to_verify


def _ask_first_contact(app: AppContext) -> tuple[str | None, str | None]:
    """No contact on file: one is needed for the login codes, so it is asked for now, before anything else.

    Without it the activation cannot succeed: asking for the terms, an identifier and a
    password first would only have them typed for nothing.
    """
    from ..contract.errors import MesError
    from ..domain.contacts import validate_email, validate_mobile

    if not app.env.interactive:
        raise MesError("INPUT_REQUIRED", _("No e-mail address or mobile number is on file for you, and one is needed "
                                           "to receive your login codes: give --email or --mobile (a code sent to it "
                                           "will verify it)."), {"flag": "--email"})
    app.say(_("No e-mail address or mobile number is on file for you: give at least one, to receive your login codes "
              "(a code sent to it will verify it)."))
    while True:
        email = app.ask(None, flag="--email", prompt=_("E-mail (empty if none)"), check=_optional(validate_email),
                        allow_empty=True)
        mobile = app.ask(None, flag="--mobile", prompt=_("Mobile (empty if none)"),
                         check=_optional(validate_mobile), allow_empty=True)
        if email or mobile:
            return email, mobile
        app.say("  ✗ " + _("An e-mail address or a mobile number is needed; give one of them."))


def _optional(validate):
    """A prompt check where an empty answer means 'keep what is on file'."""
    return lambda raw: validate(raw) if raw else None


def _verify_contacts(app: AppContext, enrolment_id: str, to_verify: list[str], email_code, sms_code) -> list[str]:
    """Verifies each changed contact with its code; returns those still waiting (no code, no terminal)."""
    from ..contract import models as m
    from ..domain.codes import validate_otp

    waiting = []
    for channel in to_verify:
        given = email_code if channel == "email" else sms_code
        if given is None and not app.env.interactive:
            waiting.append(channel)
            continue
        flag = "--email-code" if channel == "email" else "--sms-code"
        code = app.ask(given, flag=flag, prompt=_("Code received by {channel}").format(channel=channel_name(channel)),
                       check=validate_otp)
        app.client.verify_contact(m.ContactVerification(enrolment_id=enrolment_id, channel=channel, code=code))
        app.say(_("✓ The new {channel} contact is verified.").format(channel=channel_name(channel)))
    return waiting


def activate(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Option("--code", help="Provisional code (12 characters)")] = None,
    nir: NirOpt = None,
    serial: SerialOpt = None,
    birth_date: BirthOpt = None,
    email: Annotated[Optional[str], typer.Option("--email", help="A new contact e-mail (verified by a code)")] = None,
    mobile: Annotated[Optional[str], typer.Option("--mobile", help="A new mobile number (verified by a code)")] = None,
    email_code: Annotated[Optional[str], typer.Option("--email-code", help="Code sent to the new e-mail")] = None,
    sms_code: Annotated[Optional[str], typer.Option("--sms-code", help="Code sent to the new mobile")] = None,
    identifier: Annotated[Optional[str], typer.Option("--identifier", help="The login identifier you choose")] = None,
    password_stdin: PasswordStdinOpt = False,
    accept_terms: Annotated[bool, typer.Option("--accept-terms", help=f"Accept the terms of use ({TERMS_URL})")]
    = False,
    fmt: FormatOpt = None,
) -> None:
    """Activate your space: provisional code + NIR + Carte Vitale serial, then identifier and password.

    The Carte Vitale serial: on a card with photo, top right of the front (the
    last 11 digits); without photo, on the back, top left. None readable: 3422.

    Without a terminal, every answer comes from flags. If you change a contact,
    the first run sends a code to it and stops; run again with --email-code or
    --sms-code (and the other flags) to finish.
    """
    from ..contract import models as m
    from ..contract.errors import MesError
    from ..domain.credentials import PersonalData, validate_identifier, validate_password

    app = _app(ctx)
    state = app.pending("activation")
    resume = state.get() if code is None and (email_code or sms_code) else None
    if resume:
        enrolment_id, waiting = resume["enrolment_id"], resume["to_verify"]
        first, last, birth, nir_v, suggestions = (resume["first_name"], resume["last_name"], resume["birth_date"],
                                                  resume["nir"], resume["suggestions"])
    else:
        started, identity = _start_enrolment(app, code, nir, serial, birth_date)
        app.say(_("Hello {first_name} {last_name}: your space is {state}.").format(
            first_name=started.first_name, last_name=started.last_name, state=_space_state(started.state)))
        enrolment_id, first, last = started.enrolment_id, started.first_name, started.last_name
        nir_v, birth, suggestions = identity.nir, identity.birth_date, started.identifier_suggestions
        waiting = _confirm_contacts(app, started, email, mobile)
    waiting = _verify_contacts(app, enrolment_id, waiting, email_code, sms_code)
    if waiting:
        state.put({"enrolment_id": enrolment_id, "to_verify": waiting, "first_name": first, "last_name": last,
                   "birth_date": birth, "nir": nir_v, "suggestions": suggestions})
        flags = " ".join("--email-code CODE" if c == "email" else "--sms-code CODE" for c in waiting)
        app.say(_("Run `mes activate {flags} --identifier ID --password-stdin --accept-terms` within 30 minutes "
                  "to finish.").format(flags=flags))
        app.emit({"status": "verification_required", "to_verify": waiting}, fmt)
        return
    if not accept_terms:
        app.confirm(_("Do you accept the terms of use of Mon espace santé ({url})?").format(url=TERMS_URL), False,
                    "--accept-terms")
    # The rules are said only when they are about to be asked for: with flags, they are noise.
    if suggestions and identifier is None and app.env.interactive:
        app.say(_("Identifier: 8–100 characters among a-z 0-9 . _ - (free, for example: {suggestions}).").format(
            suggestions=', '.join(suggestions)))
    prompted = identifier is None
    identifier = app.ask(identifier, flag="--identifier", prompt=_("Identifier"),
                         check=lambda raw: validate_identifier(raw, nir=nir_v))
    import datetime as dt

    personal = PersonalData(first_name=first, last_name=last, birth_date=dt.date.fromisoformat(birth), nir=nir_v)
    if not password_stdin and app.env.interactive:
        app.say(_("Password: at least 9 characters with a lowercase and an uppercase letter, a digit and a special "
                  "character; no name, birth date or NIR in it."))
    password = ask_password(app, password_stdin, prompt=_("Password"), new=True,
                            check=lambda raw: validate_password(raw, personal))
    while True:  # an identifier taken meanwhile is asked again at the prompt; the password is kept
        try:
            account = app.client.activate(m.ActivationRequest(enrolment_id=enrolment_id, identifier=identifier,
                                                              password=password, accept_terms=True))
            break
        except MesError as exc:
            if exc.code != "LOGIN_ALREADY_EXISTS" or not (prompted and app.env.interactive):
                raise
            app.say(f"  ✗ {exc.message}")
            identifier = app.ask(None, flag="--identifier", prompt=_("Identifier"),
                                 check=lambda raw: validate_identifier(raw, nir=nir_v))
    state.clear()
    if account.restored_archive:
        app.say(_("✓ Your space is active. Log in with: mes login --identifier {identifier} (your archived data was "
                  "restored)").format(identifier=account.identifier))
    else:
        app.say(_("✓ Your space is active. Log in with: mes login --identifier {identifier}").format(
            identifier=account.identifier))
    app.emit(account, fmt)


def oppose(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Option("--code", help="Provisional code (12 characters)")] = None,
    nir: NirOpt = None,
    serial: SerialOpt = None,
    birth_date: BirthOpt = None,
    yes: YesOpt = False,
    receipt: Annotated[Optional[Path], typer.Option("--receipt", help="Save the proof of opposition to FILE: a PDF "
                                                    "(FILE.pdf) or text (FILE.txt)")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Refuse the creation of your space; you get a receipt (you may still activate later)."""
    from . import receipt as receipts

    app = _app(ctx)
    kind = receipts.check_target(receipt) if receipt is not None else None  # before anything is recorded
    started, _identity = _start_enrolment(app, code, nir, serial, birth_date)
    app.confirm(_("Oppose the creation of the space of {first_name} {last_name}?").format(
        first_name=started.first_name, last_name=started.last_name), yes)
    result = app.client.oppose(started.enrolment_id)
    app.say(_("✓ Opposition recorded, reference {reference}.").format(reference=result.reference))
    if receipt is not None:
        receipts.save(receipt, kind, result)
        app.say(_("Receipt saved to {path}.").format(path=receipt))
    app.emit(result, fmt)


# --- login, logout, whoami --------------------------------------------------------------


def login(
    ctx: typer.Context,
    identifier: Annotated[Optional[str], typer.Option("--identifier", "-i", help="Your identifier")] = None,
    password_stdin: PasswordStdinOpt = False,
    channel: Annotated[str, typer.Option("--channel", help="Where the code goes: email, sms or totp")] = "email",
    code: CodeOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Log in: identifier + password, then the one-time code (e-mail, SMS, or authenticator app).

    Scripts do it in two calls: `mes login -i ID --password-stdin` sends the code
    and keeps the pending login; `mes login --code CODE` completes it. With
    --channel totp and MES_TOTP_SECRET set, it completes in one call.
    """
    from ..contract import models as m
    from ..domain.codes import validate_otp
    from ..contract.errors import MesError

    app = _app(ctx)
    state = app.pending("login")
    if code is not None and identifier is None:
        pending = state.get()
        if not pending:
            raise MesError("LOGIN_EXPIRED", _("No login is waiting for a code; start with "
                                             "`mes login --identifier ID --password-stdin`."))
        _complete_login(app, pending["login_id"], validate_otp(code), fmt)
        state.clear()
        return
    if channel not in ("email", "sms", "totp"):
        raise MesError("INVALID_CHANNEL", _("Unknown channel {channel!r}; use email, sms or totp.").format(
            channel=channel), {"field": "channel"})
    identifier = app.ask(identifier, flag="--identifier", prompt=_("Identifier"))
    password = ask_password(app, password_stdin)
    started = app.client.start_login(m.LoginRequest(identifier=identifier, password=password, channel=channel))
    if channel == "totp":
        code = code or _totp_now(app)
        code = app.ask(code, flag="--code", prompt=_("Code shown by your authenticator app"), check=validate_otp)
        _complete_login(app, started.login_id, code, fmt)
        return
    other = "sms" if channel == "email" else "email"
    app.say(_("A 6-digit code was sent by {channel} to {sent_to}; it is valid 10 minutes.").format(
        channel=channel_name(channel), sent_to=started.sent_to))
    if not app.env.interactive:
        state.put({"login_id": started.login_id, "identifier": identifier,
                   "expires_at": started.expires_at.isoformat()})
        app.say(_("Complete with: mes login --code CODE") + "   "
                + _("No code? It can take a few minutes. Then ask again (mes login again), or use the other "
                    "channel (--channel {other}).").format(other=other))
        app.emit({"status": "code_sent", "channel": channel, "sent_to": started.sent_to,
                  "expires_at": started.expires_at}, fmt)
        return
    app.say(_("No code? It can take a few minutes. Then ask again (Ctrl-C, then mes login), or use the other "
              "channel (--channel {other}).").format(other=other))
    while True:  # on a terminal, a mistyped code is asked again while attempts remain
        code = app.ask(None, flag="--code", prompt=_("Code"), check=validate_otp)
        try:
            return _complete_login(app, started.login_id, code, fmt)
        except MesError as exc:
            # A wrong code, or a wait before the next try, while tries are left: ask again.
            if exc.code not in ("INVALID_CODE", "TOO_MANY_ATTEMPTS") or not exc.details.get("attempts_left"):
                raise
            app.say(f"  ✗ {exc.message}")


def _totp_now(app: AppContext) -> str | None:
    secret = app.env.get("MES_TOTP_SECRET")
    if not secret:
        return None
    import pyotp

    return pyotp.TOTP(secret).now()


def _complete_login(app: AppContext, login_id: str, code: str, fmt: str | None) -> None:
    session = app.client.complete_login(login_id, code)
    app.session_file().put({"token": session.token, "identifier": session.identifier,
                            "expires_at": session.expires_at.isoformat()})
    app.say(_("✓ Logged in as {identifier} on {server} until {expires_at:%d/%m/%Y %H:%M} UTC (2 hours idle at "
              "most).").format(identifier=session.identifier, server=app.config.display_target,
                               expires_at=session.expires_at))
    app.emit({"status": "logged_in", "identifier": session.identifier, "expires_at": session.expires_at}, fmt)


def logout(ctx: typer.Context) -> None:
    """Log out: the session is revoked on the server and forgotten here."""
    from ..contract.errors import MesError

    app = _app(ctx)
    stored = app.session_file().get()
    if not stored and not app.env.get("MES_TOKEN"):
        app.say(_("You were not logged in on this server."))
        return
    try:
        app.client.logout()
        app.say(_("✓ Logged out; the session is revoked on the server."))
    except MesError as exc:
        if exc.code not in ("SESSION_EXPIRED", "AUTH_REQUIRED"):
            raise
        app.say(_("The session had already expired; forgotten here too."))
    finally:
        app.session_file().clear()


def whoami(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Who is logged in, on which server, until when."""
    app = _app(ctx)
    me = app.client.whoami()
    account = me.account
    app.emit({"identifier": account.identifier, "first_name": account.first_name, "last_name": account.last_name,
              "birth_date": account.birth_date, "state": account.state, "email": account.email,
              "mobile": account.mobile, "totp_enabled": account.totp_enabled, "server": app.config.display_target,
              "session_expires_at": me.session_expires_at, "idle_expires_at": me.idle_expires_at}, fmt)


# --- recovery --------------------------------------------------------------------------


def recover_id(ctx: typer.Context, nir: NirOpt = None, birth_date: BirthOpt = None,
               channel: ChannelOpt = "email", fmt: FormatOpt = None) -> None:
    """Forgot your identifier? It is sent to your e-mail or mobile."""
    from ..contract import models as m

    app = _app(ctx)
    answer = app.client.recover_identifier(m.RecoverIdentifierRequest(
        nir=ask_nir(app, nir), birth_date=ask_birth_date(app, birth_date), channel=ask_channel(channel)))
    app.say(answer.message)
    app.emit(answer, fmt)


def _token_from(link_or_token: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    if "token=" in link_or_token:
        return parse_qs(urlsplit(link_or_token.strip()).query).get("token", [""])[0]
    return link_or_token.strip()


def reset_password(
    ctx: typer.Context,
    nir: NirOpt = None,
    serial: SerialOpt = None,
    birth_date: BirthOpt = None,
    channel: ChannelOpt = "email",
    token: Annotated[Optional[str], typer.Option("--token", help="The link received by e-mail (or its token)")]
    = None,
    code: Annotated[Optional[str], typer.Option("--code", help="The code received by SMS")] = None,
    password_stdin: PasswordStdinOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Forgot your password? A link (e-mail) or a code (SMS), then a new password; all sessions end.

    Without a terminal: a first call sends the link or code; a second call with
    --token LINK or --code CODE and --password-stdin sets the new password.
    """
    from ..contract import models as m
    from ..contract.errors import MesError
    from ..domain.codes import validate_otp
    from ..domain.credentials import validate_password

    app = _app(ctx)
    state = app.pending("reset")
    if token is None and code is None:
        nir = ask_nir(app, nir)
        channel = ask_channel(channel)
        started = app.client.request_reset(m.PasswordResetRequest(
            nir=nir, card_serial=ask_serial(app, serial, nir), birth_date=ask_birth_date(app, birth_date),
            channel=channel))
        app.say(started.message)
        state.put({"reset_id": started.reset_id, "channel": channel})
        if not app.env.interactive:
            app.say(_("Then: mes reset-password --token LINK --password-stdin") if channel == "email"
                    else _("Then: mes reset-password --code CODE --password-stdin"))
            app.emit(started, fmt)
            return
        if channel == "email":
            token = app.ask(None, flag="--token", prompt=_("Paste the link from the e-mail"))
        else:
            code = app.ask(None, flag="--code", prompt=_("Code received by SMS"), check=validate_otp)
    request = m.PasswordResetCompletion(new_password="")
    if token is not None:
        request.token = _token_from(token)
    else:
        pending = state.get()
        if not pending:
            raise MesError("RESET_EXPIRED", _("No SMS reset is waiting here; start with `mes reset-password "
                                             "--channel sms`."))
        request.reset_id, request.code = pending["reset_id"], validate_otp(code)
    if not password_stdin and app.env.interactive:
        app.say(_("New password: at least 9 characters with a lowercase and an uppercase letter, a digit and a "
                  "special character."))
    request.new_password = ask_password(app, password_stdin, prompt=_("New password"), new=True,
                                        check=lambda raw: validate_password(raw))
    answer = app.client.complete_reset(request)
    state.clear()
    app.session_file().clear()
    app.say("✓ " + answer.message)
    app.emit(answer, fmt)


# --- account ---------------------------------------------------------------------------


@account_app.command("close")
def close(
    ctx: typer.Context,
    delete_data: Annotated[bool, typer.Option("--delete-data", help="Have the data deleted (within 3 months) "
                                              "instead of archived 10 years")] = False,
    password_stdin: PasswordStdinOpt = False,
    yes: YesOpt = False,
    fmt: FormatOpt = None,
) -> None:
    """Close your space (password required); reopen it later with a new activation."""
    app = _app(ctx)
    app.confirm(_("Close your space and have its data deleted within 3 months?") if delete_data
                else _("Close your space (data archived for 10 years)?"), yes)
    password = ask_password(app, password_stdin)
    closed = app.client.close_account(password, delete_data)
    app.session_file().clear()
    app.say(_("✓ Your space is closed. To reopen it: `mes new-code`, then `mes activate`."))
    app.emit(closed, fmt)


@totp_app.command("enable")
def totp_enable(ctx: typer.Context, code: CodeOpt = None, fmt: FormatOpt = None) -> None:
    """Enrol an authenticator app: shows the secret and otpauth:// URI, then confirms with a first code."""
    from ..domain.codes import validate_otp

    app = _app(ctx)
    enrolment = app.client.totp_enable()
    app.emit(enrolment, fmt)
    if code is None and not app.env.interactive:
        app.say(_("Add the secret to your app, then run: mes account totp confirm --code CODE"))
        return
    code = app.ask(code, flag="--code", prompt=_("Code shown by the app"), check=validate_otp)
    app.client.totp_confirm(code)
    app.say(_("✓ Authenticator enrolled: log in with --channel totp."))


@totp_app.command("confirm")
def totp_confirm(ctx: typer.Context, code: CodeOpt = None, fmt: FormatOpt = None) -> None:
    """Confirm the authenticator app with the code it shows."""
    from ..domain.codes import validate_otp

    app = _app(ctx)
    code = app.ask(code, flag="--code", prompt=_("Code shown by the app"), check=validate_otp)
    app.emit(app.client.totp_confirm(code), fmt)
    app.say(_("✓ Authenticator enrolled: log in with --channel totp."))


@totp_app.command("disable")
def totp_disable(ctx: typer.Context, password_stdin: PasswordStdinOpt = False, fmt: FormatOpt = None) -> None:
    """Remove the authenticator app (password required)."""
    app = _app(ctx)
    app.emit(app.client.totp_disable(ask_password(app, password_stdin)), fmt)
    app.say(_("✓ Authenticator removed."))


def register(root: typer.Typer) -> None:
    root.command("activate")(activate)
    root.command("new-code")(new_code)
    root.command("oppose")(oppose)
    root.command("login")(login)
    root.command("logout")(logout)
    root.command("whoami")(whoami)
    root.command("recover-id")(recover_id)
    root.command("reset-password")(reset_password)
    root.add_typer(account_app, name="account")
