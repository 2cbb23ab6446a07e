"""Messages in the user's language: English in the source, French from a gettext catalogue.

The English sentence written in the code is the message id (``_("No document {id}.")``);
``locale/fr/LC_MESSAGES/mes.po`` holds the French, compiled to ``mes.mo`` when the package
is built (``setup.py``).  The language is a context variable rather than a process-wide
setting because one process can serve several languages at once: the CLI sets it from
``--lang`` or the locale, and the server sets it per request from ``Accept-Language`` — the
embedded server runs inside the CLI's own thread, the real one in a pool of threads.

Message ids are literal strings so that the extractor (``python -m mes_cli.i18n.extract``)
and the test that fails on a missing translation can find them; values go in with
``str.format`` and named fields, never with f-strings.
"""

from __future__ import annotations

import gettext
from contextvars import ContextVar, Token
from functools import cache
from pathlib import Path
from typing import Mapping

LANGUAGES = ("en", "fr")
DEFAULT = "en"
DOMAIN = "mes"

_language: ContextVar[str] = ContextVar("mes_language", default=DEFAULT)


def N_(message: str) -> str:
    """Marks a module-level message for extraction; translate it with ``_()`` where it is shown."""
    return message


def _(message: str) -> str:
    """The message in the current language (the English id itself when there is no translation)."""
    language = _language.get()
    if language == DEFAULT:
        return message
    return _translations(language).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n`` in the current language (French counts 0 as singular)."""
    language = _language.get()
    if language == DEFAULT:
        return singular if n == 1 else plural
    return _translations(language).ngettext(singular, plural, n)


def current() -> str:
    return _language.get()


def use(language: str) -> Token[str]:
    """Switches the current context to ``language`` (one of LANGUAGES); give the token to ``restore``."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}")
    return _language.set(language)


def restore(token: Token[str]) -> None:
    _language.reset(token)


def parse(value: str | None) -> str | None:
    """The supported language a locale name or tag means (``fr_FR.UTF-8``, ``fr-CA``, ``en``), else None."""
    if not value:
        return None
    base = value.strip().replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()
    return base if base in LANGUAGES else None


def from_environment(variables: Mapping[str, str]) -> str:
    """The language the locale variables ask for, in gettext's order of precedence.

    ``LANGUAGE`` (a colon-separated list of preferences) comes first, then ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG``; like gettext, ``LANGUAGE`` is ignored when the locale is
    ``C``/``POSIX``.  The first variable that is set decides, even for a language we do not
    have: ``LC_ALL=de_DE`` gives English, not a French ``LANG`` behind it.
    """
    locale_name = next((variables[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if variables.get(name)), "")
    if locale_name.split(".")[0] not in ("C", "POSIX"):
        for preference in (variables.get("LANGUAGE") or "").split(":"):
            if language := parse(preference):
                return language
    return parse(locale_name) or DEFAULT


def from_accept_language(header: str | None) -> str:
    """The best supported language of an HTTP ``Accept-Language`` header (RFC 9110 §12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((header or "").split(",")):
        tag, _sep, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if (language := parse(tag)) and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else DEFAULT


@cache
def _translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``language``; English ids are shown when it was not built."""
    # next to the package's modules (importlib.resources would cost every command ~3 ms of imports)
    path = Path(__file__).parent.parent / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        with path.open("rb") as stream:
            return gettext.GNUTranslations(stream)
    except FileNotFoundError:
        return gettext.NullTranslations()
