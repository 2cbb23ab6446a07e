"""Authenticator-app codes (RFC 6238, via pyotp): one step of clock drift either way, each step used once."""

from __future__ import annotations

import datetime as dt
import hmac


def matching_step(secret: str, code: str, now: dt.datetime, after_step: int = 0) -> int | None:
    """The time step whose code this is (current ± 1), if it is later than ``after_step``."""
    import pyotp

    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
