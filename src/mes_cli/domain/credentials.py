"""Identifier and password policy (DOMAIN.md §3).

The identifier rules are the official app's.  The password rules are the official
composition rules plus what NIST SP 800-63B adds: refuse personal data and common
passwords, accept long passphrases and never truncate them.  A password error lists
every failing rule at once, so a person fixes everything in one go; it never repeats
the password itself.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from mes_cli.contract.errors import invalid
from mes_cli.domain._text import fold, remove_spaces
from mes_cli.domain.nir import normalize_nir

from ..i18n import N_, _

IDENTIFIER_MIN, IDENTIFIER_MAX = 8, 100
PASSWORD_MIN, PASSWORD_MAX = 9, 128
NAME_MIN = 3  # shorter name parts ("Li", "Ng") would refuse too many passwords
NIR_FRAGMENT = 6

_IDENTIFIER_CHARS = re.compile(r"[a-z0-9._-]+")
# A French IBAN typed as an identifier, anywhere in it: FR76 then 10 to 28 digits.
_IBAN_LIKE = re.compile(r"fr76[0-9]{10,28}")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LEADING_NON_LETTERS = re.compile(r"^[\W\d_]+")
_TRAILING_NON_LETTERS = re.compile(r"[\W\d_]+$")
# Letters that Unicode decomposition does not turn into ASCII.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d"})


def validate_identifier(raw: str, nir: str | None = None) -> str:
    """Return the identifier, or raise ``INVALID_IDENTIFIER`` naming the one fix needed.

    Surrounding whitespace is dropped, nothing else is changed: an upper-case letter is
    reported rather than silently lowered, so the person knows what they will type.
    """
    identifier = raw.strip()
    problem = _identifier_problem(identifier, nir)
    if problem:
        raise invalid("INVALID_IDENTIFIER", problem, "identifier")
    return identifier


def _identifier_problem(identifier: str, nir: str | None) -> str:
    """Return the message saying what is wrong with ``identifier`` (with the fix), or ``""``."""
    if not IDENTIFIER_MIN <= len(identifier) <= IDENTIFIER_MAX:
        return _(
            "The identifier must have {min} to {max} characters but has {length}; choose one of that length "
            "using lowercase letters, digits, dot (.), underscore (_) and hyphen (-)."
        ).format(min=IDENTIFIER_MIN, max=IDENTIFIER_MAX, length=len(identifier))
    folded = remove_spaces(identifier).lower()
    if nir is not None and folded == normalize_nir(nir).lower():
        return _("The identifier must not be your NIR; choose a name you will remember instead.")
    if _IBAN_LIKE.search(folded):
        return _("The identifier looks like a bank account number (IBAN); choose a name you will remember instead.")
    if "@" in identifier:
        return _("The identifier cannot be an e-mail address; use only lowercase letters, digits, dot (.), "
                 "underscore (_) and hyphen (-).")
    if _IDENTIFIER_CHARS.fullmatch(identifier):
        return ""
    if _IDENTIFIER_CHARS.fullmatch(identifier.lower()):
        return _("The identifier contains upper-case letters; type it in lowercase.")
    return _("The identifier may contain only lowercase letters, digits, dot (.), underscore (_) and hyphen (-) "
             "(no spaces or accents).")


def suggest_identifiers(
    first_name: str,
    last_name: str,
    is_taken: Callable[[str], bool],
    count: int = 3,
) -> list[str]:
    """Return up to ``count`` valid identifiers built from the name that are still free.

    Offered when the chosen identifier already exists (``LOGIN_ALREADY_EXISTS``), e.g.
    ``jeanne.dupont``, ``jeanne.dupont2``, ``j.dupont``.  The search is bounded, so a
    registry where everything is taken yields fewer suggestions rather than a hang.
    """
    suggestions: list[str] = []
    seen: set[str] = set()
    for candidate in _candidates(_slug(first_name), _slug(last_name)):
        if len(suggestions) >= count:
            break
        if candidate in seen:
            continue
        seen.add(candidate)
        if _identifier_problem(candidate, None) or is_taken(candidate):
            continue
        suggestions.append(candidate)
    return suggestions


def _slug(name: str) -> str:
    """Lowercase ASCII form of a name: accents dropped, other separators become '-'."""
    return _NON_ALNUM.sub("-", fold(name).translate(_LIGATURES)).strip("-")


def _candidates(first: str, last: str, tries: int = 200) -> Iterator[str]:
    """Yield identifier candidates, best first: ``first.last``, ``first.last2``, then
    ``f.last``, ``first-last``, ``first_last``, then all of them numbered 3, 4...
    """
    parts = [p for p in (first, last) if p] or ["utilisateur"]
    bases = [".".join(parts)]
    if len(parts) == 2:
        bases += [f"{first[0]}.{last}", f"{first}-{last}", f"{first}_{last}"]
    yield _numbered(bases[0], 1)
    yield _numbered(bases[0], 2)
    yield from (_numbered(base, 1) for base in bases[1:])
    for number in range(2, tries):
        yield from (_numbered(base, number) for base in bases)


def _numbered(base: str, number: int) -> str:
    """``base`` with ``number`` appended (not for 1), zero-padded up to the minimum
    length and truncated to the maximum one."""
    suffix = "" if number == 1 else str(number)
    if len(base) + len(suffix) < IDENTIFIER_MIN:
        suffix = str(number).zfill(IDENTIFIER_MIN - len(base))
    return base[: IDENTIFIER_MAX - len(suffix)] + suffix


@dataclass(frozen=True)
class PersonalData:
    """What a password must not contain: the holder's name, birth date and NIR."""

    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    nir: str = ""


