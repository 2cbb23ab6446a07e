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
