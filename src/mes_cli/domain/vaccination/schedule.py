"""The vaccination calendar as data: rules read from ``data/calendar-<edition>.json``.

Nothing about the French calendar lives in code: ages, windows, intervals, catch-up
limits, booster milestones and campaign dates all come from the file, and loading checks
it thoroughly (a data mistake is a ``ValueError`` naming the rule), so that a new
edition is a reviewed data change.  Three kinds of rule:

- ``dose``: one dose of a series at an age (``hexa-1``: hexavalent dose 1 at 2 months);
- ``booster``: a fixed-age milestone of a booster track (adult dTPolio at 25, 45, 65,
  then every 10 years), evaluated together with the track's catch-up rules;
- ``seasonal``: a yearly campaign from an age (influenza every autumn from 65).

A dose series may have several **schemes**, chosen by the age at which it starts (a
meningococcal B catch-up started at 14 months takes other doses than the infant series):
see ``schemes.py``.  Every rule names its **source** (a key of the file's ``sources``),
which reminders quote.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mes_cli.contract.errors import invalid
from mes_cli.domain.vaccination._resources import data_names, read_json
from mes_cli.domain.vaccination.ages import Age, MonthDay
from mes_cli.domain.vaccination.catalogue import vaccine_by_code

from ...i18n import _

KINDS = ("dose", "booster", "seasonal")
_RULE_KEYS = {
    "id", "kind", "series", "scheme", "vaccine", "dose", "due", "due_until", "recommended",
    "catch_up_ends", "min_interval", "born_on_or_after", "born_before", "then_every", "after_catch_up",
    "season", "note", "source", "accepts", "valid_from", "listed_from",
}
_FILE = re.compile(r"calendar-(.+)\.json")


@dataclass(frozen=True, slots=True)
class Season:
    """A yearly campaign: due from ``due_from`` until the day before ``ends_before``;
    a dose given from ``counts_from`` (up to the same day a year later) covers it."""

    due_from: MonthDay
    counts_from: MonthDay
    ends_before: MonthDay


@dataclass(frozen=True, slots=True)
class Accept:
    """A dose of another vaccine that counts for a rule when given before ``given_before``
    (transition rules: a meningococcal C dose of 2024 stands for the first ACWY dose)."""

    vaccine: str
    given_before: date | None = None


@dataclass(frozen=True, slots=True)
class Scheme:
    """Which rules of a series apply when the series starts between two ages.

    The start is the first recorded dose of the series, else today or its first
    recommended age, whichever is later (``schemes.py``); ``starts_before`` is exclusive.
    """

    series: str
    name: str
    starts_from: Age | None
    starts_before: Age | None
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One line of the calendar (see the module docstring for the kinds).

    ``due`` is the age the dose is due at; ``due_until`` the last day of its window (an
    age, inclusive); ``catch_up_ends`` the age from which a missed dose is no longer
    listed (exclusive); ``min_interval`` the least time after the previous dose of the
    same scheme; ``dose`` may hold ``{age}`` (booster milestones) or ``{season}``.
    ``valid_from`` is the youngest age a dose counts at (no early tolerance), ``listed_from``
    the age before which the rule is never listed; ``born_on_or_after``/``born_before``
    bound the birth cohort; ``accepts`` other vaccines' doses that count (transitions);
    ``after_catch_up`` the vaccine of a booster caught up after its own catch-up ended,
    ``after_catch_up_why`` why (shown); ``source`` a key of the calendar's sources.
    """

    id: str
    kind: str
    series: str
    vaccine: str
    dose: str
    due: Age
    recommended: str = ""
    due_until: Age | None = None
    catch_up_ends: Age | None = None
    min_interval: Age | None = None
    born_on_or_after: date | None = None
    born_before: date | None = None
    then_every: Age | None = None
    after_catch_up: str | None = None
    after_catch_up_why: str = ""
    season: Season | None = None
    note: str = ""
    scheme: str = ""
    source: str = ""
    accepts: tuple[Accept, ...] = ()
    valid_from: Age | None = None
    listed_from: Age | None = None

    def born_in_cohort(self, birth: date) -> bool:
        """Whether a person born on ``birth`` is in the rule's birth cohort."""
        return (self.born_on_or_after is None or birth >= self.born_on_or_after) and (
            self.born_before is None or birth < self.born_before)


