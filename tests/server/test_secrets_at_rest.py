"""Secrets at rest: what the data directory holds after a full lifecycle.

One run goes through activation (with a changed, verified e-mail), login by e-mail
and by SMS, a password reset by link and one by SMS code, and a last login. Every
secret seen on the way is then looked for in every table and in the raw bytes of the
database files. The only place a secret may sit is the outbox of a development
server, which keeps codes on purpose (that is how `mes outbox` reads them); a server
outside development mode keeps "[redacted]" there instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import stat
from pathlib import Path

import pytest

from mes_cli.server.notify.outbox import REDACTED
from mes_cli.server.security import new_token
from support.api import Api
from support.people import OTHER_PASSWORD, STRONG_PASSWORD

THIRD_PASSWORD = "Trois!eme-Secret9"


@pytest.fixture
def backend() -> str:
    """These tests read SQLite's files byte by byte: the data directory's own database."""
    return "sqlite"
TABLES_QUERY = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def run_lifecycle(api: Api) -> dict[str, list[str]]:
    """Activation, logins, resets; returns every secret that went over the wire, by kind.

    The server must not delay the second reset request (``new_code_min_delay=0``): a
    production server has no clock to move.
    """
    p = api.seed()
    secrets: dict[str, list[str]] = {"password": [STRONG_PASSWORD, OTHER_PASSWORD, THIRD_PASSWORD],
                                     "provisional code": [p["code"]], "session token": [], "login code": [],
                                     "contact code": [], "reset token": [], "reset code": [], "enrolment id": [],
                                     "login id": [], "reset id": []}
    # Activation, with a changed e-mail verified by a code.
    enrolment = api.enrol(p)
    secrets["enrolment id"].append(enrolment["enrolment_id"])
    p["email"] = f"changed.{p['nir'][-6:]}@example.fr"
    api.ok(api.post("/v1/enrolments/contacts", {"enrolment_id": enrolment["enrolment_id"], "email": p["email"]}))
    contact_code = api.sent_code(p["email"], "contact_verification")
    secrets["contact code"].append(contact_code)
    api.ok(api.post("/v1/enrolments/verify-contact", {"enrolment_id": enrolment["enrolment_id"], "channel": "email",
                                                      "code": contact_code}))
    identifier = api.new_identifier(p)
    api.ok(api.activate_request(enrolment["enrolment_id"], identifier, STRONG_PASSWORD))
    p.update(identifier=identifier, password=STRONG_PASSWORD)
    # Logins by e-mail and by SMS.
    for channel, to in (("email", p["email"]), ("sms", p["mobile"])):
        started = api.ok(api.start_login(p, channel), 201)
        code = api.sent_code(to, "login_code")
        secrets["login id"].append(started["login_id"])
        secrets["login code"].append(code)
        secrets["session token"].append(api.ok(api.verify_login(started["login_id"], code), 201)["token"])
    assert api.ok(api.get("/v1/me", token=secrets["session token"][0]))["account"]["identifier"] == identifier
    # Reset by e-mail link, then by SMS code.
    secrets["reset token"].append(api.reset_password(p, OTHER_PASSWORD))
    started = api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "sms"}), 202)
    secrets["reset id"].append(started["reset_id"])
    reset_code = api.sent_code(p["mobile"], "password_reset")
    secrets["reset code"].append(reset_code)
    api.ok(api.post("/v1/password-resets/complete", {"reset_id": started["reset_id"], "code": reset_code,
                                                     "new_password": THIRD_PASSWORD}))
    p["password"] = THIRD_PASSWORD
    secrets["session token"].append(api.login(p))
    secrets["login code"].append(api.sent_code(p["email"], "login_code"))
    return secrets


def _found(secret: str, text: str) -> bool:
    """Whether ``secret`` occurs in ``text``; 6-digit codes only as a whole number (not inside a NIR)."""
    if secret.isdigit() and len(secret) == 6:
        return re.search(rf"(?<![0-9]){secret}(?![0-9])", text) is not None
    return secret in text


def table_leaks(api: Api, secrets: dict[str, list[str]], skip: set[str] = frozenset()) -> list[str]:
    leaks = []
    for (table,) in api.ctx.store.all(TABLES_QUERY):
        if table in skip:
            continue
        for row in api.ctx.store.all(f"SELECT * FROM {table}"):
            for column in row.keys():
                value = row[column]
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                for kind, values in secrets.items():
                    leaks += [f"{kind} in {table}.{column}" for s in values if _found(s, text)]
    return leaks


def database_files(api: Api) -> list[Path]:
    db = api.ctx.settings.db_path
    return [path for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if path.exists()]


def raw_leaks(api: Api, secrets: dict[str, list[str]]) -> list[str]:
    files = database_files(api)
    assert api.ctx.settings.db_path in files and len(files) >= 2, files  # the WAL is there too
    leaks = []
    for path in files:
        text = path.read_bytes().decode("latin-1")
        for kind, values in secrets.items():
            leaks += [f"{kind} in {path.name}" for s in values if _found(s, text)]
    return leaks


@pytest.fixture
def production(make_api):
    """A server outside development mode; its notifications are read as sent, before storage."""
    api = make_api(dev=False, admin_token="admin-secret", record=True, new_code_min_delay=dt.timedelta(0))
    return api, run_lifecycle(api)


@pytest.fixture
def development(make_api):
    api = make_api(dev=True, new_code_min_delay=dt.timedelta(0))
    return api, run_lifecycle(api)


def test_the_lifecycle_saw_every_kind_of_secret(production):
    _api, secrets = production
    assert all(values for values in secrets.values()), secrets
    assert len(secrets["session token"]) == 3 and len(set(secrets["session token"])) == 3


def test_no_table_holds_a_secret_outside_development_mode(production):
    api, secrets = production
    assert table_leaks(api, secrets) == []


def test_no_database_byte_holds_a_secret_outside_development_mode(production):
    api, secrets = production
    assert raw_leaks(api, secrets) == []


def test_the_outbox_of_a_production_server_is_redacted(production):
    api, secrets = production
    rows = api.ctx.store.all("SELECT * FROM outbox ORDER BY id")
    carrying = [r for r in rows if r["kind"] in ("information_letter", "contact_verification", "login_code",
                                                  "password_reset")]
    assert len(carrying) >= 7
    for row in carrying:
        assert row["code"] == REDACTED, dict(row)
        assert REDACTED in row["body"], dict(row)
    link_rows = [r for r in rows if r["link"] is not None]
    assert link_rows and all(r["link"] == REDACTED and "token=" + REDACTED in r["body"] for r in link_rows)
    # What was handed to the senders did carry the secrets (the redaction is of the stored copy only).
    sent = api.ctx.outbox.sent
    assert any(n.code == secrets["login code"][0] and secrets["login code"][0] in n.body for n in sent)


def test_only_the_development_outbox_holds_secrets(development):
    api, secrets = development
    assert table_leaks(api, secrets, skip={"outbox"}) == []
    outbox_leaks = {leak.split(" in ")[0] for leak in table_leaks(api, secrets) if "outbox" in leak}
    # By design: the codes and links sent are readable through GET /v1/dev/outbox...
    assert outbox_leaks == {"provisional code", "login code", "contact code", "reset token", "reset code"}
    # ...but never a password, a session token or a random id the client holds.
    never = {k: v for k, v in secrets.items() if k in ("password", "session token", "enrolment id", "login id",
                                                        "reset id")}
    assert raw_leaks(api, never) == []


def test_passwords_are_argon2id_with_the_minimum_parameters(production):
    api, _secrets = production
    hashes = [r["password_hash"] for r in api.ctx.store.all("SELECT password_hash FROM spaces")
              if r["password_hash"]]
    assert hashes
    for value in hashes:
        match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+", value)
        assert match, value
        memory, time_cost, parallelism = map(int, match.groups())
        assert memory >= 19456 and time_cost >= 2 and parallelism >= 1


def test_the_same_password_never_gives_the_same_hash(api):
    a, b = api.seed(), api.seed()
    api.activate(a)
    api.activate(b)
    rows = api.ctx.store.all("SELECT password_hash FROM spaces WHERE password_hash IS NOT NULL")
    assert len({r[0] for r in rows}) == 2


def test_stored_token_hashes_are_not_the_tokens(production):
    api, secrets = production
    stored = {r["token_hash"] for r in api.ctx.store.all("SELECT token_hash FROM sessions")}
    assert len(stored) == 3 and not stored & set(secrets["session token"])
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in stored)


def test_session_tokens_have_at_least_128_bits(production):
    _api, secrets = production
    reference = len(new_token())
    assert reference >= 43
    for token in secrets["session token"] + secrets["reset token"] + secrets["login id"] + secrets["enrolment id"]:
        assert len(token) >= reference and re.fullmatch(r"[A-Za-z0-9_-]+", token)
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8 >= 128


def test_data_files_are_private(make_api, tmp_path):
    api = make_api(data_dir=tmp_path / "fresh" / "data")
    api.active_person()
    data_dir = api.ctx.settings.data_dir
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for path in [data_dir / "server.key", *database_files(api)]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len((data_dir / "server.key").read_bytes()) >= 32
    assert not list(data_dir.glob("*.tmp"))


def test_the_server_key_survives_a_restart(make_api, tmp_path):
    """Codes hashed with the key must still match after a restart: the key is kept, not regenerated."""
    data_dir = tmp_path / "kept"
    first = make_api(data_dir=data_dir)
    p = first.seed()
    key = (data_dir / "server.key").read_bytes()
    first.close()
    second = make_api(data_dir=data_dir)
    assert (data_dir / "server.key").read_bytes() == key
    assert second.enrol(p)["first_name"] == p["first_name"]
