"""Contact details that codes are sent to: channel, e-mail address, mobile number.

Checks are pragmatic on purpose: the only real proof that an address or a number works
is the one-time code sent to it (DOMAIN.md §2, activation).  Numbers are stored in
E.164 form so the same phone typed two ways is recognised as one.  The masking helpers
let an answer say where a code went without disclosing the full contact.
"""

from __future__ import annotations

import re

from mes_cli.contract.errors import invalid

from ..i18n import N_, _

CHANNELS = ("email", "sms")
# How a sentence names a channel ("sent by e-mail"): the codes are for flags and scripts.
CHANNEL_NAMES = {"email": N_("e-mail"), "sms": N_("SMS"), "totp": N_("authenticator app")}

EMAIL_MAX, EMAIL_LOCAL_MAX = 254, 64

# Overseas mobile prefixes (first 3 digits of the 9-digit national number) and their
# country codes: Réunion and Mayotte (+262), Guadeloupe and the French Antilles (+590),
# French Guiana (+594), Martinique (+596).  Typed nationally they start with 06 too.
_OVERSEAS = {
    "692": "262", "693": "262", "639": "262",
    "690": "590", "691": "590",
    "694": "594",
    "696": "596", "697": "596",
}
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.\-/()]+")
_NATIONAL = re.compile(r"0([67][0-9]{8})")
_INTERNATIONAL = re.compile(r"(?:\+|00)(33|262|590|594|596)(?:0)?([67][0-9]{8})")


def channel_name(channel: str) -> str:
    """The channel as a sentence in the current language names it; an unknown code as it is."""
    name = CHANNEL_NAMES.get(channel)
    return _(name) if name else channel


def validate_channel(raw: str, allowed: tuple[str, ...] = CHANNELS) -> str:
    """Return the channel in lower case, or raise ``INVALID_CHANNEL`` listing the choices."""
    channel = raw.strip().lower()
    if channel not in allowed:
        raise invalid(
            "INVALID_CHANNEL",
            _("The channel must be one of {channels}; choose where the code "
              "should be sent.").format(channels=", ".join(allowed)),
            "channel",
        )
    return channel


def validate_email(raw: str) -> str:
    """Return the address with its domain in lower case, or raise ``INVALID_EMAIL``.

    The local part keeps its case: strictly, only the domain is case-insensitive.
    """
    email = raw.strip()
    problem = _email_problem(email)
    if problem:
        raise invalid("INVALID_EMAIL", problem, "email")
    local, domain = email.split("@")
    return f"{local}@{domain.lower()}"


def _email_problem(email: str) -> str:
    """Return the message saying what is wrong with ``email``, or ``""``."""
    if not email:
        return _("The e-mail address is empty; type it as name@example.fr.")
    if any(c.isspace() for c in email):
        return _("The e-mail address must not contain spaces; type it as name@example.fr.")
    if len(email) > EMAIL_MAX:
        return _("The e-mail address must have at most {max} characters; type it as name@example.fr.").format(
            max=EMAIL_MAX)
    if email.count("@") != 1:
        return _("The e-mail address must contain exactly one @; type it as name@example.fr.")
    local, domain = email.split("@")
    if not local:
        return _("The e-mail address has nothing before the @; type it as name@example.fr.")
    if len(local) > EMAIL_LOCAL_MAX:
        return _("The e-mail address must have at most {max} characters before the @; "
                 "type it as name@example.fr.").format(max=EMAIL_LOCAL_MAX)
    labels = domain.split(".")
    if len(labels) < 2 or not all(labels):
        return _("The e-mail address must end with a domain name such as example.fr after the @; "
                 "type it as name@example.fr.")
    return ""


def validate_mobile(raw: str) -> str:
    """Return a French mobile number in E.164 form (``+33612345678``), or raise
    ``INVALID_MOBILE``.

    Accepts the national form (``06 12 34 56 78``) and the international ones
    (``+33 6...``, ``0033 6...``, ``+33 (0)6...``), with spaces, dots or hyphens.
    Overseas mobiles (Réunion, Mayotte, Antilles, Guiana) get their own country code.
    """
    number = _parse_mobile(raw)
    if number is None:
        raise invalid(
            "INVALID_MOBILE",
            _("The mobile number must be a French mobile starting with 06 or 07 (10 digits) "
              "or +33 6 / +33 7; type it as 06 12 34 56 78 or +33 6 12 34 56 78."),
            "mobile",
        )
    return number


def _parse_mobile(raw: str) -> str | None:
    """E.164 form of ``raw`` if it is a French mobile number, else ``None``."""
    compact = _SEPARATORS.sub("", raw)
    national = _NATIONAL.fullmatch(compact)
    if national:
        digits = national.group(1)
    else:
        international = _INTERNATIONAL.fullmatch(compact)
        if not international:
            return None
        country, digits = international.groups()
        if country != "33" and _OVERSEAS.get(digits[:3]) != country:
            return None  # e.g. +594 with a Réunion prefix: no such number
    return f"+{_OVERSEAS.get(digits[:3], '33')}{digits}"


def mask_email(email: str) -> str:
    """``jeanne.dupont@example.fr`` -> ``j***t@example.fr``: enough to recognise it."""
    local, _at, domain = email.strip().rpartition("@")
    if not local:
        return "***"
    shown = local[0] + "***" + (local[-1] if len(local) > 2 else "")
    return f"{shown}@{domain}"


def mask_mobile(mobile: str) -> str:
    """``+33612345678`` -> ``+33 6 ** ** ** 78``: only the last two digits are shown."""
    number = _parse_mobile(mobile)
    if number is None:
        digits = re.sub(r"\D", "", mobile)
        return "*" * max(len(digits) - 2, 0) + digits[-2:]
    national = number[-9:]
    return f"{number[:-9]} {national[0]} ** ** ** {national[-2:]}"

