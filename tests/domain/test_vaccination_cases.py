"""Worked cases written from the 2025 calendar's text, one line of it each.

Each case is a person (date of birth), what their booklet holds, the day asked about, the
exact set of (vaccine, dose, status, earliest date) the engine must list with the default
12-month horizon, and the calendar line it comes from.  The dates were worked out by hand
from the calendar's ages and intervals (relativedelta from the birth date) and the [ours]
tolerances of calendar-2025.json: a dose may be 1 month early; a dose with no window end
is "due" for 1 month, then "overdue"; "upcoming" = within 12 months, the next dose of each
series only, except in a series with a due or overdue dose, where every missing dose is
listed with its earliest date (the previous one counted as given on the day asked about).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from mes_cli.domain.vaccination import Dose, next_doses, reminders

LATE = "catch-up booster (booster at {age} missed)"


def d(text: str) -> date:
    return date.fromisoformat(text)


def doses(*pairs: tuple[str, str]) -> list[Dose]:
    return [Dose(code, d(day)) for code, day in pairs]


@dataclass(frozen=True)
class Case:
    id: str
    cites: str  # the calendar line (or transition rule) the expectation comes from
    birth: str
    booklet: list[Dose]
    at: str
    expected: set[tuple[str, str, str, str]] = field(default_factory=set)


# Booklets reused below (every dose on the day the calendar recommends it).
INFANT_2025 = doses(  # born 2025-02-01, complete at 13 months
    ("HEXA", "2025-04-01"), ("PCV", "2025-04-01"), ("ROTAVIRUS", "2025-04-01"), ("MENB", "2025-05-01"),
    ("ROTAVIRUS", "2025-05-01"), ("HEXA", "2025-06-01"), ("PCV", "2025-06-01"), ("MENB", "2025-07-01"),
    ("MENACWY", "2025-08-01"), ("HEXA", "2026-01-01"), ("PCV", "2026-01-01"), ("ROR", "2026-02-01"),
    ("MENB", "2026-02-01"), ("MENACWY", "2026-02-01"),
)
HEXA_PCV_2023 = doses(  # born 2023-09-15: hexavalent and pneumococcal at 2, 4, 11 months; MMR at 12 and 16
    ("HEXA", "2023-11-15"), ("PCV", "2023-11-15"), ("HEXA", "2024-01-15"), ("PCV", "2024-01-15"),
    ("HEXA", "2024-08-15"), ("PCV", "2024-08-15"), ("ROR", "2024-09-15"), ("ROR", "2025-01-15"),
)
CHILD_2011 = doses(  # born 2011-05-01: the infant series, MMR twice, DTCaPolio at 6, nothing since
    ("HEXA", "2011-07-01"), ("PCV", "2011-07-01"), ("HEXA", "2011-09-01"), ("PCV", "2011-09-01"),
    ("HEXA", "2012-04-01"), ("PCV", "2012-04-01"), ("ROR", "2012-05-01"), ("ROR", "2012-09-01"),
    ("DTCAPOLIO", "2017-05-01"),
)
MMR_1985 = doses(("ROR", "1986-06-01"), ("ROR", "1986-10-01"))
ADULT_2000 = doses(  # born 2000-07-01: MMR twice, dTcaPolio, HPV twice and ACWY at 12
    ("ROR", "2001-07-01"), ("ROR", "2001-11-01"), ("DTCAPOLIO_RAPPEL", "2012-07-01"), ("HPV", "2012-07-01"),
    ("HPV", "2013-01-01"), ("MENACWY", "2012-07-01"),
)

CASES = [
    # -- infants born from 1 January 2025 --------------------------------------------------------
    Case("infant-2025-empty-6-weeks",
         "Calendrier 2025, nourrissons: 2 mois hexavalent + pneumocoque; 3 et 5 mois méningocoque B; 6 mois "
         "ACWY; 12 mois ROR; rotavirus dès 6 semaines (HAS 2022): the first dose of each series within 12 months",
         "2025-02-01", [], "2025-03-15",
         {("HEXA", "dose 1", "upcoming", "2025-04-01"), ("PCV", "dose 1", "upcoming", "2025-04-01"),
          ("ROTAVIRUS", "dose 1", "upcoming", "2025-04-01"), ("MENB", "dose 1", "upcoming", "2025-05-01"),
          ("MENACWY", "dose 1", "upcoming", "2025-08-01"), ("ROR", "dose 1", "upcoming", "2026-02-01")}),
    Case("infant-2025-partial-missed-4-months",
         "Calendrier 2025: 4 mois hexavalent + pneumocoque (2 mois après la 1re dose); rappel à 11 mois au moins "
         "6 mois après (règles de transition); méningocoque B 5 mois puis rappel 12 mois au moins 6 mois après; "
         "rotavirus: 2e dose au moins 4 semaines après, avant 24 semaines",
         "2025-02-01",
         doses(("HEXA", "2025-04-01"), ("PCV", "2025-04-01"), ("ROTAVIRUS", "2025-04-01"), ("MENB", "2025-05-01")),
         "2025-07-15",
         {("HEXA", "dose 2", "overdue", "2025-06-01"), ("PCV", "dose 2", "overdue", "2025-06-01"),
          ("ROTAVIRUS", "dose 2", "overdue", "2025-05-01"), ("MENB", "dose 2", "due", "2025-07-01"),
          ("HEXA", "booster", "upcoming", "2026-01-15"),  # 6 months after a dose 2 given today
          ("PCV", "booster", "upcoming", "2026-01-01"),
          ("MENB", "booster", "upcoming", "2026-02-01"),
          ("MENACWY", "dose 1", "upcoming", "2025-08-01"), ("ROR", "dose 1", "upcoming", "2026-02-01")}),
    Case("infant-2025-complete-13-months",
         "Calendrier 2025: ROR 2e dose entre 16 et 18 mois; the infant series are complete",
         "2025-02-01", INFANT_2025, "2026-03-01",
         {("ROR", "dose 2", "upcoming", "2026-06-01")}),
    # -- children born from July 2023 (before 2025): the 2025 obligations and transition rules -----
    Case("born-sept-2023-menc-twice-no-menb",
         "Décret 2024-694: ACWY et B obligatoires depuis le 1er janvier 2025, y compris pour les enfants nés à "
         "partir de juillet 2023; une dose de méningocoque C reçue avant 2025 est suivie de la dose de 12 mois "
         "en ACWY; rattrapage B de 12 à 23 mois: 2 doses à 2 mois d'intervalle puis un rappel 12 à 23 mois après",
         "2023-09-15", [*HEXA_PCV_2023, *doses(("MENC", "2024-02-15"), ("MENC", "2024-09-15"))], "2025-03-01",
         {("MENACWY", "booster", "overdue", "2024-09-15"),
          ("MENB", "dose 1", "overdue", "2024-09-15"),
          ("MENB", "dose 2", "upcoming", "2025-05-01"),
          ("MENB", "booster", "upcoming", "2026-05-01")}),
    Case("born-october-2024-empty-at-3-months",
         "Décret 2024-694 (in force 1 January 2025) and the 2025 infant schedule: an infant born in 2024 gets "
         "MenB at 3 and 5 months then 12; a series with a missed dose lists its later doses with their spacing "
         "(hexavalent 1 month then 6 months, pneumococcal 2 months, rotavirus 4 weeks before 24 weeks)",
         "2024-10-01", [], "2025-01-20",
         {("HEXA", "dose 1", "overdue", "2024-12-01"), ("HEXA", "dose 2", "upcoming", "2025-02-20"),
          ("HEXA", "booster", "upcoming", "2025-09-01"),
          ("PCV", "dose 1", "overdue", "2024-12-01"), ("PCV", "dose 2", "upcoming", "2025-03-20"),
          ("PCV", "booster", "upcoming", "2025-09-01"),
          ("ROTAVIRUS", "dose 1", "overdue", "2024-12-01"), ("ROTAVIRUS", "dose 2", "upcoming", "2025-02-17"),
          ("MENB", "dose 1", "due", "2025-01-01"), ("MENB", "dose 2", "upcoming", "2025-03-20"),
          ("MENB", "booster", "upcoming", "2025-10-01"),
          ("MENACWY", "dose 1", "upcoming", "2025-04-01"), ("ROR", "dose 1", "upcoming", "2025-10-01")}),
    Case("born-january-2023-complete-by-its-calendar",
         "HAS 2025: ACWY extended to the children already vaccinated against meningococcal C (transitional "
         "catch-up to 4 years completed): after MenC at 5 and 12 months, one ACWY dose",
         "2023-01-10",
         doses(("HEXA", "2023-03-10"), ("PCV", "2023-03-10"), ("MENB", "2023-04-10"), ("HEXA", "2023-05-10"),
               ("PCV", "2023-05-10"), ("MENC", "2023-06-10"), ("MENB", "2023-06-10"), ("HEXA", "2023-12-10"),
               ("PCV", "2023-12-10"), ("ROR", "2024-01-10"), ("MENC", "2024-01-10"), ("MENB", "2024-01-10"),
               ("ROR", "2024-05-10")),
         "2025-06-01",
         {("MENACWY", "booster", "overdue", "2024-01-10")}),
    Case("born-march-2023-no-meningococcal",
         "HAS mars 2025 / Assurance Maladie: rattrapage transitoire B et ACWY jusqu'à 4 ans révolus; à partir de "
         "12 mois une dose unique ACWY; à partir de 2 ans, 2 doses de Bexsero",
         "2023-03-10", [], "2025-06-01",
         {("HEXA", "dose 1", "overdue", "2023-05-10"), ("HEXA", "dose 2", "upcoming", "2025-07-01"),
          ("HEXA", "booster", "upcoming", "2026-01-01"),
          ("ROR", "dose 1", "overdue", "2024-03-10"), ("ROR", "dose 2", "upcoming", "2025-07-01"),
          ("MENACWY", "single dose", "overdue", "2024-03-10"),
          ("MENB", "dose 1", "overdue", "2025-03-10"), ("MENB", "dose 2", "upcoming", "2025-08-01")}),
    Case("meningococcal-catch-up-ends-at-5",
         "Rattrapage méningocoques B et ACWY jusqu'à 4 ans révolus: listed until the day before the 5th birthday",
         "2020-03-01", [*doses(("HEXA", "2020-05-01"), ("HEXA", "2020-07-01"), ("HEXA", "2021-02-01"),
                               ("ROR", "2021-03-01"), ("ROR", "2021-07-01"))], "2025-02-28",
         {("MENACWY", "single dose", "overdue", "2021-03-01"), ("MENB", "dose 1", "overdue", "2022-03-01")}),
    Case("meningococcal-catch-up-over-at-5",
         "Rattrapage jusqu'à 4 ans révolus: nothing from the 5th birthday (DTCaPolio at 6 comes within a year)",
         "2020-03-01", [*doses(("HEXA", "2020-05-01"), ("HEXA", "2020-07-01"), ("HEXA", "2021-02-01"),
                               ("ROR", "2021-03-01"), ("ROR", "2021-07-01"))], "2025-03-01",
         {("DTCAPOLIO", "booster", "upcoming", "2026-03-01")}),
    # -- a child who had meningococcal C at 5 months (2024) ---------------------------------------
    Case("menc-at-5-months-before-2025",
         "Calendrier 2025: les nourrissons ayant reçu une première dose de méningocoque C avant le 1er janvier "
         "reçoivent à 12 mois une dose ACWY; méningocoque B obligatoire, rattrapage de 6 à 11 mois: 2 doses à "
         "2 mois d'intervalle puis un rappel dans la 2e année",
         "2024-06-01",
         doses(("HEXA", "2024-08-01"), ("PCV", "2024-08-01"), ("HEXA", "2024-10-01"), ("PCV", "2024-10-01"),
               ("MENC", "2024-11-01"), ("HEXA", "2025-05-01"), ("PCV", "2025-05-01")),
         "2025-05-01",
         {("MENB", "dose 1", "overdue", "2024-12-01"), ("MENB", "dose 2", "upcoming", "2025-07-01"),
          ("MENB", "booster", "upcoming", "2025-09-01"),
          ("MENACWY", "booster", "upcoming", "2025-06-01"), ("ROR", "dose 1", "upcoming", "2025-06-01")}),
    Case("hugo-issue-example",
         "The issue's Hugo: MenC at 5 months before 2025 -> the 12-month dose as ACWY (catch-up to the 5th "
         "birthday); MenB compulsory (born from July 2023), from 2 years 2 doses; ROR 2e dose à 16-18 mois",
         "2024-03-10",
         doses(("HEXA", "2024-05-10"), ("PCV", "2024-05-10"), ("HEXA", "2024-07-10"), ("PCV", "2024-07-10"),
               ("MENC", "2024-08-10"), ("HEXA", "2025-02-10"), ("PCV", "2025-02-10"), ("ROR", "2025-03-10")),
         "2026-12-06",
         {("MENACWY", "booster", "overdue", "2025-03-10"), ("ROR", "dose 2", "overdue", "2025-07-10"),
          ("MENB", "dose 1", "overdue", "2026-03-10"), ("MENB", "dose 2", "upcoming", "2027-02-06")}),
    # -- an adolescent of 14 with nothing since 6 years --------------------------------------------
    Case("adolescent-14-nothing-since-6",
         "Calendrier 2025: dTcaPolio à 11-13 ans; HPV 2 doses de 11 à 14 ans (au moins 5 mois d'intervalle); "
         "ACWY une dose de 11 à 14 ans quelle que soit la vaccination antérieure",
         "2011-05-01", CHILD_2011, "2025-06-01",
         {("DTCAPOLIO_RAPPEL", "booster", "overdue", "2022-05-01"), ("HPV", "dose 1", "due", "2022-05-01"),
          ("HPV", "dose 2", "upcoming", "2025-11-01"), ("MENACWY", "adolescent dose", "due", "2022-05-01")}),
    Case("adolescent-15-hpv-takes-3-doses",
         "Calendrier 2025 (décembre): rattrapage HPV de 15 à 26 ans révolus en 3 doses (M0, M2, M6); ACWY "
         "rattrapage de 15 à 24 ans",
         "2010-05-01", [*CHILD_2011[:8], Dose("DTCAPOLIO_RAPPEL", d("2022-05-01"))], "2025-06-01",
         {("HPV", "dose 1", "due", "2025-05-01"), ("HPV", "dose 2", "upcoming", "2025-07-01"),
          ("HPV", "dose 3", "upcoming", "2025-10-01"), ("MENACWY", "adolescent dose", "overdue", "2021-05-01")}),
    # -- adults ------------------------------------------------------------------------------------
    Case("adult-25-booster-due",
         "Calendrier 2025: rappel dTcaPolio à 25 ans",
         "2000-07-01", ADULT_2000, "2025-07-15",
         {("DTCAPOLIO_RAPPEL", "booster at 25", "due", "2025-07-01")}),
    Case("adult-25-booster-given",
         "Calendrier 2025: après le rappel de 25 ans, le suivant à 45 ans (beyond 12 months)",
         "2000-07-01", [*ADULT_2000, Dose("DTCAPOLIO_RAPPEL", d("2025-07-02"))], "2025-07-15", set()),
    Case("adult-39-missed-25-pertussis-catch-up",
         "Calendrier 2025: rattrapage de la coqueluche (dTcaPolio) jusqu'à 39 ans révolus chez l'adulte n'ayant "
         "pas reçu le rappel de 25 ans",
         "1985-06-01", [*MMR_1985, Dose("DTCAPOLIO_RAPPEL", d("1997-06-01"))], "2025-05-15",
         {("DTCAPOLIO_RAPPEL", LATE.format(age=25), "overdue", "2010-06-01")}),
    Case("adult-40-missed-25-after-pertussis-limit",
         "Rattrapage des rappels dTP chez l'adulte: le rappel manqué est fait sans attendre; la coqueluche n'est "
         "plus rattrapée après 39 ans révolus (a dTP booster, given with a dTcaPolio vaccine since 2024)",
         "1985-06-01", [*MMR_1985, Dose("DTCAPOLIO_RAPPEL", d("1997-06-01"))], "2025-07-01",
         {("DTPOLIO", LATE.format(age=25), "overdue", "2010-06-01")}),
    Case("adult-40-booster-at-25",
         "Calendrier 2025: rappels à 25, 45 ans: nothing within 12 months (see test_next_booster_however_far)",
         "1985-06-01", [*MMR_1985, Dose("DTCAPOLIO_RAPPEL", d("2010-06-01"))], "2025-07-01", set()),
    Case("adult-45-booster-due",
         "Calendrier 2025: rappel dTPolio à 45 ans",
         "1980-03-01", doses(("ROR", "1981-03-01"), ("ROR", "1981-07-01"), ("DTCAPOLIO_RAPPEL", "2005-03-01")),
         "2025-03-15",
         {("DTPOLIO", "booster at 45", "due", "2025-03-01")}),
    Case("adult-45-booster-at-42-skips-45",
         "Rattrapage des rappels dTP chez l'adulte: le rappel suivant à l'âge fixe distant de plus de 5 ans",
         "1980-03-01", doses(("ROR", "1981-03-01"), ("ROR", "1981-07-01"), ("DTPOLIO", "2022-03-01")),
         "2025-03-15", set()),
    Case("adult-64-everything-at-65-upcoming",
         "Calendrier 2025, 65 ans et plus: rappel dTPolio, pneumocoque (une dose), zona (2 doses), grippe et "
         "Covid-19 chaque automne (season 2025-2026 from the 65th birthday)",
         "1961-01-10", doses(("DTPOLIO", "2006-01-10")), "2025-01-15",
         {("DTPOLIO", "booster at 65", "upcoming", "2026-01-10"),
          ("PNEUMO_ADULTE", "single dose", "upcoming", "2026-01-10"), ("ZONA", "dose 1", "upcoming", "2026-01-10"),
          ("GRIPPE", "yearly dose 2025–2026", "upcoming", "2026-01-10"),
          ("COVID19", "yearly dose 2025–2026", "upcoming", "2026-01-10")}),
    Case("adult-65-with-booster-at-45",
         "Calendrier 2025 à 65 ans: rappel dTPolio, pneumocoque, zona (2e dose 2 mois après), grippe et Covid-19 "
         "à l'automne",
         "1960-04-01", doses(("DTPOLIO", "2005-04-01")), "2025-04-15",
         {("DTPOLIO", "booster at 65", "due", "2025-04-01"), ("PNEUMO_ADULTE", "single dose", "due", "2025-04-01"),
          ("ZONA", "dose 1", "due", "2025-04-01"), ("ZONA", "dose 2", "upcoming", "2025-06-15"),
          ("GRIPPE", "yearly dose 2025–2026", "upcoming", "2025-10-01"),
          ("COVID19", "yearly dose 2025–2026", "upcoming", "2025-10-01")}),
    Case("adult-65-without-booster-since-25",
         "Rattrapage des rappels dTP: une seule dose pour tous les âges fixes manqués, nommée d'après le dernier",
         "1960-04-01", doses(("DTPOLIO", "1985-04-01")), "2025-04-15",
         {("DTPOLIO", "booster at 65", "due", "2025-04-01"), ("PNEUMO_ADULTE", "single dose", "due", "2025-04-01"),
          ("ZONA", "dose 1", "due", "2025-04-01"), ("ZONA", "dose 2", "upcoming", "2025-06-15"),
          ("GRIPPE", "yearly dose 2025–2026", "upcoming", "2025-10-01"),
          ("COVID19", "yearly dose 2025–2026", "upcoming", "2025-10-01")}),
    Case("adult-70-up-to-date",
         "Calendrier 2025: après 65 ans, rappels tous les 10 ans (75); grippe et Covid-19 chaque automne",
         "1955-03-10", doses(("DTPOLIO", "2020-03-10"), ("PNEUMO_ADULTE", "2020-04-01"), ("ZONA", "2020-04-01"),
                             ("ZONA", "2020-06-01"), ("GRIPPE", "2025-10-05"), ("COVID19", "2025-10-05")),
         "2025-11-15",
         {("GRIPPE", "yearly dose 2026–2027", "upcoming", "2026-10-01"),
          ("COVID19", "yearly dose 2026–2027", "upcoming", "2026-10-01")}),
    Case("adult-70-nothing",
         "Calendrier 2025, 65 ans et plus, avec le rattrapage du rappel de 65 ans",
         "1955-03-10", [], "2025-11-15",
         {("DTPOLIO", LATE.format(age=65), "overdue", "2020-03-10"),
          ("PNEUMO_ADULTE", "single dose", "overdue", "2020-03-10"), ("ZONA", "dose 1", "overdue", "2020-03-10"),
          ("ZONA", "dose 2", "upcoming", "2026-01-15"),
          ("GRIPPE", "yearly dose 2025–2026", "due", "2025-10-01"),
          ("COVID19", "yearly dose 2025–2026", "due", "2025-10-01")}),
    Case("adult-75-rsv",
         "Calendrier 2025: VRS, une dose à partir de 75 ans; rappel dTPolio à 75 ans",
         "1950-06-01", doses(("DTPOLIO", "2015-06-01"), ("PNEUMO_ADULTE", "2015-07-01"), ("ZONA", "2015-07-01"),
                             ("ZONA", "2015-09-01")), "2025-06-15",
         {("DTPOLIO", "booster at 75", "due", "2025-06-01"), ("VRS", "single dose", "due", "2025-06-01"),
          ("GRIPPE", "yearly dose 2025–2026", "upcoming", "2025-10-01"),
          ("COVID19", "yearly dose 2025–2026", "upcoming", "2025-10-01")}),
    # -- born on 29 February -----------------------------------------------------------------------
    Case("born-29-february-65-on-28-february",
         "Ages by relativedelta: born 29/02/1960, 65 on 28/02/2025; the 2024-2025 influenza season runs to "
         "the end of February [ours], so its dose is due that very day",
         "1960-02-29", doses(("DTPOLIO", "2005-03-01")), "2025-02-28",
         {("DTPOLIO", "booster at 65", "due", "2025-02-28"), ("PNEUMO_ADULTE", "single dose", "due", "2025-02-28"),
          ("ZONA", "dose 1", "due", "2025-02-28"), ("ZONA", "dose 2", "upcoming", "2025-04-28"),
          ("GRIPPE", "yearly dose 2024–2025", "due", "2025-02-28"),
          ("COVID19", "yearly dose 2024–2025", "due", "2025-02-28")}),
    Case("born-29-february-day-before",
         "Same person the day before: still 64 (relativedelta), everything upcoming",
         "1960-02-29", doses(("DTPOLIO", "2005-03-01")), "2025-02-27",
         {("DTPOLIO", "booster at 65", "upcoming", "2025-02-28"),
          ("PNEUMO_ADULTE", "single dose", "upcoming", "2025-02-28"), ("ZONA", "dose 1", "upcoming", "2025-02-28"),
          ("GRIPPE", "yearly dose 2024–2025", "upcoming", "2025-02-28"),
          ("COVID19", "yearly dose 2024–2025", "upcoming", "2025-02-28")}),
    Case("born-29-february-2024-infant",
         "Calendrier 2025 nourrissons, ages by relativedelta: 29/02/2024 + 12 months = 28/02/2025",
         "2024-02-29",
         doses(("HEXA", "2024-04-29"), ("PCV", "2024-04-29"), ("ROTAVIRUS", "2024-04-29"), ("MENB", "2024-05-29"),
               ("ROTAVIRUS", "2024-05-29"), ("HEXA", "2024-06-29"), ("PCV", "2024-06-29"), ("MENB", "2024-07-29"),
               ("MENACWY", "2024-08-29"), ("HEXA", "2025-01-29"), ("PCV", "2025-01-29")),
         "2025-02-28",
         {("ROR", "dose 1", "due", "2025-02-28"), ("ROR", "dose 2", "upcoming", "2025-06-29"),
          ("MENB", "booster", "due", "2025-02-28"), ("MENACWY", "booster", "due", "2025-02-28")}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_worked_case(case: Case) -> None:
    assert case.cites  # every case says which line of the calendar it comes from
    listed = reminders(d(case.birth), case.booklet, d(case.at))
    assert {(r.vaccine, r.dose, r.status, r.due_from.isoformat()) for r in listed} == case.expected
    assert all(r.source and r.series and r.reason for r in listed)


def test_next_booster_however_far() -> None:
    """An adult of 40 who had the 25-year booster: `next` gives 45 (and what comes at 65, 75, 80)."""
    coming = next_doses(d("1985-06-01"), [*MMR_1985, Dose("DTCAPOLIO_RAPPEL", d("2010-06-01"))], d("2025-07-01"))
    assert [(r.vaccine, r.dose, r.due_from.isoformat()) for r in coming] == [
        ("DTPOLIO", "booster at 45", "2030-06-01"),
        ("PNEUMO_ADULTE", "single dose", "2050-06-01"),
        ("ZONA", "dose 1", "2050-06-01"),
        ("GRIPPE", "yearly dose 2050–2051", "2050-10-01"),
        ("COVID19", "yearly dose 2050–2051", "2050-10-01"),
        ("VRS", "single dose", "2060-06-01"),
        ("COVID19", "spring dose 2065", "2065-06-01"),
    ]
    assert all(r.status == "upcoming" for r in coming)


def test_the_issue_adult_born_1985_names_the_catch_up_and_why() -> None:
    """Born 1985, never had the 25-year booster, asked in 2026: a catch-up, with why the product differs."""
    (booster,) = [r for r in reminders(d("1985-04-20"), [*MMR_1985, Dose("DTCAPOLIO_RAPPEL", d("1997-04-20"))],
                                       d("2026-06-15")) if r.series == "dtp-adult"]
    assert (booster.vaccine, booster.dose, booster.product) == ("DTPOLIO", LATE.format(age=25), "DTCAPOLIO_RAPPEL")
    assert "Td-IPV rather than the Tdap-IPV of this booster: the pertussis catch-up ends at 39 years completed " \
           "(over since 20/04/2025)" in booster.reason
    assert "given with a Tdap-IPV vaccine: no Td-IPV vaccine is on the market" in booster.reason
    assert "booster at 25 is" not in booster.reason


def test_a_late_dose_says_what_it_waits_for() -> None:
    """An empty booklet at 18 months: the hexavalent doses 1, 2 and 3, each with its earliest date."""
    listed = [r for r in reminders(d("2024-01-15"), [], d("2025-07-15")) if r.series == "hexa"]
    assert [(r.dose, r.status, r.due_from.isoformat(), r.waits_for) for r in listed] == [
        ("dose 1", "overdue", "2024-03-15", None),
        ("dose 2", "upcoming", "2025-08-15", "hexa-1"),
        ("booster", "upcoming", "2026-02-15", "hexa-2"),
    ]
    assert "at least 6 months after dose 2, which is not recorded yet: counted from 15/08/2025" in listed[2].reason


def test_the_dose_reads_in_the_language_asked_for_while_dose_stays_english() -> None:
    from mes_cli import i18n

    token = i18n.use("fr")
    try:
        (due,) = reminders(d("2000-07-01"), ADULT_2000, d("2025-07-15"))
    finally:
        i18n.restore(token)
    assert (due.dose, due.dose_label) == ("booster at 25", "rappel à 25 ans")
    (english,) = reminders(d("2000-07-01"), ADULT_2000, d("2025-07-15"))
    assert english.dose_label == english.dose == "booster at 25"