@dataclass(frozen=True, slots=True)
class MaxGap:
    """The longest time allowed between two boosters when the next fixed age is at or
    after ``from_milestone``."""

    from_milestone: Age
    gap: Age


@dataclass(frozen=True, slots=True)
class BoosterTrack:
    """How the ``booster`` rules of one series are caught up (adult dTPolio).

    ``counts``: doses of any vaccine counting as this code are boosters of the track;
    ``late_dose`` names a fixed-age booster once it is overdue (a catch-up, ``{age}`` filled).
    """

    series: str
    counts: str
    recommended: str
    min_gap: Age
    max_gaps: tuple[MaxGap, ...]
    note: str = ""
    late_dose: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    """Tolerances of the engine ([ours], in the data): see calendar-2025.json."""

    early_tolerance: Age
    overdue_after: Age
    upcoming_horizon: Age


@dataclass(frozen=True)
class Calendar:
    """One edition of the calendar: where it comes from and its rules, in file order.

    ``sources`` maps a rule's ``source`` key to the citation reminders quote; ``schemes``
    the series that have several to their schemes, in file order; ``left_out`` says what
    the edition's data does not cover and why (risk groups, pregnancy, travel...).
    """

    source: str
    edition: str
    rules: tuple[Rule, ...]
    tracks: dict[str, BoosterTrack]
    settings: Settings
    sources: dict[str, str] = field(default_factory=dict)
    schemes: dict[str, tuple[Scheme, ...]] = field(default_factory=dict)
    left_out: tuple[dict, ...] = ()

    def citation(self, rule: Rule) -> str:
        """The source a reminder quotes for ``rule``: its own, else the edition's."""
        return self.sources.get(rule.source, self.source)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Calendar:
        """Build and check a calendar from its JSON form (also lets tests try variants)."""
        return _parse(raw)

    def series(self, name: str) -> list[Rule]:
        """The rules of one series, in file order (the order doses are matched in)."""
        return [r for r in self.rules if r.series == name]


def editions() -> list[str]:
    """The editions shipped in the package, oldest first."""
    return [m[1] for name in data_names() if (m := _FILE.fullmatch(name))]


def calendar(edition: str = "2025") -> Calendar:
    """The calendar of ``edition``; an unknown edition is a ``VALIDATION_ERROR`` on field
    ``edition`` naming the available ones."""
    known = editions()
    if edition not in known:
        raise invalid(
            "VALIDATION_ERROR",
            _("No vaccination calendar edition {edition!r}; available: {editions}.")
            .format(edition=edition, editions=", ".join(known)),
            "edition",
        )
    return _load(edition)


@functools.cache
def _load(edition: str) -> Calendar:
    loaded = _parse(read_json(f"calendar-{edition}.json"))
    if loaded.edition != edition:
        raise ValueError(f"calendar-{edition}.json says it is edition {loaded.edition!r}")
    return loaded


