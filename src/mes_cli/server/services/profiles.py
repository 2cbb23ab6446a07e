"""Who may act on which profile: the one place where a profile access is authorised.

Every endpoint under ``/v1/profiles/{profile_id}`` calls ``authorize`` with the
session; nothing else decides. ``me`` names the session's own profile.
"""

from __future__ import annotations

import sqlite3

from ...contract.errors import MesError
from ..context import ServerContext

SELF = "me"


def authorize(ctx: ServerContext, session: sqlite3.Row, profile_id: str) -> str:
    """The person id of the profile the session may act on, or PROFILE_NOT_FOUND.

    Refusals say "not found" rather than "forbidden", so that profile ids of
    other persons cannot be confirmed by probing.
    """
    person_id = session["person_id"]
    if profile_id in (SELF, person_id):
        return person_id
    raise MesError("PROFILE_NOT_FOUND", f"No profile {profile_id!r} is accessible to you; use 'me' for your own.")
