"""The one place that turns exceptions into a message on stderr and an exit code."""

from __future__ import annotations

from ..contract.errors import ExitStatus, MesError

_HINTS = {
    "AUTH_REQUIRED": "Log in with `mes login`.",
    "NOT_LOGGED_IN": "",
    "SESSION_EXPIRED": "",
    "NETWORK_ERROR": "",
}


def describe(exc: MesError) -> str:
    """One human line: what went wrong and what to do, with the code and request id for support."""
    suffix = [exc.code]
    if exc.request_id:
        suffix.append(f"request {exc.request_id}")
    line = f"Error: {exc.message} [{', '.join(suffix)}]"
    hint = _HINTS.get(exc.code)
    if hint:
        line += f"\n  {hint}"
    retry = exc.details.get("retry_after_seconds")
    if retry and "wait" not in exc.message:
        line += f"\n  Retry in {retry} s."
    return line


def exit_status(exc: MesError) -> int:
    return int(exc.exit_status)


INTERRUPTED = int(ExitStatus.INTERRUPTED)
