"""What the account commands answer when something is off: each answer names the real cause and what to do,
and says no more than the proof given allows — in-process and over HTTP."""

from __future__ import annotations

import json
import re

from mes_cli.demo_data import card_serial_for
from support.cli import Mes
from support.flows import active_person, activate, identity_args, last_message, seed
from support.people import OTHER_PASSWORD, person
from support.server import start_server


def _child(first_name: str, birth_date: str, own_card: bool) -> dict:
    data = person(birth_date=birth_date)
    return {"nir": data["nir"], "birth_date": birth_date, "first_name": first_name, "last_name": "Martin",
            "card_serial": card_serial_for(data["nir"]) if own_card else None}


def _start(mes: Mes, code: str, nir: str, serial: str, birth_date: str):
    return mes("activate", "--code", code, "--nir", nir, "--serial", serial, "--birth-date", birth_date)


def test_a_childs_code_is_named_only_when_the_whole_proof_is_the_childs(mes):
    leo = _child("Léo", "2019-09-14", own_card=False)  # on his parent's card
    lea = _child("Léa", "2012-03-02", own_card=True)
    parent = seed(mes, children=[leo, lea])
    for child in (leo, lea):
        child["code"] = last_message(mes, child["nir"])["code"]
    hint = "`mes children link`"
    # The child's own proof: his code, NIR and birth date, and the card he is on.
    named = _start(mes, leo["code"], leo["nir"], parent["card_serial"], leo["birth_date"])
    assert named.exit_code == 7 and hint in named.stderr and "Léo" in named.stderr, named
    # A child with a card of her own, every proof hers.
    assert hint in _start(mes, lea["code"], lea["nir"], lea["card_serial"], lea["birth_date"]).stderr
    # The parent, fully identified, with the child's code.
    assert hint in _start(mes, leo["code"], parent["nir"], parent["card_serial"], parent["birth_date"]).stderr
    # Any part wrong: the one answer of every mismatch, which tells nothing.
    other_serial = card_serial_for(leo["nir"])
    for code, nir, serial, birth in [(leo["code"], leo["nir"], other_serial, leo["birth_date"]),
                                     (leo["code"], leo["nir"], parent["card_serial"], "15/09/2019"),
                                     (leo["code"], lea["nir"], lea["card_serial"], lea["birth_date"]),
                                     (lea["code"], leo["nir"], parent["card_serial"], leo["birth_date"])]:
        answer = _start(mes, code, nir, serial, birth)
        assert answer.exit_code == 7 and "No space matches" in answer.stderr and hint not in answer.stderr
    # The parent's own activation and the link still work with the same codes.
    activate(mes, parent)
    mes.ok("login", "--identifier", parent["identifier"], "--password-stdin", stdin=parent["password"] + "\n")
    mes.ok("login", "--code", last_message(mes, parent["email"])["code"])
    mes.ok("children", "link", "--code", leo["code"], "--birth-date", leo["birth_date"], "--certify")


def test_letters_in_a_login_code_are_called_digits_only(mes):
    p = seed(mes)
    activate(mes, p)
    mes.ok("login", "--identifier", p["identifier"], "--password-stdin", stdin=p["password"] + "\n")
    result = mes("login", "--code", "abcdef")
    assert result.exit_code == 6 and "digits only" in result.stderr and "characters" not in result.stderr


def test_an_authenticator_code_used_to_confirm_is_explained_at_login(mes):
    import pyotp

    p = active_person(mes)
    secret = mes.ok("account", "totp", "enable")["secret"]
    code = pyotp.TOTP(secret).now()
    mes.ok("account", "totp", "confirm", "--code", code)
    mes.ok("logout")
    again = mes("login", "--identifier", p["identifier"], "--password-stdin", "--channel", "totp", "--code", code,
                stdin=p["password"] + "\n")
    assert again.exit_code == 6 and "INVALID_CODE" in again.stderr
    assert "already used" in again.stderr and "each code works once" in again.stderr
    assert "not the one we sent" not in again.stderr, "nothing was sent: the app shows the code"


