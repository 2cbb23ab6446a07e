"""The one place that turns an error into a line on stderr and an exit code."""

from __future__ import annotations

from ..contract.errors import ExitStatus, MesError
from ..i18n import _

INTERRUPTED = int(ExitStatus.INTERRUPTED)


def describe(exc: MesError) -> str:
    """One human line: what went wrong and what to do, then the code and request id for support."""
    if exc.request_id:
        line = _("Error: {message} [{code}, request {request_id}]").format(
            message=exc.message, code=exc.code, request_id=exc.request_id)
    else:
        line = _("Error: {message} [{code}]").format(message=exc.message, code=exc.code)
    retry = exc.details.get("retry_after_seconds")
    if retry and str(retry) not in exc.message:  # a message already naming the wait needs no second line
        line += "\n  " + _("Retry in {seconds} s.").format(seconds=retry)
    return line


def exit_status(exc: MesError) -> int:
    return int(exc.exit_status)
