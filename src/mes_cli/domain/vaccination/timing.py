"""When a dose that is not recorded is overdue, due or upcoming.

One function for every kind of rule, so that "due" means the same thing everywhere:

- ``upcoming``: ``due_from`` is after ``at`` (how far ahead is listed is the horizon's
  business: ``reminders`` keeps the next 12 months [ours] by default, ``next_doses``
  everything);
- ``due``: ``at`` is on or after ``due_from`` and, when the calendar gives a window end,
  on or before ``due_until``; without a window end, for ``overdue_after`` (1 month
  [ours]) after ``due_from``;
- ``overdue``: past the window end (or that month).  Rules past their catch-up limit
  are dropped by the callers before asking.
"""

from __future__ import annotations

from datetime import date

from mes_cli.domain.vaccination.schedule import Settings


def status_of(at: date, due_from: date, due_until: date | None, settings: Settings) -> str:
    """The status on ``at`` of a dose not (yet) given."""
    if at < due_from:
        return "upcoming"
    end = due_until if due_until is not None else settings.overdue_after.after(due_from)
    return "due" if at <= end else "overdue"
