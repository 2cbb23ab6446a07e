"""HTTP adapters for attached profiles: link, list, share, invitations, unlink."""

from __future__ import annotations

from ...contract import models as m
from .operation import Operation, Service

children = Service("children")


def _me(call) -> str:
    return call.session["person_id"]


OPERATIONS = [
    Operation("GET", "/v1/children", "listChildren", "Attached profiles, and declared children not attached yet",
              "children", lambda ctx, call: children.list_children(ctx, _me(call)), None, m.ChildList,
              access="session"),
    Operation("POST", "/v1/children", "linkChild", "Attach a child's profile with its code (legal representative)",
              "children", lambda ctx, call: children.link(ctx, _me(call), call.body), m.LinkRequest, m.ChildView,
              access="session", status=201),
    Operation("DELETE", "/v1/children/{profile_id}", "unlinkChild", "Detach a child's profile from your space",
              "children", lambda ctx, call: children.unlink(ctx, _me(call), call.params["profile_id"]), None, None,
              access="session", status=204),
    Operation("POST", "/v1/children/{profile_id}/invitations", "shareChild",
              "Invite another parent (with an active space) to share the profile", "children",
              lambda ctx, call: children.share(ctx, _me(call), call.params["profile_id"], call.body), m.ShareRequest,
              m.InvitationView, access="session", status=201),
    Operation("GET", "/v1/invitations", "listInvitations", "Invitations received and sent", "children",
              lambda ctx, call: children.invitations(ctx, _me(call)), None, m.InvitationList, access="session"),
    Operation("POST", "/v1/invitations/{invitation_id}/accept", "acceptInvitation", "Accept an invitation",
              "children", lambda ctx, call: children.answer(ctx, _me(call), call.params["invitation_id"], True),
              None, m.InvitationView, access="session"),
    Operation("POST", "/v1/invitations/{invitation_id}/decline", "declineInvitation", "Decline an invitation",
              "children", lambda ctx, call: children.answer(ctx, _me(call), call.params["invitation_id"], False),
              None, m.InvitationView, access="session"),
]
