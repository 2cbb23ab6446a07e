"""The key one-time codes are hashed with: MES_SERVER_KEY for every worker, else the data directory's."""

from __future__ import annotations

import base64
import secrets

import pytest

from mes_cli.contract.errors import MesError
from mes_cli.server.security import KEY_FILE, decode_key, server_key
from support.cli import Mes

KEY = base64.b64encode(secrets.token_bytes(32)).decode()


def test_a_given_key_is_used_and_nothing_is_written(tmp_path):
    assert server_key(tmp_path, KEY) == base64.b64decode(KEY)
    assert not (tmp_path / KEY_FILE).exists()


def test_without_a_key_the_data_directory_keeps_one(tmp_path):
    first = server_key(tmp_path)
    assert len(first) == 32 and (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert server_key(tmp_path) == first  # created once, then read


@pytest.mark.parametrize("text", ["", "not base64 at all!", base64.b64encode(b"short").decode(),
                                  base64.b64encode(secrets.token_bytes(31)).decode()])
def test_a_malformed_or_short_key_is_refused_with_how_to_make_one(text):
    with pytest.raises(MesError) as refused:
        decode_key(text)
    assert refused.value.code == "VALIDATION_ERROR" and "/dev/urandom" in refused.value.message


def test_codes_hashed_under_one_key_are_refused_under_another(tmp_path):
    """Why every worker needs the same key: a code sent by one is checked by any other."""
    from mes_cli.server.security import Secrets
    from mes_cli.server.settings import Policy

    one, other = Secrets(server_key(tmp_path, KEY), Policy()), Secrets(server_key(tmp_path), Policy())
    stored = one.code_hash("123456")
    assert one.code_matches("123456", stored) and not other.code_matches("123456", stored)


def test_a_bad_key_in_the_environment_stops_the_command_with_the_reason(tmp_path):
    mes = Mes(home=tmp_path / "home", variables={"MES_SERVER_KEY": "too-short"})
    result = mes("server", "gc")
    assert result.exit_code == 6 and "MES_SERVER_KEY" in result.stderr and "/dev/urandom" in result.stderr


def _worker(data_dir, database, key: str | None = None):
    from mes_cli.server.context import ServerContext
    from mes_cli.server.settings import Settings

    return ServerContext.build(Settings(data_dir=data_dir, database_url=database, server_key=key))


def test_a_worker_with_another_key_than_the_database_s_refuses_to_start(tmp_path):
    """Two workers on one database, each with its own data directory's key: the second one is refused,
    told what to set; with the first one's key it starts."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    first = _worker(tmp_path / "one", database)
    first.store.shutdown()
    with pytest.raises(MesError) as refused:
        _worker(tmp_path / "two", database)
    assert refused.value.code == "CONFLICT" and "MES_SERVER_KEY" in refused.value.message
    shared = base64.b64encode((tmp_path / "one" / KEY_FILE).read_bytes()).decode()
    _worker(tmp_path / "two", database, shared).store.shutdown()


def test_the_fingerprint_names_the_key_without_revealing_it():
    from mes_cli.server.security import key_fingerprint

    key = base64.b64decode(KEY)
    assert key_fingerprint(key) == key_fingerprint(key) != key_fingerprint(secrets.token_bytes(32))
    assert key.hex()[:16] not in key_fingerprint(key) and KEY not in key_fingerprint(key)


def test_an_import_records_the_key_the_importing_server_uses(tmp_path):
    """The archive brings its key; the fingerprint is not data: the imported database names the key in use."""
    from mes_cli.server.security import KEY_FINGERPRINT, key_fingerprint
    from mes_cli.server.settings import Settings
    from mes_cli.server.store.snapshot import export_snapshot, import_snapshot

    source = _worker(tmp_path / "source", None)
    source.store.shutdown()
    archive = tmp_path / "export.zip"
    export_snapshot(Settings(data_dir=tmp_path / "source"), archive)
    _worker(tmp_path / "target", None).store.shutdown()  # the target started once, empty, with its own key
    import_snapshot(archive, Settings(data_dir=tmp_path / "target"))
    imported = _worker(tmp_path / "target", None)  # starts: the key came with the archive
    try:
        recorded = imported.store.get_meta(KEY_FINGERPRINT)
        assert recorded == key_fingerprint((tmp_path / "source" / KEY_FILE).read_bytes())
    finally:
        imported.store.shutdown()


def test_postgresql_without_its_extra_says_what_to_install(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "psycopg" else real(name, *a))
    mes = Mes(home=tmp_path / "home")
    result = mes("server", "migrate", "--database", "postgresql://mes@127.0.0.1:1/none")
    assert result.exit_code == 1 and "pip install 'mes-cli[postgresql]'" in result.stderr, result
    assert "ModuleNotFoundError" not in result.stderr
