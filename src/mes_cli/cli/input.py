"""What people type on the command line, read the way a French speaker writes it, before it becomes a wire struct.

The API takes the values of contract/models.py as they are (``severe``, ``62.5``, ``O+``). The command line
also takes what a person in France naturally types: the French word for a value of an enumeration
(``grave``, ``poids``, ``rappel``), a decimal comma (``62,5``), a blood group typed with a zero (``0+``) or
spelled out (``O pos``); case and accents never matter. That is a courtesy of the command line, not part of
the contract, hence a module of ``cli/``. What it cannot read is passed on as typed: the struct refuses it,
and the refusal (read by contract/validation.py, which the server shares) names the option as it was typed
and lists the accepted values with the French words taken here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..domain._text import fold, remove_spaces

if TYPE_CHECKING:
    from ..contract.errors import MesError
    from ..contract.validation import Problem

# The French words taken for a value: a value of an enumeration of contract/models.py (read from its type,
# never listed here), a bool as JSON writes it, or a word of the command line such as a profile section.
FRENCH_WORDS: dict[str, tuple[str, ...]] = {
    "mild": ("légère", "léger", "faible"),
    "moderate": ("modérée", "modéré", "moyenne"),
    "severe": ("sévère", "grave"),
    "weight": ("poids",),
    "height": ("taille",),
    "blood_pressure": ("tension", "tension artérielle"),
    "first": ("première", "primovaccination"),
    "booster": ("rappel",),
    "true": ("oui", "vrai"),
    "false": ("non", "faux"),
    "disease": ("maladie", "maladies"),
    "treatment": ("traitement", "traitements"),
    "allergy": ("allergie", "allergies"),
    "measure": ("mesure", "mesures"),
    "family-history": ("antécédents familiaux", "antécédents"),
}

_SEPARATORS = re.compile(r"[\s_-]+")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_RHESUS = (("positif", "+"), ("pos", "+"), ("negatif", "-"), ("neg", "-"))  # longest first


def _key(text: str) -> str:
    """What two spellings of a word share: ``Blood-Pressure``, ``blood_pressure`` → "blood pressure"."""
    return _SEPARATORS.sub(" ", fold(text)).strip()


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def choice(raw: str, accepted: Iterable[Any]) -> Any:
    """The accepted value ``raw`` means, written in any case, with ``-`` for ``_``, or as one of its
    French words; None when it means none of them."""
    wanted = _key(raw)
    for value in accepted:
        shown = _shown(value)
        if wanted in {_key(shown), *(_key(word) for word in FRENCH_WORDS.get(shown, ()))}:
            return value
    return None


def spelled(value: str) -> str:
    """An accepted value as an error lists it: with the French words also taken, ``severe (sévère, grave)``."""
    words = FRENCH_WORDS.get(value)
    return f"{value} ({', '.join(words)})" if words else value


def blood_group(raw: str) -> str:
    """``0+``, ``o+``, ``O pos``, ``AB négatif`` → the group as the API writes it (``O+``, ``AB-``); other text
    as typed, for the refusal to quote it."""
    from ..contract import models as m
    from ..contract.validation import accepted_values

    text = remove_spaces(fold(raw))
    for word, sign in _RHESUS:
        text = text.replace(word, sign)
    text = text.upper()
    group = "O" + text[1:] if text.startswith("0") else text
    return group if group in accepted_values(m.BloodGroup) else raw


def flag(field: str) -> str:
    """The option that sets a wire field, when it is named after it: ``blood_pressure`` → ``--blood-pressure``."""
    return "--" + field.replace("_", "-")


def typed(wire_type: type, label: Callable[[str], str] = flag, /, **fields: Any) -> Any:
    """The struct ``wire_type`` built from typed values (None ones left out), each read as its field's type
    wants; an invalid one is refused before any request, naming it with ``label(field)``."""
    import msgspec

    from ..contract import validation

    given = {name: _read(wire_type, name, value) for name, value in fields.items() if value is not None}
    try:
        return msgspec.convert(given, type=wire_type, strict=False)
    except msgspec.ValidationError as exc:
        problem = validation.read(exc, wire_type)
        raise refusal(problem, label(problem.field or "")) from None


def refusal(problem: Problem, label: str) -> MesError:
    """The VALIDATION_ERROR for a problem with what was typed for ``label`` (an option, an argument)."""
    from ..contract import validation

    return validation.refusal(problem, label, spelled, flag=label)


def _read(wire_type: type, name: str, value: Any) -> Any:
    """A typed text in the form its field takes: an accepted value, a number with a decimal point."""
    if not isinstance(value, str):
        return value
    from ..contract.validation import accepted_values, field_type

    target = field_type(wire_type, [name])
    accepted = accepted_values(target)
    if accepted:
        found = choice(value, accepted)
        return value if found is None else found
    if target in (int, float):
        text = value.strip()
        return text.replace(",", ".") if _DECIMAL_COMMA.fullmatch(text) else text
    return value
