"""Secrets at rest: how passwords, codes and tokens are stored and compared.

- Passwords: Argon2id (argon2-cffi) with the parameters of the policy.
- One-time codes (6 digits, 12-character provisional codes): HMAC-SHA-256 keyed
  with a server secret: ``MES_SERVER_KEY`` (base64; the same for every worker of a
  deployment), else ``server.key`` in the data directory (mode 0600, created at the
  first start). A plain hash of a 6-digit code could be reversed by trying the
  million values; the keyed hash cannot without the key — which is why the key is
  kept out of the database.
- Random tokens (sessions, enrolments, reset links, login ids), ≥ 128 bits:
  SHA-256, enough for values nobody can guess.
Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from functools import cached_property
from pathlib import Path

from ..contract.errors import MesError
from ..i18n import _
from .settings import Policy

KEY_FILE = "server.key"
KEY_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A 256-bit URL-safe random token."""
    return secrets.token_urlsafe(32)


def _write_beside(path: Path, data: bytes) -> Path:
    """``data`` in a temp file next to ``path``, readable by the server's user only, on disk."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return tmp


def _load_or_create_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    tmp = _write_beside(path, secrets.token_bytes(KEY_BYTES))
    try:
        os.link(tmp, path)  # first writer wins when two processes start together
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def decode_key(text: str) -> bytes:
    """A key given as base64 text (MES_SERVER_KEY), refused if malformed or short."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) < KEY_BYTES:
        raise MesError("VALIDATION_ERROR", _("MES_SERVER_KEY must be at least {n} random bytes in base64; make one "
                                             "with: head -c {n} /dev/urandom | base64").format(n=KEY_BYTES),
                       {"field": "server_key"})
    return key


def install_key(data_dir: Path, key: bytes) -> None:
    """Replaces the data directory's key (an import brings the key its codes were hashed with)."""
    path = data_dir / KEY_FILE
    _write_beside(path, key).replace(path)


def server_key(data_dir: Path, given: str | None = None) -> bytes:
    """The key in use: the one given (MES_SERVER_KEY), else the data directory's, created if absent."""
    return decode_key(given) if given else _load_or_create_key(data_dir / KEY_FILE)


KEY_FINGERPRINT = "server_key_fingerprint"  # the meta row naming the key a database's codes are hashed with


def key_fingerprint(key: bytes) -> str:
    """Names a key without revealing it (an HMAC of a fixed text under the key: not reversible)."""
    return hmac.new(key, b"mes server key fingerprint", hashlib.sha256).hexdigest()[:32]


def check_key_fingerprint(store, key: bytes) -> None:
    """Refuses a worker whose key is not the one the database's codes were hashed with.

    Two workers on one database with different keys (no MES_SERVER_KEY and separate data
    directories) would both run, and every code sent by one would be "wrong" on the other.
    The first worker records its key's fingerprint; any other must have the same key.
    """
    mine = key_fingerprint(key)
    recorded = store.get_meta(KEY_FINGERPRINT)
    if recorded is None:  # the first worker (a read first: every command of the embedded server starts one)
        store.run("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (KEY_FINGERPRINT, mine))
        recorded = store.get_meta(KEY_FINGERPRINT)
    if recorded != mine:
        raise MesError("CONFLICT", _("This database's one-time codes are hashed with another server key (fingerprint "
                                     "{recorded}; this worker's is {mine}): every code sent by the other workers "
                                     "would be refused here. Start every worker with the same key: set MES_SERVER_KEY "
                                     "to the base64 of the first worker's key (base64 -w0 DATA_DIR/server.key)."
                                     ).format(recorded=recorded, mine=mine), {"field": "server_key"})


class Secrets:
    def __init__(self, key: bytes, policy: Policy) -> None:
        self._key = key
        self._policy = policy

    def code_hash(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    def code_matches(self, code: str, stored_hash: str | None) -> bool:
        return bool(stored_hash) and hmac.compare_digest(self.code_hash(code), stored_hash)

    @cached_property
    def _hasher(self):
        from argon2 import PasswordHasher

        return PasswordHasher(
            time_cost=self._policy.argon2_time_cost,
            memory_cost=self._policy.argon2_memory_kib,
            parallelism=self._policy.argon2_parallelism,
        )

    def hash_password(self, password: str) -> str:
        return self._hasher.hash(password)

    def password_matches(self, password: str, stored_hash: str | None) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        if not stored_hash:
            # Spend the same time as a real check, so that timing does not tell
            # an unknown identifier from a wrong password.
            self._hasher.hash(password)
            return False
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False
