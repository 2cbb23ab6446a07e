"""One language at a time in what people read: the readable profile, the calendar file (a child's
too), prompts, the space's state and the channel a code went by — English with --lang en, French
with --lang fr, never a French sentence in English output — in-process and over HTTP."""

from __future__ import annotations

import datetime as dt
import re

import icalendar

from mes_cli import i18n
from support.cli import Mes
from support.flows import active_person, last_message, seed
from support.people import person

FRENCH_IN_THE_PROFILE = ("Profil médical", "né(e)", "groupe sanguin", "Maladies", "Traitements", "Antécédents",
                         "Mesures", "non concerné", "rien de renseigné")


def french(message: str) -> str:
    token = i18n.use("fr")
    try:
        return i18n._(message)
    finally:
        i18n.restore(token)


def _readable_profile(mes: Mes, language: str) -> str:
    result = mes("--lang", language, "profile", "show", "--format", "table")
    assert result.exit_code == 0, result
    return result.stdout


def test_the_readable_profile_is_all_english_with_lang_en(mes):
    p = active_person(mes)
    mes.ok("profile", "add", "allergy", "--substance", "Arachide")
    mes.ok("profile", "not-concerned", "treatment")
    born = dt.date.fromisoformat(p["birth_date"]).strftime("%d/%m/%Y")
    shown = _readable_profile(mes, "en")
    assert shown.startswith(f"Medical profile of {p['first_name']} {p['last_name']} (born on {born}) — "
                            "blood group not given\n"), shown
    for title in ("Diseases and health topics", "Treatments", "Allergies", "Family history", "Measures"):
        assert f"\n{title}\n" in shown
    assert "  not concerned\n" in shown and "  (nothing entered)\n" in shown and "Arachide" in shown
    assert not [word for word in FRENCH_IN_THE_PROFILE if word in shown], shown
    mes.ok("profile", "blood-group", "O+")
    assert "— blood group: O+\n" in _readable_profile(mes, "en")


def test_the_readable_profile_is_all_french_with_lang_fr(mes):
    p = active_person(mes)
    mes.ok("profile", "not-concerned", "treatment")
    born = dt.date.fromisoformat(p["birth_date"]).strftime("%d/%m/%Y")
    shown = _readable_profile(mes, "fr")
    assert shown.startswith(f"Profil médical de {p['first_name']} {p['last_name']} (né(e) le {born}) — "
                            "groupe sanguin non renseigné\n"), shown
    for title in ("Maladies et sujets de santé", "Traitements", "Allergies", "Antécédents familiaux", "Mesures"):
        assert f"\n{title}\n" in shown
    assert "  non concerné(e)\n" in shown and "  (rien de renseigné)\n" in shown
    mes.ok("profile", "blood-group", "AB-")
    assert "— groupe sanguin : AB-\n" in _readable_profile(mes, "fr")


def test_json_keeps_the_section_codes_and_the_servers_labels_in_both_languages(mes):
    active_person(mes)
    english = mes.ok("--lang", "en", "profile", "show", "--format", "json")["sections"]
    in_french = mes.ok("--lang", "fr", "profile", "show", "--format", "json")["sections"]
    assert english == in_french
    assert [(s["section"], s["label"]) for s in english][:2] == [("diseases", "Maladies et sujets de santé"),
                                                                  ("treatments", "Traitements")]


# -- the calendar file --------------------------------------------------------------------------

def _family_with_hugo(mes: Mes) -> None:
    """A parent with Hugo (born 14/09/2019) attached, and Hugo's hexavalent doses recorded."""
    hugo = person(first_name="Hugo", email=None, mobile=None)
    child = {k: hugo[k] for k in ("nir", "first_name", "last_name", "card_serial")} | {"birth_date": "2019-09-14"}
    active_person(mes, children=[child])
    code = last_message(mes, child["nir"])["code"]
    mes.ok("children", "link", "--code", code, "--birth-date", child["birth_date"], "--certify")
    for day, dose in (("14/11/2019", "first"), ("14/01/2020", "first"), ("14/08/2020", "booster")):
        mes.ok("--for", "Hugo", "vaccins", "add", "--vaccine", "HEXA", "--date", day, "--dose", dose)


def _calendar(mes: Mes, tmp_path, language: str, *who: str) -> icalendar.Calendar:
    target = tmp_path / f"rappels-{language}.ics"
    result = mes("--lang", language, *who, "vaccins", "reminders", "--at", "01/10/2025", "--ics", str(target))
    assert result.exit_code == 0, result
    return icalendar.Calendar.from_ical(target.read_bytes())


