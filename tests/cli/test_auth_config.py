"""Profiles and config (`mes config`), precedence flag > env > profile > default, and `mes auth`."""

from __future__ import annotations

import io
import json
import stat

import pytest

from mes_cli.cli.context import AppContext
from mes_cli.cli.env import Env
from support.cli import Mes
from support.flows import activate, active_person, last_message, seed

NOWHERE = "http://127.0.0.1:9"  # nothing listens: only ever shown, never reached in these tests


def _sessions(mes: Mes) -> dict:
    return json.loads((mes.home / "sessions.json").read_text())


# -- mes config ---------------------------------------------------------------------


def test_config_path_is_under_mes_home(local_mes):
    result = local_mes("config", "path")
    assert result.exit_code == 0, result
    assert result.stdout.strip() == str(local_mes.home / "config.toml")


def test_set_get_list_unset_round_trip(local_mes):
    mes = local_mes
    assert mes("--profile", "work", "config", "set", "api_url", NOWHERE + "/").exit_code == 0
    assert mes("--profile", "work", "config", "set", "timeout", "12.5").exit_code == 0
    assert mes("config", "set", "format", "csv").exit_code == 0
    assert mes("--profile", "work", "config", "get", "api_url").stdout == NOWHERE + "\n"
    assert mes("--profile", "work", "config", "get", "timeout").stdout == "12.5\n"
    rows = mes.ok("config", "list")
    assert {(r["profile"], r["key"], r["value"], r["active"]) for r in rows} == {
        ("default", "format", "csv", True), ("work", "api_url", NOWHERE, False), ("work", "timeout", 12.5, False)}
    path = mes.home / "config.toml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    import tomllib

    assert tomllib.loads(path.read_text())["profiles"]["work"] == {"api_url": NOWHERE, "timeout": 12.5}
    assert mes("--profile", "work", "config", "unset", "timeout").exit_code == 0
    assert mes("--profile", "work", "config", "get", "timeout").exit_code == 7


@pytest.mark.parametrize("args, code", [
    (["config", "set", "color", "red"], 6),
    (["config", "set", "api_url", "ftp://x"], 6),
    (["config", "set", "format", "xml"], 6),
    (["config", "set", "timeout", "0"], 6),
    (["--profile", "bad name", "config", "set", "format", "json"], 6),
])
def test_bad_values_are_refused_at_set_time(local_mes, args, code):
    result = local_mes(*args)
    assert result.exit_code == code, result
    assert not (local_mes.home / "config.toml").exists()


def test_admin_token_only_from_stdin_and_masked(local_mes):
    mes = local_mes
    refused = mes("config", "set", "admin_token", "s3cret-in-argv")
    assert refused.exit_code == 2 and "--value-stdin" in refused.stderr
    assert not (mes.home / "config.toml").exists()
    done = mes("config", "set", "admin_token", "--value-stdin", stdin="s3cret-admin\n")
    assert done.exit_code == 0, done
    assert "s3cret-admin" not in done.stdout + done.stderr
    assert "s3cret-admin" not in mes("config", "list").stdout
    assert mes("config", "get", "admin_token").stdout.strip() == "********"
    assert mes("config", "get", "admin_token", "--reveal").stdout.strip() == "s3cret-admin"
    # and it is used: the context resolves it when no MES_ADMIN_TOKEN is set
    app = AppContext(env=Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
                             vars={"MES_HOME": str(mes.home)}))
    assert app.config.admin_token == "s3cret-admin"


def test_unknown_profile_is_an_error_naming_the_known_ones(local_mes):
    local_mes("--profile", "work", "config", "set", "api_url", NOWHERE)
    result = local_mes("--profile", "staging", "auth", "status")
    assert result.exit_code == 7
    assert "staging" in result.stderr and "work" in result.stderr


# -- precedence ---------------------------------------------------------------------


def test_api_url_precedence_flag_env_profile_default(local_mes):
    mes = local_mes
    mes("--profile", "other", "config", "set", "api_url", NOWHERE)

    def target(*args, env):
        result = mes(*args, "auth", "status", env=env)
        assert result.exit_code == 4, result
        return result.stderr

    assert "embedded server" in target(env={"MES_API_URL": ""})                                 # default
    assert NOWHERE in target(env={"MES_API_URL": "", "MES_PROFILE": "other"})                  # profile
    assert "http://127.0.0.2:8" in target(env={"MES_API_URL": "http://127.0.0.2:8", "MES_PROFILE": "other"})  # env
    assert "http://127.0.0.3:7" in target("--api-url", "http://127.0.0.3:7",                   # flag
                                           env={"MES_API_URL": "http://127.0.0.2:8", "MES_PROFILE": "other"})
    assert NOWHERE in target("--profile", "other", env={"MES_API_URL": ""})                    # --profile


