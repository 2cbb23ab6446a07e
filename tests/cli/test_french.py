"""`mes` in French: chosen by --lang or the locale, in help pages, usage errors, the CLI's own
messages and the server's errors (embedded and remote alike: the client sends Accept-Language)."""

from __future__ import annotations

import io

import httpx
import pytest

from mes_cli import i18n
from mes_cli.cli.app import run
from mes_cli.cli.env import Env
from support.cli import Mes

WRONG_LOGIN = "Wrong identifier or password. Forgot one? `mes recover-id` or `mes reset-password`."


def french(message: str) -> str:
    """The catalogue's French for an English message; fails if there is none (nothing to prove then)."""
    token = i18n.use("fr")
    try:
        translated = i18n._(message)
    finally:
        i18n.restore(token)
    assert translated != message, f"no French for {message!r}"
    return translated


def help_page(capsys, *args: str, **variables: str) -> str:
    """A help page as printed (click writes help to the process's stdout, not to Env's)."""
    capsys.readouterr()
    assert run(list(args), Env(stdin=io.StringIO(), vars=variables, stdin_is_tty=False)) == 0
    return capsys.readouterr().out


def test_help_is_in_french_with_lang(capsys):
    out = help_page(capsys, "--lang", "fr", "--help")
    assert out.startswith(french("Usage: ") + "mes ")
    assert "Options:" in out and french("Commands") + ":" in out  # "Options" is French too
    assert french("Show this message and exit.") in out
    assert french("Print the version and exit") in out
    assert "Show this message and exit." not in out


def test_the_locale_chooses_french_and_lang_overrides_it(capsys):
    assert help_page(capsys, "docs", "--help", LANG="fr_FR.UTF-8").startswith(french("Usage: "))
    assert help_page(capsys, "docs", "--help", LANGUAGE="fr", LANG="en_US.UTF-8").startswith(french("Usage: "))
    assert help_page(capsys, "--lang", "en", "docs", "--help", LANG="fr_FR.UTF-8").startswith("Usage: mes docs")
    assert help_page(capsys, "docs", "--help", LANG="C.UTF-8").startswith("Usage: mes docs")


def test_examples_keep_their_command_lines_under_a_french_heading(capsys):
    out = help_page(capsys, "--lang", "fr", "docs", "upload", "--help")
    assert french("Examples:") in out
    assert "mes docs upload ordonnance.pdf --category ORD_SOIN" in out


def test_usage_errors_are_in_french(local_mes):
    result = local_mes("--lang", "fr", "docs", "upload", "--bogus")
    assert result.exit_code == 2
    assert french("Try '{command} {option}' for help.").format(command="mes docs upload", option="-h") in result.stderr
    assert french("No such option: {name}").split("{")[0] in result.stderr
    assert "No such option" not in result.stderr


def test_an_unknown_language_is_refused(local_mes):
    result = local_mes("--lang", "de", "whoami")
    assert result.exit_code == 2
    assert "'de'" in result.stderr and "en or fr" in result.stderr


def test_server_errors_come_back_in_french(mes: Mes):
    english = mes("login", "-i", "nobody.here", "--password-stdin", stdin="Wrong-password-42!\n")
    assert english.exit_code == 4 and WRONG_LOGIN in english.stderr
    result = mes("--lang", "fr", "login", "-i", "nobody.here", "--password-stdin", stdin="Wrong-password-42!\n")
    assert result.exit_code == 4, result
    assert french(WRONG_LOGIN) in result.stderr
    assert "[INVALID_CREDENTIALS" in result.stderr  # the code stays the same for scripts


def test_input_checked_by_the_cli_is_refused_in_french(local_mes):
    result = local_mes("--lang", "fr", "recover-id", "--nir", "123", "--birth-date", "12/03/1985",
                       "--channel", "email")
    assert result.exit_code == 6, result
    assert "[INVALID_NIR" in result.stderr
    english = local_mes("recover-id", "--nir", "123", "--birth-date", "12/03/1985", "--channel", "email")
    assert english.stderr != result.stderr


def test_category_labels_stay_official_french_in_both_languages(local_mes):
    english = local_mes("docs", "categories", "--format", "json").json
    french_list = local_mes("--lang", "fr", "docs", "categories", "--format", "json").json
    assert english == french_list
    assert any(item["label"] == "Ordonnances et soins" for item in english), english[:3]


def test_the_server_answers_in_the_language_of_accept_language(real_server):
    with httpx.Client(base_url=real_server.url) as http:
        body = {"identifier": "nobody.here", "password": "Wrong-password-42!"}
        english = http.post("/v1/logins", json=body)
        in_french = http.post("/v1/logins", json=body, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert english.status_code == in_french.status_code == 401
    assert english.headers["Content-Language"] == "en" and in_french.headers["Content-Language"] == "fr"
    assert english.json()["error"]["message"] == WRONG_LOGIN
    assert in_french.json()["error"]["message"] == french(WRONG_LOGIN)
    assert in_french.json()["error"]["code"] == english.json()["error"]["code"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_language_does_not_leak_from_one_run_to_the_next(capsys, language):
    help_page(capsys, "--lang", language, "--help")
    assert help_page(capsys, "--help").startswith("Usage: mes")
    assert i18n.current() == "en"


@pytest.mark.parametrize("language, answer, proceeds", [
    ("fr", "o", True), ("fr", "oui", True), ("fr", "y", True), ("fr", "n", False), ("fr", "", False),
    ("en", "y", True), ("en", "YES", True), ("en", "oui", False), ("en", "", False),
])
def test_confirmations_take_yes_in_the_language_of_the_question(language, answer, proceeds):
    """An answer that is neither yes nor no in the question's language (English "oui") is asked again;
    here the input then ends, which stops like Ctrl-D."""
    import typer

    from mes_cli.cli.context import AppContext

    stderr = io.StringIO()
    app = AppContext(env=Env(stdin=io.StringIO(answer + "\n"), stderr=stderr, vars={}, stdin_is_tty=True))
    token = i18n.use(language)
    try:
        if proceeds:
            app.confirm("Delete?", yes=False)
        else:
            with pytest.raises(typer.Abort):
                app.confirm("Delete?", yes=False)
    finally:
        i18n.restore(token)
    assert stderr.getvalue().startswith("Delete? [o/N] : " if language == "fr" else "Delete? [y/N]: ")


def test_reminders_speak_french_while_their_data_stays_the_same(local_mes):
    from support.flows import active_person

    active_person(local_mes)
    english = local_mes.ok("vaccins", "reminders")
    in_french = local_mes.ok("--lang", "fr", "vaccins", "reminders")
    assert english and len(english) == len(in_french)
    for en, fr in zip(english, in_french):  # the sentence and the dose's words are for people; the rest is data
        people = ("reason", "dose_label")
        assert {k: v for k, v in en.items() if k not in people} == {k: v for k, v in fr.items() if k not in people}
        assert en["reason"] != fr["reason"] and en["dose_label"] == en["dose"]  # French words: test_vaccination_cases
    assert any(french("no booster recorded") in item["reason"] or french("not recorded") in item["reason"]
               for item in in_french), in_french
