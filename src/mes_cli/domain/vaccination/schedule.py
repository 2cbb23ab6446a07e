"""The vaccination calendar as data: rules read from ``data/calendar-<edition>.json``.

Nothing about the French calendar lives in code: ages, windows, intervals, catch-up
limits, booster milestones and campaign dates all come from the file, and loading checks
it thoroughly (a data mistake is a ``ValueError`` naming the rule), so that a new
edition is a reviewed data change.  Three kinds of rule:

- ``dose``: one dose of a series at an age (``hexa-1``: hexavalent dose 1 at 2 months);
- ``booster``: a fixed-age milestone of a booster track (adult dTPolio at 25, 45, 65,
  then every 10 years), evaluated together with the track's catch-up rules;
- ``seasonal``: a yearly campaign from an age (influenza every autumn from 65).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from mes_cli.contract.errors import invalid
from mes_cli.domain.vaccination._resources import data_names, read_json
from mes_cli.domain.vaccination.ages import Age, MonthDay
from mes_cli.domain.vaccination.catalogue import vaccine_by_code

from ...i18n import _

KINDS = ("dose", "booster", "seasonal")
_RULE_KEYS = {
    "id", "kind", "series", "vaccine", "dose", "due", "due_until", "recommended",
    "catch_up_ends", "min_interval", "born_on_or_after", "then_every", "after_catch_up",
    "season", "note",
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
class Rule:
    """One line of the calendar (see the module docstring for the kinds).

    ``due`` is the age the dose is due at; ``due_until`` the last day of its window (an
    age, inclusive); ``catch_up_ends`` the age from which a missed dose is no longer
    listed (exclusive); ``min_interval`` the least time after the previous dose of the
    same series; ``dose`` may hold ``{age}`` (booster milestones) or ``{season}``.
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
    then_every: Age | None = None
    after_catch_up: str | None = None
    season: Season | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class MaxGap:
    """The longest time allowed between two boosters when the next fixed age is at or
    after ``from_milestone``."""

    from_milestone: Age
    gap: Age


@dataclass(frozen=True, slots=True)
class BoosterTrack:
    """How the ``booster`` rules of one series are caught up (adult dTPolio).

    ``counts``: doses of any vaccine counting as this code are boosters of the track.
    """

    series: str
    counts: str
    recommended: str
    min_gap: Age
    max_gaps: tuple[MaxGap, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    """Tolerances of the engine ([ours], in the data): see calendar-2025.json."""

    early_tolerance: Age
    overdue_after: Age
    upcoming_horizon: Age


@dataclass(frozen=True)
class Calendar:
    """One edition of the calendar: where it comes from and its rules, in file order."""

    source: str
    edition: str
    rules: tuple[Rule, ...]
    tracks: dict[str, BoosterTrack]
    settings: Settings

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
    _check(rules, tracks)
    return Calendar(raw["source"], raw["edition"], rules, tracks, parsed_settings)


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
        born_on_or_after=date.fromisoformat(raw["born_on_or_after"]) if "born_on_or_after" in raw else None,
        then_every=age("then_every"),
        after_catch_up=raw.get("after_catch_up"),
        season=_season(raw["season"], where) if "season" in raw else None,
        note=raw.get("note", ""),
    )


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
    )


def _check(rules: tuple[Rule, ...], tracks: dict[str, BoosterTrack]) -> None:
    """Cross-checks: unique ids, known vaccines, each kind's required fields."""
    seen: set[str] = set()
    for rule in rules:
        where = f"rule {rule.id}"
        if rule.id in seen:
            raise ValueError(f"{where}: the id appears twice")
        seen.add(rule.id)
        for code in filter(None, (rule.vaccine, rule.after_catch_up)):
            if vaccine_by_code(code) is None:
                raise ValueError(f"{where}: unknown vaccine code {code!r}")
        if rule.kind == "booster" and rule.series not in tracks:
            raise ValueError(f"{where}: no booster track for series {rule.series!r}")
        if rule.kind == "seasonal" and rule.season is None:
            raise ValueError(f"{where}: a seasonal rule needs 'season'")
        if rule.kind != "seasonal" and rule.season is not None:
            raise ValueError(f"{where}: only seasonal rules have a 'season'")
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
    for track in tracks.values():
        if vaccine_by_code(track.counts) is None:
            raise ValueError(f"booster track {track.series}: unknown vaccine code {track.counts!r}")
        kinds = {r.kind for r in rules if r.series == track.series}
        if kinds != {"booster"}:
            raise ValueError(f"booster track {track.series}: its series must hold booster rules only")