def test_format_precedence_flag_env_profile_default(mes):
    active_person(mes)
    no_env = {"MES_FORMAT": ""}
    assert mes("auth", "status", env=no_env).stdout.lstrip().startswith("{")         # default: json (no TTY)
    mes("config", "set", "format", "csv")
    assert mes("auth", "status", env=no_env).stdout.startswith("logged_in,")          # profile
    assert mes("auth", "status", env={"MES_FORMAT": "jsonl"}).stdout.count("\n") == 1  # env
    assert json.loads(mes("auth", "status", env={"MES_FORMAT": "jsonl"}).stdout)["logged_in"] is True
    assert mes("auth", "status", "--format", "json", env={"MES_FORMAT": "csv"}).json["logged_in"] is True  # flag


def _context(home, **vars_and_options) -> AppContext:
    options = {k: vars_and_options.pop(k) for k in ("timeout", "profile_name") if k in vars_and_options}
    env = Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
              vars={"MES_HOME": str(home), **vars_and_options})
    return AppContext(env=env, **options)


def test_timeout_and_attempts_precedence(local_mes):
    home = local_mes.home
    assert _context(home).config.timeout == 30.0 and _context(home).config.max_attempts == 3
    local_mes("config", "set", "timeout", "7")
    assert _context(home).config.timeout == 7.0
    assert _context(home, MES_TIMEOUT="5").config.timeout == 5.0
    assert _context(home, MES_TIMEOUT="5", timeout=2.5).config.timeout == 2.5
    assert _context(home, MES_MAX_ATTEMPTS="5").config.max_attempts == 5


@pytest.mark.parametrize("args, env, code", [
    (["--timeout", "0", "auth", "status"], {}, 2),
    (["auth", "status"], {"MES_TIMEOUT": "soon"}, 6),
    (["auth", "status"], {"MES_MAX_ATTEMPTS": "0"}, 6),
])
def test_bad_timeout_or_attempts(local_mes, args, env, code):
    assert local_mes(*args, env=env).exit_code == code


# -- sessions per profile -------------------------------------------------------------


def test_two_profiles_on_one_server_keep_two_sessions(mes, tmp_path):
    first = active_person(mes)
    mes("--profile", "second", "config", "set", "api_url", mes.api_url)
    second_mes = Mes(home=mes.home, api_url=mes.api_url, admin_token=mes.admin_token,
                     variables={**mes.variables, "MES_PROFILE": "second"})
    assert second_mes("auth", "status").exit_code == 4  # not the default profile's session
    other = seed(mes)
    activate(mes, other, identifier="second.identity")
    second_mes.ok("login", "--identifier", other["identifier"], "--password-stdin", stdin=other["password"] + "\n")
    second_mes.ok("login", "--code", last_message(mes, other["email"])["code"])

    assert mes.ok("auth", "status")["identifier"] == first["identifier"]
    assert second_mes.ok("auth", "status")["identifier"] == "second.identity"
    assert mes.ok("whoami")["identifier"] == first["identifier"]
    assert second_mes.ok("whoami")["identifier"] == "second.identity"
    assert len(_sessions(mes)) == 2
    second_mes.ok("logout")
    assert mes.ok("whoami")["identifier"] == first["identifier"]


# -- mes auth ---------------------------------------------------------------------------