def _parse(raw: dict[str, Any]) -> Calendar:
    for key in ("source", "edition"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ValueError(f"calendar: {key!r} is missing")
    settings = raw.get("settings", {})
    parsed_settings = Settings(
        **{
            name: Age.parse(settings.get(name), f"settings.{name}")
            for name in ("early_tolerance", "overdue_after", "upcoming_horizon")
        }
    )
    tracks = {t.series: t for t in map(_track, raw.get("booster_tracks", ()))}
    rules = tuple(_rule(r) for r in raw.get("rules", ()))
    if not rules:
        raise ValueError("calendar: no rules")
    sources = raw.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) and v for v in sources.values()):
        raise ValueError("calendar: 'sources' maps keys to citations")
    schemes: dict[str, tuple[Scheme, ...]] = {}
    for scheme in map(_scheme, raw.get("schemes", ())):
        schemes[scheme.series] = (*schemes.get(scheme.series, ()), scheme)
    _check(rules, tracks, sources, schemes)
    return Calendar(raw["source"], raw["edition"], rules, tracks, parsed_settings, dict(sources), schemes,
                    tuple(raw.get("left_out", ())))


def _rule(raw: dict[str, Any]) -> Rule:
    rule_id = raw.get("id") or "?"
    where = f"rule {rule_id}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "series", "vaccine", "dose"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise ValueError(f"{where}: {key!r} is missing")
    kind = raw.get("kind", "dose")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind {kind!r} is not one of {KINDS}")

    def age(key: str) -> Age | None:
        return Age.parse(raw[key], f"{where}.{key}") if key in raw else None

    def day(key: str) -> date | None:
        return date.fromisoformat(raw[key]) if key in raw else None

    after = raw.get("after_catch_up")
    if isinstance(after, dict):
        if set(after) - {"vaccine", "recommended"} or not isinstance(after.get("vaccine"), str):
            raise ValueError(f"{where}.after_catch_up: expected {{'vaccine', 'recommended'}}, got {after!r}")
        after_code, after_why = after["vaccine"], after.get("recommended", "")
    else:
        after_code, after_why = after, ""
    return Rule(
        id=raw["id"],
        kind=kind,
        series=raw["series"],
        vaccine=raw["vaccine"],
        dose=raw["dose"],
        due=Age.parse(raw.get("due"), f"{where}.due"),
        recommended=raw.get("recommended", ""),
        due_until=age("due_until"),
        catch_up_ends=age("catch_up_ends"),
        min_interval=age("min_interval"),
        born_on_or_after=day("born_on_or_after"),
        born_before=day("born_before"),
        then_every=age("then_every"),
        after_catch_up=after_code,
        after_catch_up_why=after_why,
        season=_season(raw["season"], where) if "season" in raw else None,
        note=raw.get("note", ""),
        scheme=raw.get("scheme", ""),
        source=raw.get("source", ""),
        accepts=tuple(_accept(a, where) for a in raw.get("accepts", ())),
        valid_from=age("valid_from"),
        listed_from=age("listed_from"),
    )


def _accept(raw: Any, where: str) -> Accept:
    if not isinstance(raw, dict) or not isinstance(raw.get("vaccine"), str) or set(raw) - {"vaccine", "given_before"}:
        raise ValueError(f"{where}.accepts: expected {{'vaccine', 'given_before'}}, got {raw!r}")
    before = raw.get("given_before")
    return Accept(raw["vaccine"], date.fromisoformat(before) if before else None)


def _scheme(raw: dict[str, Any]) -> Scheme:
    where = f"scheme {raw.get('series', '?')}/{raw.get('name', '?')}"
    if not raw.get("series") or not raw.get("name"):
        raise ValueError(f"{where}: 'series' and 'name' are required")
    bounds = {k: Age.parse(raw[k], f"{where}.{k}") if k in raw else None for k in ("starts_from", "starts_before")}
    return Scheme(raw["series"], raw["name"], bounds["starts_from"], bounds["starts_before"],
                  raw.get("source", ""), raw.get("note", ""))


def _season(raw: Any, where: str) -> Season:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}.season: expected an object, got {raw!r}")
    keys = ("due_from", "counts_from", "ends_before")
    return Season(*(MonthDay.parse(raw.get(k), f"{where}.season.{k}") for k in keys))


