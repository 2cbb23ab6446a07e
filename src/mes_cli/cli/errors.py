"""The one place that turns an error into a line on stderr and an exit code."""

from __future__ import annotations

from ..contract.errors import ExitStatus, MesError

INTERRUPTED = int(ExitStatus.INTERRUPTED)


def describe(exc: MesError) -> str:
    """One human line: what went wrong and what to do, then the code and request id for support."""
    suffix = [exc.code] + ([f"request {exc.request_id}"] if exc.request_id else [])
    line = f"Error: {exc.message} [{', '.join(suffix)}]"
    retry = exc.details.get("retry_after_seconds")
    if retry and "wait" not in exc.message:
        line += f"\n  Retry in {retry} s."
    return line


def exit_status(exc: MesError) -> int:
    return int(exc.exit_status)