def test_auth_status_and_token_when_logged_in(mes):
    p = active_person(mes)
    status = mes.ok("auth", "status")
    assert status["logged_in"] is True and status["identifier"] == p["identifier"]
    assert status["profile"] == "default" and status["expires_at"]
    assert mes.ok("auth", "status", "--check")["checked_with_server"] is True
    quiet = mes("auth", "status", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    token = mes("auth", "token")
    assert token.exit_code == 0
    assert token.stdout.strip() == next(iter(_sessions(mes).values()))["token"]
    # the printed token works for a script
    assert mes.ok("whoami", env={"MES_TOKEN": token.stdout.strip()})["identifier"] == p["identifier"]


def test_auth_status_and_token_when_logged_out(mes):
    status = mes("auth", "status")
    assert status.exit_code == 4 and status.stdout == "" and "mes login" in status.stderr
    quiet = mes("auth", "status", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (4, "", "")
    token = mes("auth", "token")
    assert token.exit_code == 4 and token.stdout == ""


def test_expired_stored_session_is_not_logged_in(mes):
    active_person(mes)
    data = _sessions(mes)
    for entry in data.values():
        entry["expires_at"] = "2001-01-01T00:00:00+00:00"
    (mes.home / "sessions.json").write_text(json.dumps(data))
    assert mes("auth", "status").exit_code == 4
    assert mes("auth", "token").exit_code == 4
    assert mes("auth", "status", "-q").exit_code == 4


def test_auth_token_honours_mes_token(local_mes):
    result = local_mes("auth", "token", env={"MES_TOKEN": "from-the-environment"})
    assert result.exit_code == 0 and result.stdout == "from-the-environment\n"


# -- NO_COLOR -----------------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("no_color, expected", [("1", True), (None, False)])
def test_progress_bar_respects_no_color(no_color, expected):
    from mes_cli.cli.progress import Progress

    variables = {"NO_COLOR": no_color} if no_color else {}
    app = AppContext(env=Env(stdin=io.StringIO(), stdout=io.StringIO(), stderr=_Tty(), vars=variables))
    bar = Progress(app, total_files=1, total_bytes=10)
    try:
        assert bar._bar is not None and bar._bar.console.no_color is expected
    finally:
        bar.close()


def test_listing_works_from_a_profile_not_created_yet(local_mes):
    assert local_mes.ok("--profile", "later", "config", "list") == []
    local_mes.ok("--profile", "later", "config", "set", "format", "json")
    assert [row["profile"] for row in local_mes.ok("--profile", "later", "config", "list")] == ["later"]


def test_config_list_prints_in_the_profile_format_like_every_command(local_mes):
    local_mes.ok("config", "set", "format", "csv")
    listed = local_mes("config", "list", env={"MES_FORMAT": ""})
    assert listed.exit_code == 0 and listed.stdout.splitlines() == ["profile,active,key,value",
                                                                    "default,true,format,csv"]
    assert local_mes("config", "list", "--format", "json", env={"MES_FORMAT": ""}).json[0]["value"] == "csv"


def test_an_unknown_profile_names_default_among_the_known_ones(local_mes):
    alone = local_mes("whoami", env={"MES_PROFILE": "nosuch"})
    assert alone.exit_code == 7 and "(known: default)" in alone.stderr, alone
    local_mes("--profile", "work", "config", "set", "api_url", NOWHERE)
    assert "(known: default, work)" in local_mes("whoami", env={"MES_PROFILE": "nosuch"}).stderr


def test_an_unknown_format_is_a_usage_error_as_an_out_of_range_limit_is(local_mes):
    by_click = local_mes("docs", "list", "--limit", "0")
    by_format = local_mes("config", "list", "--format", "yaml")
    assert by_click.exit_code == by_format.exit_code == 2
    for result in (by_click, by_format):
        assert result.stderr.startswith("Usage: mes ") and "\nError: Invalid value for '" in result.stderr
    assert "'yaml' is not one of 'table', 'json', 'jsonl', 'csv'." in by_format.stderr
    from_env = local_mes("config", "list", env={"MES_FORMAT": "yaml"})
    assert from_env.exit_code == 2 and "Invalid value for MES_FORMAT: 'yaml'" in from_env.stderr
    french = local_mes("--lang", "fr", "config", "list", "--format", "yaml")
    assert french.exit_code == 2 and "Valeur invalide pour '--format' / '-f' : 'yaml'" in french.stderr


# -- the admin token of a server started from the same MES_HOME ------------------------------------------


def test_a_client_sharing_mes_home_finds_the_admin_token_of_its_loopback_server(tmp_path):
    import os

    from support.people import person
    from support.server import start_server

    home = tmp_path / "home"
    server = start_server(home / "server", env={"MES_ADMIN_TOKEN": ""})  # the server generates its token
    try:
        token_file = home / "server" / "admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        persons = tmp_path / "persons.json"
        persons.write_text(json.dumps([person()]))
        client = Mes(home=home, api_url=server.url)  # no MES_ADMIN_TOKEN
        seeded = client("server", "seed", str(persons))
        assert seeded.exit_code == 0, seeded
        localhost = Mes(home=home, api_url=server.url.replace("127.0.0.1", "localhost"))
        assert localhost.ok("server", "jobs") is not None
        os.chmod(token_file, 0o644)  # readable by others: not trusted
        refused = client("server", "seed", str(persons))
        assert refused.exit_code == 4 and "ADMIN_REQUIRED" in refused.stderr
    finally:
        server.stop()


def test_the_local_servers_token_is_read_for_loopback_urls_only(tmp_path):
    from mes_cli.client.config import resolve

    home = tmp_path / "home"
    (home / "server").mkdir(parents=True)
    token_file = home / "server" / "admin-token"
    token_file.write_text("generated-token\n")
    token_file.chmod(0o600)
    assert resolve("http://127.0.0.1:8000", home=home).admin_token == "generated-token"
    assert resolve("http://[::1]:8000", home=home).admin_token == "generated-token"
    assert resolve("http://mes.example.org", home=home).admin_token is None
    assert resolve("http://127.0.0.1.example.org:8000", home=home).admin_token is None
    assert resolve("local", home=home).admin_token is None  # the embedded server needs no token
    assert resolve("http://127.0.0.1:8000", home=home, admin_token="given").admin_token == "given"