def test_the_code_step_says_the_wait_with_the_attempts_left(mes):
    def waited(text: str) -> int:
        return int(re.search(r"[Ww]ait (\d+) s", text).group(1))

    p = seed(mes)
    activate(mes, p)
    for _ in range(4):  # four wrong passwords: the next failure starts the delays
        assert mes("login", "--identifier", p["identifier"], "--password-stdin",
                   stdin=OTHER_PASSWORD + "\n").exit_code == 4
    mes.ok("login", "--identifier", p["identifier"], "--password-stdin", stdin=p["password"] + "\n")
    wrong = "000000" if last_message(mes, p["email"])["code"] != "000000" else "111111"
    wait = 1  # each wrong code says the wait it starts, with the tries left
    for left in (4, 3, 2):
        answer = mes("login", "--code", wrong)
        assert answer.exit_code == 6 and f"{left} attempt(s) left. Wait {wait} s before the next try." \
            in answer.stderr, answer
        if left > 2:
            mes.ok("server", "clock", "--advance", f"{wait}s")
            wait *= 2
    early = mes("login", "--code", wrong)  # not waiting: not counted, and said in the same words
    assert early.exit_code == 9 and "s, then type the code again (2 attempt(s) left)" in early.stderr, early
    assert wait - 1 <= waited(early.stderr) <= wait  # the clock goes on between the two calls
    mes.ok("server", "clock", "--advance", f"{wait}s")
    assert "1 attempt(s) left. Wait 8 s" in mes("login", "--code", wrong).stderr
    mes.ok("server", "clock", "--advance", "8s")
    last = mes("login", "--code", wrong)
    assert last.exit_code == 9 and "Too many wrong codes" in last.stderr
    assert "Start again with `mes login` in 16 s" in last.stderr
    restart = mes("login", "--identifier", p["identifier"], "--password-stdin", stdin=p["password"] + "\n")
    assert restart.exit_code == 9 and 14 <= waited(restart.stderr) <= 16, "the wait announced is the one met"


def test_a_bogus_mes_token_is_called_invalid_not_expired(mes):
    result = mes("whoami", env={"MES_TOKEN": "bogus"})
    assert result.exit_code == 4 and "not valid on this server" in result.stderr and "MES_TOKEN" in result.stderr
    assert "expired" not in result.stderr


def test_seeding_the_same_person_twice_is_refused_and_adds_nothing(mes, tmp_path):
    p = seed(mes)
    newcomer = person()
    registry_entry = {k: v for k, v in p.items() if k != "code"}
    path = tmp_path / "persons.json"
    path.write_text(json.dumps([newcomer, registry_entry]))
    result = mes("server", "seed", str(path))
    assert result.exit_code == 8 and "NIR_ALREADY_REGISTERED" in result.stderr
    assert f"ending in {p['nir'][-4:]}" in result.stderr and "nothing was added" in result.stderr
    assert last_message(mes, newcomer["nir"]) is None, "all or nothing: the newcomer was not added either"


def test_oppose_receipt_is_a_real_pdf_or_text_by_extension(mes, tmp_path):
    from mes_cli.domain.sniff import sniff_bytes

    p = seed(mes)
    other = tmp_path / "opposition.docx"
    refused = mes("oppose", "--code", p["code"], *identity_args(p), "--yes", "--receipt", str(other))
    assert refused.exit_code == 6 and ".pdf" in refused.stderr and ".txt" in refused.stderr
    assert not other.exists()
    path = tmp_path / "opposition.pdf"
    receipt = mes.ok("oppose", "--code", p["code"], *identity_args(p), "--yes", "--receipt", str(path))
    data = path.read_bytes()  # the refusal above recorded nothing: the same code still works
    assert sniff_bytes(data) == "application/pdf" and data.startswith(b"%PDF-1.4\n")
    assert b"(Titulaire : Jeanne Martin)" in data and receipt["reference"].encode() in data
    assert "R\xe9f\xe9rence".encode("latin-1") in data  # French text in the PDF's own encoding
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[start:].startswith(b"xref\n")
    for number, offset in enumerate(re.findall(rb"(\d{10}) 00000 n", data), start=1):
        assert data[int(offset):].startswith(b"%d 0 obj" % number)


def test_a_failed_delivery_names_no_python_exception(tmp_path):
    import socket

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    server = start_server(tmp_path / "data", extra=["--sms-webhook", f"http://127.0.0.1:{closed}/sms"])
    try:
        mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=server.admin_token)
        p = seed(mes)
        result = mes("new-code", *identity_args(p), "--channel", "sms")
        assert result.exit_code == 1 and "DELIVERY_FAILED" in result.stderr
        assert "the connection was refused or lost" in result.stderr
        assert not re.search(r"[A-Z][a-z]+(Error|Exception|Timeout)\b", result.stderr), result.stderr
    finally:
        server.stop()


def test_the_childs_code_answer_takes_the_uniform_time_too(tmp_path):
    """The new answer of the activation keeps its padding (docs/security.md): found or not, one minimum time."""
    import dataclasses
    import datetime as dt
    import time

    from mes_cli.server.settings import Policy, Settings
    from support.api import Api

    floor = dt.timedelta(milliseconds=60)
    settings = Settings(data_dir=tmp_path / "data", dev=True, uniform_answers=True,
                        policy=dataclasses.replace(Policy(), uniform_answer_time=floor))
    api = Api.start(settings)
    try:
        leo = _child("Léo", "2019-09-14", own_card=False)
        parent = api.seed(children=[leo])
        code = api.sent_code(leo["nir"], "information_letter")
        started = time.monotonic()
        answer = api.post("/v1/enrolments", {"code": code, "nir": leo["nir"], "card_serial": parent["card_serial"],
                                             "birth_date": leo["birth_date"]})
        elapsed = time.monotonic() - started
        assert answer.status_code == 404 and answer.json()["error"]["details"] == {"reason": "child_code"}
        assert elapsed >= floor.total_seconds()
    finally:
        api.close()
