"""What people type in `mes profile` and `mes vaccins`, in English or French: French words, decimal commas and
blood groups typed with a zero are stored as the API's values; a refusal names the option as it was typed,
lists the accepted values (with the French words taken) or gives the bound, in the person's language."""

from __future__ import annotations

import pytest

from mes_cli import i18n
from support.flows import active_person

SEVERITIES = "mild (légère, léger, faible), moderate (modérée, modéré, moyenne), severe (sévère, grave)"


def in_language(language: str, message: str | tuple[str, str], **values) -> str:
    """``message`` (or a (singular, plural) pair, counted by ``n``) as the catalogue gives it in ``language``,
    filled in; French must differ from English."""
    token = i18n.use(language)
    try:
        translated = i18n._(message) if isinstance(message, str) else i18n.ngettext(*message, values["n"])
    finally:
        i18n.restore(token)
    english = message if isinstance(message, str) else message[values["n"] != 1]
    assert language == "en" or translated != english, f"no French for {message!r}"
    return translated.format(**values)


def _entry(mes, section: str, entry_id: str) -> dict:
    profile = mes.ok("profile", "show")
    return next(e for s in profile["sections"] if s["section"] == section for e in s["entries"]
                if e["id"] == entry_id)


def test_french_words_and_decimal_commas_are_stored_as_the_api_values(mes):
    active_person(mes)
    for typed, stored in [("sévère", "severe"), ("GRAVE", "severe"), ("Modérée", "moderate"),
                          ("modere", "moderate"), ("légère", "mild"), ("Léger", "mild"), ("severe", "severe")]:
        entry = mes.ok("profile", "add", "allergy", "--substance", "pollen", "--severity", typed)
        assert entry["fields"]["severity"] == stored, typed
    weight = mes.ok("profile", "add", "measure", "--kind", "poids", "--value", "62,5")
    assert weight["fields"]["kind"] == "weight" and weight["fields"]["value"] == 62.5
    height = mes.ok("profile", "add", "measure", "--kind", "Taille", "--value", "172.5")
    assert height["fields"]["kind"] == "height" and height["fields"]["value"] == 172.5
    pressure = mes.ok("profile", "add", "measure", "--kind", "tension artérielle", "--systolic", "125",
                      "--diastolic", "80")
    assert pressure["fields"]["kind"] == "blood_pressure"
    edited = mes.ok("profile", "edit", weight["id"], "--set", "value=63,2")
    assert edited["fields"]["value"] == 63.2 and _entry(mes, "measures", weight["id"])["fields"]["value"] == 63.2
    allergy = mes.ok("profile", "add", "allergy", "--substance", "latex")
    assert mes.ok("profile", "edit", allergy["id"], "--set", "severity=grave")["fields"]["severity"] == "severe"
    disease = mes.ok("profile", "add", "disease", "--name", "asthme")
    assert mes.ok("profile", "edit", disease["id"], "--set", "ongoing=non")["fields"]["ongoing"] is False


@pytest.mark.parametrize("typed, stored", [("0+", "O+"), ("0-", "O-"), ("o+", "O+"), ("O pos", "O+"),
                                           ("ab négatif", "AB-"), ("A positif", "A+"), ("B-", "B-")])
def test_a_blood_group_typed_with_a_zero_or_in_words(local_mes, typed, stored):
    active_person(local_mes)
    local_mes.ok("profile", "blood-group", typed)
    assert local_mes.ok("profile", "show")["blood_group"] == stored


def test_vaccination_doses_and_profile_sections_in_french(mes):
    active_person(mes)
    booster = mes.ok("vaccins", "add", "--vaccine", "DTPOLIO", "--date", "01/06/2020", "--dose", "rappel")
    first = mes.ok("vaccins", "add", "--vaccine", "ROR", "--date", "01/06/2020", "--dose", "Première")
    assert (booster["dose"], first["dose"]) == ("booster", "first")
    assert mes.ok("profile", "not-concerned", "antécédents familiaux")["section"] == "family_history"
    assert mes.ok("profile", "not-concerned", "Allergie")["section"] == "allergies"
    assert mes.ok("profile", "not-concerned", "treatments")["section"] == "treatments"


ACCEPTED = "Accepted values: {accepted}."
NOT_ACCEPTED = "{field}: {value!r} is not accepted."


