"""msgspec's validation errors, read into what a person can act on: which field, what was wrong with
it, and what would be accepted (the values of an enumeration, the bound of a range, the known fields).

Both sides read them here: the server answers an invalid request body with it (``server/http/app.py``)
and the CLI refuses an option before any request with it (``cli/input.py``), each naming the field its
own way (``severity`` in the API, ``--severity`` or ``--set severity=…`` on the command line). It lives
in ``contract`` because both sides import the contract, and because the accepted values come from the
wire types of ``contract/models.py`` (their ``Literal`` or ``Enum`` annotations), never from a second list.

msgspec gives its errors as text only ("Invalid enum value 'x' - at `$.severity`", "Expected `float`
< 1000.0 - at `$.value`", "Object missing required field `x`", "Expected `int`, got `str` - at `$.x`"…);
``read`` parses that text. A wording it does not know is still reported, with msgspec's own text.
"""

from __future__ import annotations

import ast
import enum
import re
import types
from dataclasses import dataclass
from functools import reduce
from typing import Annotated, Any, Callable, Literal, Union, get_args, get_origin, get_type_hints

import msgspec

from ..i18n import N_, _, ngettext
from .errors import MesError

_LOCATED = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_ENUM = re.compile(r"^Invalid enum value (?P<value>.+)$", re.DOTALL)
_LENGTH = re.compile(r"^Expected `(?P<type>[^`]+)` of length (?P<op><=|>=) (?P<bound>\d+)$")
_BOUND = re.compile(r"^Expected `(?P<type>[^`]+)` (?P<op><=|>=|<|>) (?P<bound>\S+)$")
_TYPE = re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]+)`$")
_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]")

# msgspec's names of JSON types → words for a person.
TYPE_WORDS = {
    "int": N_("a whole number"), "float": N_("a number"), "str": N_("text"), "bool": N_("a yes/no value"),
    "array": N_("a list"), "object": N_("an object"), "null": N_("null"),
}


@dataclass(frozen=True)
class Problem:
    """One validation problem. ``reason`` is one of: not_accepted, too_large, too_small, too_long,
    too_short, wrong_type, missing, unknown_field, invalid (a wording of msgspec not known here)."""

    field: str | None  # "severity", "persons[0].nir"; None for the body as a whole
    reason: str
    value: Any = None  # the refused value, when msgspec names it (an enumeration's)
    accepted: tuple = ()  # the values the field takes, or the fields an object has (unknown_field)
    bound: int | float | None = None
    comparison: str | None = None  # how the value must compare to ``bound``: <, <=, >, >=
    expected: str | None = None  # msgspec's type names, e.g. "float | null"
    got: str | None = None
    text: str = ""  # msgspec's own words

    def details(self) -> dict[str, Any]:
        """The problem as error details, for scripts: only what is known, msgspec's text as ``problem``."""
        known = {"field": self.field, "reason": self.reason, "value": self.value,
                 "accepted": list(self.accepted) if self.accepted else None, "bound": self.bound,
                 "comparison": self.comparison, "expected": self.expected, "got": self.got}
        return {**{k: v for k, v in known.items() if v is not None}, "problem": self.text}


def read(exc: msgspec.ValidationError, kind: Any) -> Problem:
    """The problem msgspec found while building ``kind``, with the accepted values read from ``kind``."""
    text = str(exc)
    located = _LOCATED.match(text)
    what, at = located["what"], _parts(located["path"] or "")
    if match := _ENUM.match(what):
        return Problem(_name(at), "not_accepted", value=_literal(match["value"]),
                       accepted=accepted_values(field_type(kind, at)), text=text)
    if match := _LENGTH.match(what):
        reason = "too_long" if match["op"] == "<=" else "too_short"
        return Problem(_name(at), reason, bound=int(match["bound"]), comparison=match["op"],
                       expected=match["type"], text=text)
    if match := _BOUND.match(what):
        reason = "too_large" if match["op"].startswith("<") else "too_small"
        return Problem(_name(at), reason, bound=_number(match["bound"]), comparison=match["op"],
                       expected=match["type"], text=text)
    if match := _TYPE.match(what):
        return Problem(_name(at), "wrong_type", accepted=accepted_values(field_type(kind, at)),
                       expected=match["expected"], got=match["got"], text=text)
    if match := _MISSING.match(what):
        return Problem(_name([*at, match["name"]]), "missing", text=text)
    if match := _UNKNOWN.match(what):
        return Problem(_name([*at, match["name"]]), "unknown_field", accepted=_field_names(field_type(kind, at)),
                       text=text)
    return Problem(_name(at), "invalid", text=text)


def message(problem: Problem, label: str, spell: Callable[[str], str] = str) -> str:
    """The problem in the current language, the field named ``label``; ``spell`` writes an accepted value
    (the CLI adds the French words it also takes)."""
    head = _head(problem, label)
    if not problem.accepted:
        return head
    listed = ", ".join(spell(_shown(value)) for value in problem.accepted)
    tail = _("Known fields: {accepted}.") if problem.reason == "unknown_field" else _("Accepted values: {accepted}.")
    return f"{head} {tail.format(accepted=listed)}"


def refusal(problem: Problem, label: str, spell: Callable[[str], str] = str, **details: Any) -> MesError:
    """The VALIDATION_ERROR to raise for ``problem``."""
    return MesError("VALIDATION_ERROR", message(problem, label, spell), {**problem.details(), **details})


def field_type(kind: Any, path: list[str | int]) -> Any:
    """The type of the field at ``path`` in ``kind`` (a Struct), without Annotated and Optional; None if unknown."""
    for part in path:
        kind = _bare(kind)
        if isinstance(part, int):
            items = get_args(kind) if get_origin(kind) in (list, tuple, set, frozenset) else ()
            kind = items[0] if items else None
        elif isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            kind = _hints(kind).get(part)
        else:
            return None
    return _bare(kind)


def accepted_values(kind: Any) -> tuple:
    """The values a type takes when they can be listed: a Literal's, an Enum's, a bool's; else ()."""
    if get_origin(kind) is Literal:
        return get_args(kind)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return tuple(member.value for member in kind)
    if kind is bool:
        return (True, False)
    return ()


def _hints(struct: type) -> dict[str, Any]:
    """A struct's field annotations; none when one cannot be resolved (the problem is then reported without
    its accepted values, never turned into a server error)."""
    try:
        return get_type_hints(struct, include_extras=True)
    except (NameError, TypeError):
        return {}


def _bare(kind: Any) -> Any:
    """``kind`` without Annotated metadata and without the None of an Optional."""
    while True:
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        elif get_origin(kind) in (Union, types.UnionType):
            others = [arg for arg in get_args(kind) if arg is not type(None)]
            if len(others) != 1:
                return kind
            kind = others[0]
        else:
            return kind


def _field_names(kind: Any) -> tuple:
    if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
        return tuple(f.encode_name for f in msgspec.structs.fields(kind))
    return ()


def _parts(path: str) -> list[str | int]:
    """``.persons[0].nir`` → ["persons", 0, "nir"]."""
    return [name if name else int(index) for name, index in _PATH_PART.findall(path)]


def _name(parts: list[str | int]) -> str | None:
    """["persons", 0, "nir"] → "persons[0].nir" (how the API names a field); None for the whole body."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
    return text[1:] if text.startswith(".") else (text or None)


def _literal(text: str) -> Any:
    """The value msgspec quoted in Python syntax ('sévère', 3); the text itself if it is not one."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _shown(value: Any) -> str:
    """A value as JSON writes it (true, not True), for a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _bound(bound: int | float) -> str:
    """1000.0 → "1000": the bounds of the wire types are whole numbers, written without a decimal part."""
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _type_words(names: str | None) -> str:
    """``float | null`` → "a number": a person is told what to give, the optional null left out."""
    listed = [n.strip() for n in (names or "").split("|")]
    wanted = [n for n in listed if n != "null"] or listed
    words = [_(TYPE_WORDS[n]) if n in TYPE_WORDS else f"`{n}`" for n in wanted]
    return reduce(lambda first, second: _("{first} or {second}").format(first=first, second=second), words)


def _head(problem: Problem, label: str) -> str:
    """What was wrong, in one sentence naming the field."""
    bound = _bound(problem.bound) if problem.bound is not None else ""
    if problem.reason == "not_accepted":
        return _("{field}: {value!r} is not accepted.").format(field=label, value=problem.value)
    if problem.reason in ("too_large", "too_small"):
        sentence = {"<": _("{field}: must be less than {bound}."), "<=": _("{field}: must be at most {bound}."),
                    ">": _("{field}: must be greater than {bound}."), ">=": _("{field}: must be at least {bound}.")}
        return sentence[problem.comparison].format(field=label, bound=bound)
    if problem.reason in ("too_long", "too_short"):
        return _length(problem, label)
    if problem.reason == "wrong_type":
        return _("{field}: expected {expected}, got {got}.").format(
            field=label, expected=_type_words(problem.expected), got=_type_words(problem.got))
    if problem.reason == "missing":
        return _("{field}: a value is required.").format(field=label)
    if problem.reason == "unknown_field":
        return _("{field}: unknown field.").format(field=label)
    return _("{field}: {problem}.").format(field=label, problem=problem.text)


def _length(problem: Problem, label: str) -> str:
    n = int(problem.bound or 0)
    if problem.expected == "str":
        sentences = {"too_long": ngettext("{field}: must have at most {n} character.",
                                          "{field}: must have at most {n} characters.", n),
                     "too_short": ngettext("{field}: must have at least {n} character.",
                                           "{field}: must have at least {n} characters.", n)}
    else:
        sentences = {"too_long": ngettext("{field}: must have at most {n} item.",
                                          "{field}: must have at most {n} items.", n),
                     "too_short": ngettext("{field}: must have at least {n} item.",
                                           "{field}: must have at least {n} items.", n)}
    return sentences[problem.reason].format(field=label, n=n)
