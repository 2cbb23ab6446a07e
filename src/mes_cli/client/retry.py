"""When and how long to wait before sending a request again.

Retried: connection failures (the request never reached the server), 429 and
502/503/504 — and only for requests that are safe to send twice: idempotent
methods (GET, HEAD, PUT, DELETE, OPTIONS) or any request carrying an
``Idempotency-Key`` header. The wait grows exponentially with jitter (so a
fleet of CI jobs does not retry in step) and honours ``Retry-After``; a
``Retry-After`` longer than ``max_wait`` is not waited for: the error is shown
at once (the CLI never hangs a minute silently).

Streamed bodies (uploads pass a generator) cannot be replayed, so they are
retried only while nothing of them was read — in practice, when the
connection failed before the body started to go out. ``ReplayGuard`` tells.

The sleep and the random source are injectable: tests never sleep.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_wait: float = 30.0  # a Retry-After above this is not waited for
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    random: Callable[[], float] = field(default=random.random, compare=False)

    def allows(self, method: str, headers: Any) -> bool:
        """Whether this request may be sent more than once."""
        return method.upper() in IDEMPOTENT_METHODS or _has_header(headers, "Idempotency-Key")

    def retry_status(self, status: int) -> bool:
        return status in RETRY_STATUSES

    def delay(self, attempt: int, retry_after: str | None = None) -> float | None:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); None: do not retry."""
        if attempt >= self.max_attempts:
            return None
        announced = parse_retry_after(retry_after)
        if announced is not None:
            return announced if announced <= self.max_wait else None
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return ceiling / 2 + self.random() * ceiling / 2  # "equal jitter": never 0, never above the ceiling


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds (delta-seconds, or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - now())


def _has_header(headers: Any, name: str) -> bool:
    if not headers:
        return False
    return any(key.lower() == name.lower() for key in headers.keys())


class ReplayGuard:
    """Wraps a streamed body and records whether any of it was read (then it cannot be sent again)."""

    def __init__(self, body: Iterable[bytes]) -> None:
        self._body = body
        self.started = False

    def __iter__(self) -> Iterator[bytes]:
        self.started = True
        yield from self._body