@pytest.mark.parametrize("language", ["en", "fr"])
def test_refusals_name_the_option_and_say_what_is_accepted(mes, language):
    active_person(mes)
    allergy = mes.ok("profile", "add", "allergy", "--substance", "pollen")
    weight = mes.ok("profile", "add", "measure", "--kind", "weight", "--value", "60")
    cases = [
        (["profile", "add", "allergy", "--substance", "x", "--severity", "terrible"],
         [(NOT_ACCEPTED, {"field": "--severity", "value": "terrible"}), (ACCEPTED, {"accepted": SEVERITIES})]),
        (["profile", "edit", allergy["id"], "--set", "severity=bad"],
         [(NOT_ACCEPTED, {"field": "--set severity=…", "value": "bad"}), (ACCEPTED, {"accepted": SEVERITIES})]),
        (["profile", "add", "measure", "--kind", "weight", "--value", "5000"],
         [("{field}: must be less than {bound}.", {"field": "--value", "bound": "1000"})]),
        (["profile", "edit", weight["id"], "--set", "value=5000"],
         [("{field}: must be less than {bound}.", {"field": "--set value=…", "bound": "1000"})]),
        (["profile", "add", "measure", "--kind", "weight", "--value", "soixante"],
         [("{field}: expected {expected}, got {got}.",
           {"field": "--value", "expected": in_language(language, "a number"),
            "got": in_language(language, "text")})]),
        (["profile", "add", "measure", "--kind", "masse", "--value", "60"],
         [(NOT_ACCEPTED, {"field": "--kind", "value": "masse"}),
          (ACCEPTED, {"accepted": "weight (poids), height (taille), blood_pressure (tension, tension artérielle)"})]),
        (["profile", "add", "disease", "--name", "N" * 51],
         [(("{field}: must have at most {n} character.", "{field}: must have at most {n} characters."),
           {"field": "--name", "n": 50})]),
        (["profile", "edit", allergy["id"], "--set", "bogus=1"],
         [("{field}: unknown field.", {"field": "--set bogus=…"}),
          ("Known fields: {accepted}.", {"accepted": "substance, reaction, severity, comment"})]),
        (["profile", "blood-group", "Z+"],
         [(NOT_ACCEPTED, {"field": "GROUP", "value": "Z+"}),
          (ACCEPTED, {"accepted": "A+, A-, B+, B-, AB+, AB-, O+, O-"})]),
        (["profile", "not-concerned", "vaccins"],
         [(NOT_ACCEPTED, {"field": "SECTION", "value": "vaccins"}),
          (ACCEPTED, {"accepted": "disease (maladie, maladies), treatment (traitement, traitements), allergy "
                                  "(allergie, allergies), measure (mesure, mesures), family-history (antécédents "
                                  "familiaux, antécédents)"})]),
        (["vaccins", "add", "--vaccine", "ROR", "--date", "01/06/2020", "--dose", "troisième"],
         [(NOT_ACCEPTED, {"field": "--dose", "value": "troisième"}),
          (ACCEPTED, {"accepted": "first (première, primovaccination), booster (rappel)"})]),
    ]
    for args, sentences in cases:
        result = mes("--lang", language, *args)
        assert result.exit_code == 6 and "[VALIDATION_ERROR]" in result.stderr, (args, result)
        for message, values in sentences:
            assert in_language(language, message, **values) in result.stderr, (args, message, result.stderr)
    assert mes.ok("vaccins", "list") == []
    assert _entry(mes, "allergies", allergy["id"])["fields"] == {"substance": "pollen"}
    assert _entry(mes, "measures", weight["id"])["fields"]["value"] == 60


def test_the_french_words_belong_to_values_the_commands_take():
    """A French word is only useful for a value some option takes (a stale one would never be read)."""
    import typing

    from mes_cli.cli.input import FRENCH_WORDS
    from mes_cli.cli.profile import SECTION_NAMES
    from mes_cli.contract import models as m

    enumerations = [m.Severity, m.MeasureKind, m.DoseKind]
    taken = {*(v for kind in enumerations for v in typing.get_args(kind)), "true", "false", *SECTION_NAMES}
    assert set(FRENCH_WORDS) <= taken, set(FRENCH_WORDS) - taken
    assert set(FRENCH_WORDS) >= {v for kind in enumerations for v in typing.get_args(kind)}