def _track(raw: dict[str, Any]) -> BoosterTrack:
    where = f"booster track {raw.get('series', '?')}"
    return BoosterTrack(
        series=raw["series"],
        counts=raw["counts"],
        recommended=raw.get("recommended", ""),
        min_gap=Age.parse(raw.get("min_gap"), f"{where}.min_gap"),
        max_gaps=tuple(
            sorted(
                (
                    MaxGap(Age.parse(g["from_milestone"], where), Age.parse(g["gap"], where))
                    for g in raw.get("max_gap", ())
                ),
                key=lambda g: (g.from_milestone.years, g.from_milestone.months, g.from_milestone.days),
            )
        ),
        note=raw.get("note", ""),
        late_dose=(raw.get("late") or {}).get("dose", ""),
    )


def _check(rules: tuple[Rule, ...], tracks: dict[str, BoosterTrack], sources: dict[str, str],
           schemes: dict[str, tuple[Scheme, ...]]) -> None:
    """Cross-checks: unique ids, known vaccines and sources, each kind's required fields."""
    seen: set[str] = set()
    for rule in rules:
        where = f"rule {rule.id}"
        if rule.id in seen:
            raise ValueError(f"{where}: the id appears twice")
        seen.add(rule.id)
        for code in filter(None, (rule.vaccine, rule.after_catch_up, *(a.vaccine for a in rule.accepts))):
            if vaccine_by_code(code) is None:
                raise ValueError(f"{where}: unknown vaccine code {code!r}")
        if sources and rule.source not in sources:
            raise ValueError(f"{where}: source {rule.source!r} is not a key of 'sources'")
        named = {s.name for s in schemes.get(rule.series, ())}
        if named and rule.scheme not in named:
            raise ValueError(f"{where}: scheme {rule.scheme!r} is not one of series {rule.series}'s {sorted(named)}")
        if not named and rule.scheme:
            raise ValueError(f"{where}: series {rule.series} has no schemes")
        if rule.kind == "booster" and rule.series not in tracks:
            raise ValueError(f"{where}: no booster track for series {rule.series!r}")
        if rule.kind == "seasonal" and rule.season is None:
            raise ValueError(f"{where}: a seasonal rule needs 'season'")
        if rule.kind != "seasonal" and rule.season is not None:
            raise ValueError(f"{where}: only seasonal rules have a 'season'")
        if rule.kind != "dose" and (rule.scheme or rule.accepts or rule.valid_from or rule.listed_from):
            raise ValueError(f"{where}: scheme/accepts/valid_from/listed_from are for dose rules")
        if rule.kind != "booster" and (rule.then_every or rule.after_catch_up):
            raise ValueError(f"{where}: then_every/after_catch_up are for booster rules")
        if rule.kind != "booster" and not rule.recommended:
            raise ValueError(f"{where}: 'recommended' (the age in words) is missing")
    for series in {r.series for r in rules}:
        members = [r for r in rules if r.series == series]
        if len({r.kind for r in members}) != 1:
            raise ValueError(f"series {series}: its rules must all be of one kind")
        if any(r.then_every for r in members[:-1]):
            raise ValueError(f"series {series}: only the last milestone may recur (then_every)")
    for series, listed in schemes.items():
        if not any(r.series == series for r in rules):
            raise ValueError(f"schemes of series {series}: the series has no rules")
        for scheme in listed:
            if sources and scheme.source and scheme.source not in sources:
                raise ValueError(f"scheme {series}/{scheme.name}: unknown source {scheme.source!r}")
            if not any(r.scheme == scheme.name for r in rules if r.series == series):
                raise ValueError(f"scheme {series}/{scheme.name}: no rule belongs to it")
    for track in tracks.values():
        if vaccine_by_code(track.counts) is None:
            raise ValueError(f"booster track {track.series}: unknown vaccine code {track.counts!r}")
        kinds = {r.kind for r in rules if r.series == track.series}
        if kinds != {"booster"}:
            raise ValueError(f"booster track {track.series}: its series must hold booster rules only")
