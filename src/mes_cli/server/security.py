"""Secrets at rest: how passwords, codes and tokens are stored and compared.

- Passwords: Argon2id (argon2-cffi) with the parameters of the policy.
- One-time codes (6 digits, 12-character provisional codes): HMAC-SHA-256 keyed
  with a server secret kept in the data directory (mode 0600). A plain hash of a
  6-digit code could be reversed by trying the million values; the keyed hash
  cannot without the key.
- Random tokens (sessions, enrolments, reset links, login ids), ≥ 128 bits:
  SHA-256, enough for values nobody can guess.
Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import cached_property
from pathlib import Path

from .settings import Policy


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A 256-bit URL-safe random token."""
    return secrets.token_urlsafe(32)


def _load_or_create_key(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(tmp, path)  # first writer wins when two processes start together
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


class Secrets:
    def __init__(self, data_dir: Path, policy: Policy) -> None:
        self._key = _load_or_create_key(data_dir / "server.key")
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
