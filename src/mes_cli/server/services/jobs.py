"""The periodic jobs, run by `mes server run` every interval, or at once through the admin API."""

from __future__ import annotations

from ...contract import models as m
from ..context import ServerContext
from . import children, vaccinations

JOBS = {
    "vaccination-reminders": lambda ctx: vaccinations.send_due_reminders(ctx),
    "majority-letters": lambda ctx: children.notify_majority(ctx),
}


def run_all(ctx: ServerContext) -> m.JobReport:
    return m.JobReport(results=[m.JobResult(job=name, sent=job(ctx)) for name, job in JOBS.items()])