def _events(calendar: icalendar.Calendar) -> list:
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def test_a_childs_calendar_names_the_child_in_english(mes, tmp_path):
    _family_with_hugo(mes)
    calendar = _calendar(mes, tmp_path, "en", "--for", "Hugo")
    events = _events(calendar)
    assert str(calendar.get("X-WR-CALNAME")) == "Vaccination reminders — Hugo"
    assert events and all(str(e.get("SUMMARY")).startswith("Hugo: ") and str(e.get("SUMMARY")).endswith(" due")
                          for e in events)
    assert "Hugo: DTaP-IPV booster due" in [str(e.get("SUMMARY")) for e in events]
    assert all(e.get("SUMMARY").params["LANGUAGE"] == "en" for e in events)
    for event in events:
        description = str(event.get("DESCRIPTION"))
        assert "\nSource: " in description and " à faire" not in description
        assert not re.search(r"Vaccin |Rappel| : ", str(event.get("SUMMARY")))


def test_a_childs_calendar_names_the_child_in_french(mes, tmp_path):
    _family_with_hugo(mes)
    calendar = _calendar(mes, tmp_path, "fr", "--for", "Hugo")
    events = _events(calendar)
    assert str(calendar.get("X-WR-CALNAME")) == "Rappels de vaccination — Hugo"
    assert events and all(str(e.get("SUMMARY")).startswith("Hugo : ") and str(e.get("SUMMARY")).endswith(" à faire")
                          for e in events)
    assert "Hugo : DTCaPolio, rappel à faire" in [str(e.get("SUMMARY")) for e in events]
    assert all(e.get("DESCRIPTION").params["LANGUAGE"] == "fr" for e in events)
    assert all("\nSource : " in str(e.get("DESCRIPTION")) for e in events)
    assert not any(" due" in str(e.get("SUMMARY")) or "booster" in str(e.get("DESCRIPTION")) for e in events)


def test_ones_own_calendar_names_nobody_and_keeps_its_uids_in_both_languages(mes, tmp_path):
    active_person(mes, birth_date="1956-03-10")
    english, in_french = _calendar(mes, tmp_path, "en"), _calendar(mes, tmp_path, "fr")
    assert str(english.get("X-WR-CALNAME")) == "Vaccination reminders"
    assert str(in_french.get("X-WR-CALNAME")) == "Rappels de vaccination"
    assert [str(e.get("UID")) for e in _events(english)] == [str(e.get("UID")) for e in _events(in_french)]
    assert all(str(e.get("SUMMARY"))[:1].isupper() and not str(e.get("SUMMARY")).startswith("Jeanne")
               for e in _events(english) + _events(in_french))


# -- prompts, states, channels ------------------------------------------------------------------

def test_prompts_put_a_space_before_the_colon_in_french_only(local_mes):
    in_french = local_mes("--lang", "fr", "login", tty=True, stdin="")
    assert in_french.exit_code == 130 and f"{french('Identifier')} : " in in_french.stderr
    english = local_mes("--lang", "en", "login", tty=True, stdin="")
    assert english.exit_code == 130 and "Identifier: " in english.stderr
    nir = local_mes("--lang", "en", "new-code", tty=True, stdin="")
    assert "NIR (social security number): " in nir.stderr and "numéro" not in nir.stderr


def test_the_space_state_is_said_in_words_not_as_a_code(mes):
    english_person, french_person = seed(mes), seed(mes)
    english = mes("--lang", "en", "activate", "--code", english_person["code"], "--nir", english_person["nir"],
                  "--serial", english_person["card_serial"], "--birth-date", english_person["birth_date"])
    greeting = re.search(r"your space is ([^.]+)\.", english.stderr)
    assert greeting and greeting[1] in ("not created yet", "created, not activated yet"), english
    in_french = mes("--lang", "fr", "activate", "--code", french_person["code"], "--nir", french_person["nir"],
                    "--serial", french_person["card_serial"], "--birth-date", french_person["birth_date"])
    greeting = re.search(r"votre espace est ([^.]+)\.", in_french.stderr)
    assert greeting and greeting[1] in ("pas encore créé", "créé, pas encore activé"), in_french
    assert "l'état" not in in_french.stderr


def test_a_code_is_said_sent_by_e_mail_or_sms(mes):
    p = active_person(mes)
    args = ("login", "--identifier", p["identifier"], "--password-stdin")
    english = mes("--lang", "en", *args, "--channel", "email", stdin=p["password"] + "\n")
    assert english.exit_code == 0 and "sent by e-mail to" in english.stderr, english
    by_sms = mes("--lang", "fr", *args, "--channel", "sms", stdin=p["password"] + "\n")
    assert by_sms.exit_code == 0 and "envoyé par SMS à" in by_sms.stderr, by_sms
    assert "par sms" not in by_sms.stderr and "par email" not in by_sms.stderr
