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


def bad_choice(value: str, choices, option: str) -> Exception:
    """A value outside an option's choices, said as click says it for the options it checks itself
    (``Invalid value for '--format' / '-f': 'yaml' is not one of …``), and so a usage error: exit 2.

    For the options a command checks when it runs (``--format``, whose value may also come from
    MES_FORMAT or the config profile); ``option`` names where the value came from, as click's hint.
    """
    import typer
    from typer._click.globals import get_current_context

    return typer.BadParameter(_("{value} is not one of {choices}.").format(
        value=repr(value), choices=", ".join(repr(choice) for choice in choices)),
        ctx=get_current_context(silent=True), param_hint=option)
