"""The reference list of vaccines: look-up by code, brand or name, and search.

People record a dose under whatever is printed on the box ("Gardasil 9", "Infanrix
Hexa") or in the booklet ("ROR"), with or without accents; the booklet stores the stable
``code``.  Exact look-up (:func:`find_vaccine`) therefore accepts the code, the French
name or any brand alias, ignoring case, accents, spaces and punctuation; when nothing
matches, the error proposes close names (difflib) so that a typo costs one retry.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

from mes_cli.contract.errors import invalid
from mes_cli.domain._text import fold
from mes_cli.domain.vaccination._resources import read_json

from ...i18n import _

_CODE = re.compile(r"[A-Z][A-Z0-9_]*")
_ATC = re.compile(r"J07[A-Z]{2}(\d\d)?")  # vaccines: J07, then a 4th-level group, then the substance
_MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Vaccine:
    """One vaccine of the catalogue.

    ``name`` is the French name, ``label`` a short English one for reminder sentences,
    ``counts_as`` the codes a dose of this vaccine also satisfies (a hexavalent dose is a
    DTCaPolio dose too).  ``atc`` is its WHO ATC code when known (the FHIR export codes
    doses with it); ``substitute`` the vaccine given instead when this valence set is no
    longer marketed on its own (dTPolio: Revaxis withdrawn in 2024, a dTcaPolio is given).
    """

    code: str
    name: str
    diseases: tuple[str, ...]
    aliases: tuple[str, ...]
    label: str = ""
    counts_as: tuple[str, ...] = ()
    atc: str = ""
    substitute: str = ""


def catalogue() -> list[Vaccine]:
    """Every vaccine, in the order of the data file."""
    return list(_load().vaccines)


def vaccine_by_code(code: str) -> Vaccine | None:
    """The vaccine stored under ``code`` (exact, as the booklet stores it), or None."""
    return _load().by_code.get(code)


def vaccine_for_atc(atc: str | None) -> Vaccine | None:
    """The one vaccine of the catalogue with exactly this ATC code (a substance, 7 characters), or
    None: a group code (J07AM, every tetanus vaccine) or a code several entries share (J07CA02, the
    infant and the booster dTcaPolio) says too little to choose one, and a dose is never guessed."""
    if not atc or len(atc) != 7:
        return None
    matches = [vaccine for vaccine in _load().vaccines if vaccine.atc == atc]
    return matches[0] if len(matches) == 1 else None


def counting_for(code: str) -> frozenset[str]:
    """Codes whose doses count for a rule about ``code``: itself and what counts as it."""
    return _load().counting.get(code, frozenset({code}))


def find_vaccine(query: str) -> Vaccine:
    """The vaccine whose code, name or alias is ``query``.

    Accents, spaces and punctuation are always ignored ("infanrix-hexa" finds HEXA).
    Case is ignored too, except where it is the only difference between two vaccines:
    in French notation "dTcaPolio" (reduced doses, adults) and "DTCaPolio" (children) are
    not the same vaccine.  So the look-up tries, in order: the exact spelling (case
    kept), the code whatever its case ("dtcapolio_rappel"), then any name or alias
    whatever its case when that is unambiguous.  An unknown name raises
    ``UNKNOWN_VACCINE`` on field ``vaccine`` with up to 5 ``suggestions`` (codes); an
    empty one ``VALIDATION_ERROR``.
    """
    key = _key(query)
    if not key:
        raise invalid(
            "VALIDATION_ERROR",
            _("The vaccine is empty; type its name, brand (e.g. Gardasil 9) or code (e.g. HPV)."),
            "vaccine",
            suggestions=[],
        )
    data = _load()
    found = data.exact.get(_key(query, keep_case=True)) or data.by_code_key.get(key) or data.by_key.get(key)
    if found is not None:
        return found
    suggestions = _suggest(query, key)
    if suggestions:
        message = _("Unknown vaccine {query!r}; did you mean {suggestions}? "
                    "Search the catalogue by brand, name or disease to find its code.")
    else:
        message = _("Unknown vaccine {query!r}; no vaccine of the catalogue has a close name. "
                    "Search the catalogue by brand, name or disease to find its code.")
    listing = ", ".join(f"{shown} [{v.code}]" for shown, v in suggestions)
    raise invalid(
        "UNKNOWN_VACCINE",
        message.format(query=query.strip(), suggestions=listing),
        "vaccine",
        suggestions=[v.code for _shown, v in suggestions],
    )


def search_vaccines(query: str) -> list[Vaccine]:
    """Vaccines whose code, name, aliases or diseases contain every word of ``query``.

    Case- and accent-insensitive ("rougeole" finds ROR, "coqueluche" every
    pertussis-containing vaccine); an empty query returns the whole catalogue.  A
    vaccine whose code, name or alias is exactly the query comes first ("ROR" is also
    inside "Verorab"), the rest in catalogue order.
    """
    words = fold(query).split()
    hits = [v for v, text in _load().haystacks if all(w in text for w in words)]
    key = _key(query)
    exact = [v for v in hits if key and key in _load().keys_of[v.code]]
    return exact + [v for v in hits if v not in exact]


def _suggest(query: str, key: str) -> list[tuple[str, Vaccine]]:
    """Close spellings first (difflib), then vaccines whose text contains the query."""
    data = _load()
    picked: dict[str, tuple[str, Vaccine]] = {}
    for close in difflib.get_close_matches(key, list(data.by_key), n=_MAX_SUGGESTIONS, cutoff=0.6):
        v = data.by_key[close]
        picked.setdefault(v.code, (data.shown[close], v))
    for v in search_vaccines(query):
        picked.setdefault(v.code, (v.aliases[0] if v.aliases else v.code, v))
    return list(picked.values())[:_MAX_SUGGESTIONS]


def _key(text: str, *, keep_case: bool = False) -> str:
    """Letters and digits only, no accents: 'M-M-RvaxPro' and 'mmr vaxpro' compare equal.

    ``keep_case`` keeps the case (for the exact look-up that tells dTcaPolio from DTCaPolio).
    """
    decomposed = unicodedata.normalize("NFKD", text if keep_case else text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


@dataclass(frozen=True)
class _Catalogue:
    vaccines: tuple[Vaccine, ...]
    by_code: dict[str, Vaccine]
    exact: dict[str, Vaccine]  # case kept
    by_code_key: dict[str, Vaccine]  # codes, any case
    by_key: dict[str, Vaccine]  # codes, names and aliases, any case, unambiguous only
    shown: dict[str, str]  # key -> the spelling it came from, for suggestions
    counting: dict[str, frozenset[str]]
    haystacks: tuple[tuple[Vaccine, str], ...]
    keys_of: dict[str, frozenset[str]]  # code -> folded keys of its code, name, aliases


@functools.cache
def _load() -> _Catalogue:
    """Read and check vaccines.json once; a data mistake fails loudly (ValueError)."""
    vaccines = tuple(_vaccine(raw) for raw in read_json("vaccines.json")["vaccines"])
    by_code: dict[str, Vaccine] = {}
    exact: dict[str, Vaccine] = {}
    by_code_key: dict[str, Vaccine] = {}
    folded: dict[str, set[str]] = {}
    shown: dict[str, str] = {}
    for v in vaccines:
        if _key(v.code) in by_code_key:
            raise ValueError(f"vaccines.json: code {v.code} appears twice")
        by_code[v.code] = by_code_key[_key(v.code)] = v
        for spelling in (v.code, v.name, *v.aliases):
            key = _key(spelling, keep_case=True)
            if exact.get(key, v) is not v:
                raise ValueError(f"vaccines.json: {spelling!r} names both {exact[key].code} and {v.code}")
            exact[key] = v
            folded.setdefault(_key(spelling), set()).add(v.code)
            shown.setdefault(_key(spelling), spelling)
    by_key = {k: by_code[next(iter(c))] for k, c in folded.items() if len(c) == 1}
    by_key.update(by_code_key)
    counting: dict[str, set[str]] = {v.code: {v.code} for v in vaccines}
    for v in vaccines:
        for target in v.counts_as:
            if target not in by_code:
                raise ValueError(f"vaccines.json: {v.code} counts as unknown code {target}")
            counting[target].add(v.code)
        if v.substitute and v.substitute not in by_code:
            raise ValueError(f"vaccines.json: {v.code} has an unknown substitute {v.substitute}")
    haystacks = tuple(
        (v, fold(" | ".join((v.code, v.name, v.label, *v.aliases, *v.diseases)))) for v in vaccines
    )
    keys_of = {v.code: frozenset(_key(s) for s in (v.code, v.name, *v.aliases)) for v in vaccines}
    return _Catalogue(
        vaccines, by_code, exact, by_code_key, by_key, shown,
        {c: frozenset(s) for c, s in counting.items()}, haystacks, keys_of,
    )


def _vaccine(raw: dict) -> Vaccine:
    code = raw.get("code", "")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ValueError(f"vaccines.json: bad code {code!r} (upper-case ASCII, digits, _)")
    for name in ("name", "label"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise ValueError(f"vaccines.json: {code} has no {name}")
    if not raw.get("diseases"):
        raise ValueError(f"vaccines.json: {code} lists no disease")
    if raw.get("atc") and not _ATC.fullmatch(raw["atc"]):
        raise ValueError(f"vaccines.json: {code} has a malformed ATC code {raw['atc']!r}")
    return Vaccine(
        code=code,
        name=raw["name"],
        diseases=tuple(raw["diseases"]),
        aliases=tuple(raw.get("aliases", ())),
        label=raw["label"],
        counts_as=tuple(raw.get("counts_as", ())),
        atc=raw.get("atc", ""),
        substitute=raw.get("substitute", ""),
    )