# What each failed rule says of the password ({min}, {max}: the limits); translated where shown.
_REASON_WORDS = {
    "too_short": N_("has fewer than {min} characters"),
    "too_long": N_("has more than {max} characters"),
    "no_lowercase": N_("has no lowercase letter"),
    "no_uppercase": N_("has no uppercase letter"),
    "no_digit": N_("has no digit"),
    "no_special": N_("has no special character (such as ! ? # - _ or a space)"),
    "personal_data": N_("contains your name, your date of birth or part of your NIR"),
    "common": N_("is a common password that is easy to guess"),
}


def validate_password(password: str, personal: PersonalData | None = None) -> str:
    """Return ``password`` unchanged, or raise ``WEAK_PASSWORD`` listing every reason.

    ``details["reasons"]`` holds machine codes (``too_short``, ``no_digit``...) so a
    client can show its own checklist; the message says the same in words.
    """
    reasons = password_problems(password, personal)
    if reasons:
        raise invalid("WEAK_PASSWORD", weak_password_message(reasons), "password", reasons=reasons)
    return password


def weak_password_message(reasons: list[str]) -> str:
    """The message for ``reasons``: built from them alone, so it cannot leak the password."""
    words = [_(_REASON_WORDS[r]).format(min=PASSWORD_MIN, max=PASSWORD_MAX) for r in reasons]
    return _(
        "The password {reasons}; choose "
        "{min} to {max} characters mixing lowercase and uppercase "
        "letters, digits and special characters, with no personal data and no common word."
    ).format(reasons=_join_words(words), min=PASSWORD_MIN, max=PASSWORD_MAX)


def password_problems(password: str, personal: PersonalData | None = None) -> list[str]:
    """Return the reason codes ``password`` fails, in a stable order (empty if strong)."""
    checks = {
        "too_short": len(password) < PASSWORD_MIN,
        "too_long": len(password) > PASSWORD_MAX,
        "no_lowercase": not any(c.islower() for c in password),
        "no_uppercase": not any(c.isupper() for c in password),
        "no_digit": not any(c.isdecimal() for c in password),
        "no_special": all(c.isalnum() for c in password),
        "personal_data": personal is not None and _contains_personal(password, personal),
        "common": _is_common(password),
    }
    return [reason for reason, failed in checks.items() if failed]


def _contains_personal(password: str, personal: PersonalData) -> bool:
    folded = fold(password)
    return any(fragment in folded for fragment in _personal_fragments(personal))


def _personal_fragments(personal: PersonalData) -> set[str]:
    """Name parts, usual spellings of the birth date and 6-character runs of the NIR."""
    fragments = {
        part
        for name in (personal.first_name, personal.last_name)
        for part in _NON_ALNUM.split(fold(name))
        if len(part) >= NAME_MIN
    }
    if personal.birth_date is not None:
        d = personal.birth_date
        fragments |= {
            d.strftime(pattern)
            for pattern in ("%d%m%Y", "%Y%m%d", "%d%m%y", "%d/%m/%Y", "%d-%m-%Y",
                            "%d.%m.%Y", "%Y-%m-%d")
        }
    nir = fold(normalize_nir(personal.nir))
    fragments |= {nir[i : i + NIR_FRAGMENT] for i in range(len(nir) - NIR_FRAGMENT + 1)}
    return fragments


def _is_common(password: str) -> bool:
    """Common password, also once digits and symbols around it are removed.

    ``Password123!`` and ``!Azerty2024`` are as guessable as ``password`` and ``azerty``.
    """
    folded = fold(password)
    stem = _TRAILING_NON_LETTERS.sub("", folded)
    candidates = {folded, stem, _LEADING_NON_LETTERS.sub("", stem)}
    return not candidates.isdisjoint(_common_passwords())


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Load the list once, on first use, so importing this module stays cheap."""
    from importlib.resources import files

    text = (files("mes_cli.domain") / "data" / "common_passwords.txt").read_text("utf-8")
    return frozenset(fold(line.strip()) for line in text.splitlines() if line.strip())


def _join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) == 1:
        return items[0]
    return _("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])
