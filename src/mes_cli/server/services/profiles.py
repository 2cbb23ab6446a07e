"""Who may act on which profile: the one place where a profile access is authorised.

Every endpoint under ``/v1/profiles/{profile_id}`` calls ``authorize`` with the
session; nothing else decides. A person may act on their own profile (``me``),
and a caregiver on a child's profile they are attached to — until the child's
18th birthday by the server's clock.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator


from ...contract.errors import MesError
from ...i18n import _
from ..context import ServerContext

SELF = "me"

# Whether the request acts on a child's profile from a caregiver's session: a legal representative,
# who must not learn of the documents the child keeps from them (services/documents.py). Set where
# the access is authorised (``acting_on``), for the time of the request; False outside requests
# (professionals, jobs).
_REPRESENTATIVE: ContextVar[bool] = ContextVar("acting_as_legal_representative", default=False)


def majority_date(ctx: ServerContext, birth_date: str) -> dt.date:
    """The day the parents' access ends ([ours]: on the birthday; 29 February → 28 February)."""
    from dateutil.relativedelta import relativedelta  # only for minors' profiles: not every request's import

    return dt.date.fromisoformat(birth_date) + relativedelta(years=ctx.policy.majority_age)


def caregiving(ctx: ServerContext, caregiver_id: str, profile_id: str) -> sqlite3.Row | None:
    """The caregiver's attachment to a profile, if it is in force today."""
    row = ctx.store.one(
        "SELECT c.*, p.birth_date FROM caregivers c JOIN persons p ON p.id = c.profile_id"
        " WHERE c.profile_id = ? AND c.caregiver_id = ?", (profile_id, caregiver_id))
    if row is None or ctx.clock.today() >= majority_date(ctx, row["birth_date"]):
        return None
    return row


def authorize(ctx: ServerContext, session: sqlite3.Row, profile_id: str) -> str:
    """The person id of the profile the session may act on, or PROFILE_NOT_FOUND.

    Refusals say "not found" rather than "forbidden", so that profile ids of
    other persons cannot be confirmed by probing.
    """
    person_id = session["person_id"]
    if profile_id in (SELF, person_id):
        return person_id
    if caregiving(ctx, person_id, profile_id) is not None:
        return profile_id
    raise MesError("PROFILE_NOT_FOUND", _("No profile {id!r} is accessible to you; use 'me' for your own, "
                                          "or see `mes children list`.").format(id=profile_id))


def acting_as_representative() -> bool:
    """Whether the current request acts on a profile as its legal representative (a parent with --for)."""
    return _REPRESENTATIVE.get()


@contextmanager
def acting_on(session: sqlite3.Row, profile_id: str) -> Iterator[None]:
    """The time of a request on ``profile_id`` (already authorised): as the person themself, or as a
    legal representative when the profile is not the session's own."""
    token = _REPRESENTATIVE.set(profile_id != session["person_id"])
    try:
        yield
    finally:
        _REPRESENTATIVE.reset(token)
