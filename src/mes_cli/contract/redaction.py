"""What never shows in a log: the secrets of the wire format, and health data.

One policy for every place that shows traffic: the client's ``--debug`` (client/debug.py) and the
emulator's request journal (server/devtools.py). Credentials in headers, secret fields in JSON
bodies and query strings (session tokens, login/enrolment/reset ids, codes, passwords, TOTP
secrets) are replaced; a body that is not JSON (a document) is shown as its size only.
"""

from __future__ import annotations

import json
from typing import Any

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "x-admin-token", "cookie", "set-cookie", "proxy-authorization"})
SECRET_FIELDS = frozenset({
    "token", "login_id", "enrolment_id", "reset_id", "code", "password", "new_password", "current_password",
    "old_password", "secret", "otpauth_uri", "admin_token", "access_token", "refresh_token",
})
MAX_BODY = 4000  # characters of a JSON body shown; longer ones are cut (the point is to see the shape)


def redact(value: Any, within: str | None = None) -> Any:
    """A copy of a decoded JSON value with every secret field's value replaced (an error body's ``code``
    is its error code, not a one-time code: kept)."""
    if isinstance(value, dict):
        return {k: (REDACTED if _secret(k, within) and v is not None else redact(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, within) for v in value]
    return value


def _secret(key: Any, within: str | None) -> bool:
    return isinstance(key, str) and key.lower() in SECRET_FIELDS and not (within == "error" and key == "code")


def redact_params(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Query parameters with the secret ones' values replaced."""
    return [(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in params]


def describe_content(media_type: str, content: bytes, size: int | str | None = None) -> str:
    """A JSON body redacted and cut at MAX_BODY; anything else as its size only."""
    kind = media_type.split(";")[0].strip().lower()
    size = len(content) if size is None else size
    if kind == "application/json" or kind.endswith("+json"):
        try:
            text = json.dumps(redact(json.loads(content)), ensure_ascii=False)
        except ValueError:
            return f"<{size} bytes, not JSON>"
        return text if len(text) <= MAX_BODY else text[:MAX_BODY] + f"… <{len(text)} characters>"
    return f"<{size} bytes>"
