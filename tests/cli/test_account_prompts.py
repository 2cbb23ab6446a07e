"""Activation at a terminal as a new user meets it: nothing is asked that cannot succeed, and an unclear answer
is asked again — in-process and over HTTP."""

from __future__ import annotations

from support.flows import activate, identity_args, last_message, seed
from support.people import STRONG_PASSWORD

TWICE = f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n"  # a new password and its confirmation


def test_a_person_without_contacts_is_asked_for_one_before_anything_else(mes):
    p = seed(mes, email=None, mobile=None)
    new_email = f"first.contact.{p['nir'][-6:]}@example.org"
    # The whole conversation: both contacts left empty (asked again), then an e-mail; its code is not
    # known in advance, so the input ends there, where the code is asked for.
    result = mes("activate", "--code", p["code"], *identity_args(p), tty=True, stdin=f"\n\n{new_email}\n\n")
    assert result.exit_code == 130, result
    asked = result.stderr
    assert "No e-mail address or mobile number is on file" in asked and "Keep these contacts" not in asked
    assert asked.count("E-mail (empty if none)") == 2 and "is needed; give one of them" in asked
    assert "Code received by e-mail" in asked
    for later in ("terms of use", "Identifier", "Password"):  # nothing typed for nothing
        assert later not in asked
    assert last_message(mes, new_email)["kind"] == "contact_verification"


def test_without_a_terminal_a_missing_contact_fails_at_once_naming_the_flags(mes):
    p = seed(mes, email=None, mobile=None)
    result = mes("activate", "--code", p["code"], *identity_args(p), "--identifier", "no.contact.yet",
                 "--password-stdin", "--accept-terms", stdin=STRONG_PASSWORD + "\n")
    assert result.exit_code == 2 and "INPUT_REQUIRED" in result.stderr
    assert "--email or --mobile" in result.stderr and "Password:" not in result.stderr
    email = f"late.contact.{p['nir'][-6:]}@example.org"
    first = mes.ok("activate", "--code", p["code"], *identity_args(p), "--email", email, "--identifier",
                   "no.contact.yet", "--password-stdin", "--accept-terms", stdin=STRONG_PASSWORD + "\n")
    assert first["to_verify"] == ["email"]  # the code was not spent by the refusal


def test_an_unclear_yes_no_answer_is_asked_again(mes):
    p = seed(mes)
    result = mes("activate", "--code", p["code"], *identity_args(p), "--identifier", f"unclear.{p['nir'][-6:]}",
                 "--accept-terms", tty=True, stdin="maybe\ny\n" + TWICE)
    assert result.exit_code == 0, result
    assert result.stderr.count("Keep these contacts? [Y/n]") == 2 and "Please answer yes or no" in result.stderr
    assert "E-mail (empty to keep)" not in result.stderr
    assert result.json["email"] == p["email"]


def test_a_taken_identifier_is_asked_again_and_the_password_kept(mes):
    first = seed(mes)
    taken = f"taken.{first['nir'][-6:]}"
    activate(mes, first, identifier=taken)
    second = seed(mes)
    result = mes("activate", "--code", second["code"], *identity_args(second), "--accept-terms", tty=True,
                 stdin=f"\n{taken}\n{TWICE}{taken}.2\n")
    assert result.exit_code == 0, result
    assert "LOGIN_ALREADY_EXISTS" not in result.stderr and "is taken" in result.stderr
    assert result.stderr.count("Password") == 2  # the rule and one prompt: never asked twice
    assert result.json["identifier"] == f"{taken}.2"


def test_a_serial_only_a_card_without_photo_has_is_questioned_at_the_prompt(mes):
    p = seed(mes)
    short = p["card_serial"][:10]
    result = mes("new-code", "--nir", p["nir"], "--birth-date", p["birth_date"], tty=True,
                 stdin=f"{short}\nn\n{p['card_serial'][:4]}-{p['card_serial'][4:8]}-{p['card_serial'][8:]}\n")
    assert result.exit_code == 0, result
    assert "A card with photo has 11 digits and you typed 10" in result.stderr
    assert "type the last 11 digits printed at the top right" in result.stderr
    # By flag, nothing is asked; the "no match" says what the length suggests, from what was sent.
    by_flag = mes("activate", "--code", p["code"], "--nir", p["nir"], "--serial", short, "--birth-date",
                  p["birth_date"])
    assert by_flag.exit_code == 7 and "The serial given has 10 digits" in by_flag.stderr


def test_without_a_terminal_activate_prints_no_prompt_hints(mes):
    p = seed(mes)
    result = mes("activate", "--code", p["code"], *identity_args(p), "--identifier", f"quiet.{p['nir'][-6:]}",
                 "--password-stdin", "--accept-terms", stdin=STRONG_PASSWORD + "\n")
    assert result.exit_code == 0, result
    assert "Identifier: 8–100 characters" not in result.stderr and "Password: at least" not in result.stderr
    assert "Your space is active" in result.stderr
