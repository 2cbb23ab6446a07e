"""Attached profiles (DOMAIN.md §7): linking a child with its own code, sharing with the other parent.

Only a legal representative registered for the child may link it, with the
child's provisional code and date of birth, certifying they are its legal
representative. They may invite another person with an active space; an
accepted invitation makes them a caregiver too. Limits: 5 profiles per
caregiver, 3 caregivers per profile. At 18 the caregivers' access ends (see
profiles.authorize) and the young adult is told how to activate their own space.
"""

from __future__ import annotations

import datetime as dt

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.codes import normalize_provisional_code
from ...domain.dates import parse_date
from ...i18n import N_, _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..notify import Notification
from . import events, messages
from .accounts import notify_person
from .codes import ensure_code_usable, issue_provisional_code
from .common import new_id, person_by_id
from .profiles import caregiving, majority_date

LINK_FAILED = N_("This code and date of birth match none of the children you declared; check the code in the "
                 "letter about your child (each child has its own) and the date of birth.")
ALREADY_ANSWERED = {
    "accepted": N_("This invitation was already accepted."),
    "declined": N_("This invitation was already declined."),
}


def _name(person) -> str:
    return f"{person['first_name']} {person['last_name']}"


def _check_limits(ctx: ServerContext, profile_id: str, caregiver_id: str) -> None:
    policy = ctx.policy
    held = sum(1 for r in ctx.store.all("SELECT profile_id FROM caregivers WHERE caregiver_id = ?", (caregiver_id,))
               if caregiving(ctx, caregiver_id, r["profile_id"]) is not None)  # ended links (at 18) do not count
    if held >= policy.max_profiles_per_caregiver:
        raise MesError("TOO_MANY_PROFILES", _("A person may care for at most {limit} profiles; unlink one first "
                                              "(`mes children unlink`).").format(
                                                  limit=policy.max_profiles_per_caregiver))
    carers = sum(1 for r in ctx.store.all("SELECT caregiver_id FROM caregivers WHERE profile_id = ?", (profile_id,))
                 if caregiving(ctx, r["caregiver_id"], profile_id) is not None)
    if carers >= policy.max_caregivers_per_profile:
        raise MesError("TOO_MANY_CAREGIVERS", _("A profile may have at most {limit} caregivers.").format(
            limit=policy.max_caregivers_per_profile))


def link(ctx: ServerContext, parent_id: str, request: m.LinkRequest) -> m.ChildView:
    now = ctx.clock.now()
    code = normalize_provisional_code(request.code)
    birth = parse_date(request.birth_date, "birth_date", today=now.date())
    if not request.certify_legal_representative:
        raise MesError("CERTIFICATION_REQUIRED", _("You must certify that you are the child's legal representative "
                                                   "(--certify)."), {"field": "certify_legal_representative"})
    digest = ctx.secrets.code_hash(code)
    match = ctx.store.one(
        "SELECT pc.*, p.birth_date FROM provisional_codes pc JOIN representatives r ON r.child_id = pc.person_id"
        " JOIN persons p ON p.id = pc.person_id WHERE r.parent_id = ? AND pc.code_hash = ?"
        " ORDER BY pc.id DESC LIMIT 1", (parent_id, digest))
    if match is None or match["birth_date"] != birth.isoformat():
        raise MesError("NOT_REPRESENTATIVE", _(LINK_FAILED))
    child_id = match["person_id"]
    if today_is_adult(ctx, match["birth_date"], now.date()):
        raise MesError("NOT_A_MINOR", _("This person is of age: they activate their own space (`mes activate`)."))
    if ctx.store.one("SELECT 1 FROM caregivers WHERE profile_id = ? AND caregiver_id = ?", (child_id, parent_id)):
        raise MesError("ALREADY_LINKED", _("This child's profile is already attached to your space."))
    ensure_code_usable(match, now)
    _check_limits(ctx, child_id, parent_id)
    with ctx.store.transaction() as conn:
        conn.execute("UPDATE provisional_codes SET used_at = ? WHERE id = ?", (to_iso(now), match["id"]))
        conn.execute("INSERT INTO caregivers(profile_id, caregiver_id, role, since) VALUES (?, ?, 'representative', ?)",
                     (child_id, parent_id, to_iso(now)))
        conn.execute("UPDATE spaces SET state = 'active', activated_at = COALESCE(activated_at, ?) WHERE person_id = ?",
                     (to_iso(now), child_id))
        events.emit(conn, ctx, "child.attached", child_id, profile_id=child_id, caregiver_id=parent_id)
    return child_view(ctx, parent_id, child_id)


def today_is_adult(ctx: ServerContext, birth_date: str, today: dt.date) -> bool:
    return today >= majority_date(ctx, birth_date)


def child_view(ctx: ServerContext, caregiver_id: str, child_id: str) -> m.ChildView:
    child = person_by_id(ctx, child_id)
    attached = caregiving(ctx, caregiver_id, child_id)
    names = [f"{r['first_name']} {r['last_name']}" for r in ctx.store.all(
        "SELECT p.first_name, p.last_name FROM caregivers c JOIN persons p ON p.id = c.caregiver_id"
        " WHERE c.profile_id = ? ORDER BY c.since, c.caregiver_id", (child_id,))]
    return m.ChildView(profile_id=child_id, first_name=child["first_name"], last_name=child["last_name"],
                       birth_date=dt.date.fromisoformat(child["birth_date"]),
                       status="attached" if attached else "attachable", role=attached["role"] if attached else None,
                       caregivers=names, access_ends_on=majority_date(ctx, child["birth_date"]))


def list_children(ctx: ServerContext, person_id: str) -> m.ChildList:
    """Attached profiles, and the minors this person declared that are not attached yet; oldest first."""
    today = ctx.clock.today()
    ids = [r["profile_id"] for r in ctx.store.all("SELECT profile_id FROM caregivers WHERE caregiver_id = ?",
                                                  (person_id,))]
    ids += [r["child_id"] for r in ctx.store.all("SELECT child_id FROM representatives WHERE parent_id = ?",
                                                 (person_id,)) if r["child_id"] not in ids]
    views = [child_view(ctx, person_id, child_id) for child_id in ids]
    views.sort(key=lambda v: (v.birth_date, v.first_name, v.profile_id))  # the same order on every store
    return m.ChildList(children=[v for v in views if v.access_ends_on > today])


def share(ctx: ServerContext, person_id: str, child_id: str, request: m.ShareRequest) -> m.InvitationView:
    attachment = caregiving(ctx, person_id, child_id)
    if attachment is None or attachment["role"] != "representative":
        raise MesError("PROFILE_NOT_FOUND", _("Only the legal representative who attached this profile can share it."))
    invitee = ctx.store.one("SELECT person_id FROM spaces WHERE identifier = ? AND state = 'active'",
                            (request.identifier.strip(),))
    if invitee is None:
        raise MesError("NO_USER_FOUND", _("No active space has this identifier; the other parent must activate "
                                          "their own space first."))
    if invitee["person_id"] == person_id or caregiving(ctx, invitee["person_id"], child_id):
        raise MesError("ALREADY_LINKED", _("This person already cares for this profile."))
    _check_limits(ctx, child_id, invitee["person_id"])
    now = ctx.clock.now()
    invitation_id = new_id("i")
    child, sender = person_by_id(ctx, child_id), person_by_id(ctx, person_id)
    with ctx.store.transaction() as conn:
        conn.execute("UPDATE invitations SET status = 'expired' WHERE profile_id = ? AND to_id = ? AND status = 'pending'",
                     (child_id, invitee["person_id"]))
        conn.execute("INSERT INTO invitations(id, profile_id, from_id, to_id, created_at, expires_at, status)"
                     " VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                     (invitation_id, child_id, person_id, invitee["person_id"], to_iso(now),
                      to_iso(now + ctx.policy.invitation_validity)))
        invitee_person = person_by_id(ctx, invitee["person_id"])
        text = (f"{_name(sender)} vous invite à partager le profil Mon espace santé de {child['first_name']}. "
                f"Pour accepter : mes children accept {invitation_id} (valable 7 jours).")
        notify_person(ctx, invitee["person_id"], *messages.notice(invitee_person["first_name"],
                      "Partage d'un profil", text), kind="profile_invitation")
    return _invitation(ctx, ctx.store.one("SELECT * FROM invitations WHERE id = ?", (invitation_id,)), person_id)


def _invitation(ctx: ServerContext, row, viewer_id: str) -> m.InvitationView:
    status = row["status"]
    if status == "pending" and ctx.clock.now() >= from_iso(row["expires_at"]):
        status = "expired"
    child, sender, invitee = (person_by_id(ctx, row[k]) for k in ("profile_id", "from_id", "to_id"))
    return m.InvitationView(id=row["id"], profile_id=row["profile_id"], child=_name(child), from_name=_name(sender),
                            to_name=_name(invitee), direction="received" if row["to_id"] == viewer_id else "sent",
                            status=status, created_at=from_iso(row["created_at"]),
                            expires_at=from_iso(row["expires_at"]))


def invitations(ctx: ServerContext, person_id: str) -> m.InvitationList:
    rows = ctx.store.all("SELECT * FROM invitations WHERE to_id = ? OR from_id = ? ORDER BY created_at DESC",
                         (person_id, person_id))
    return m.InvitationList(invitations=[_invitation(ctx, r, person_id) for r in rows])


def answer(ctx: ServerContext, person_id: str, invitation_id: str, accept: bool) -> m.InvitationView:
    row = ctx.store.one("SELECT * FROM invitations WHERE id = ? AND to_id = ?", (invitation_id, person_id))
    if row is None:
        raise MesError("INVITATION_NOT_FOUND", _("No invitation {id!r} for you; see "
                                                 "`mes children invitations`.").format(id=invitation_id))
    view = _invitation(ctx, row, person_id)
    if view.status == "expired":
        raise MesError("INVITATION_EXPIRED", _("This invitation has expired; ask for a new one."))
    if view.status != "pending":
        answered = ALREADY_ANSWERED.get(view.status)
        raise MesError("CONFLICT", _(answered) if answered else _("This invitation was already {status}.").format(
            status=view.status))
    now = to_iso(ctx.clock.now())
    with ctx.store.transaction() as conn:
        if accept:
            if caregiving(ctx, row["from_id"], row["profile_id"]) is None:
                raise MesError("INVITATION_EXPIRED", _("The person who invited you no longer cares for this profile."))
            _check_limits(ctx, row["profile_id"], person_id)
            conn.execute("INSERT INTO caregivers(profile_id, caregiver_id, role, since) VALUES (?, ?, 'shared', ?)",
                         (row["profile_id"], person_id, now))
            events.emit(conn, ctx, "child.attached", row["profile_id"], profile_id=row["profile_id"],
                        caregiver_id=person_id)
        conn.execute("UPDATE invitations SET status = ?, answered_at = ? WHERE id = ?",
                     ("accepted" if accept else "declined", now, invitation_id))
    return _invitation(ctx, ctx.store.one("SELECT * FROM invitations WHERE id = ?", (invitation_id,)), person_id)


def unlink(ctx: ServerContext, person_id: str, child_id: str) -> None:
    """The caregiver detaches the profile from their own space; the others keep it."""
    if caregiving(ctx, person_id, child_id) is None:
        raise MesError("PROFILE_NOT_FOUND", _("This profile is not attached to your space."))
    with ctx.store.transaction() as conn:
        conn.execute("DELETE FROM caregivers WHERE profile_id = ? AND caregiver_id = ?", (child_id, person_id))
        events.emit(conn, ctx, "child.detached", child_id, profile_id=child_id, caregiver_id=person_id)


def notify_majority(ctx: ServerContext) -> int:
    """Tells each young adult who turned 18 how to activate their own space (once), with a new code.

    Their data stays: it is their profile. The letter goes by post, or to the
    e-mail on file if they have one.
    """
    today = ctx.clock.today()
    now = ctx.clock.now()
    sent = 0
    rows = ctx.store.all("SELECT DISTINCT p.* FROM persons p JOIN representatives r ON r.child_id = p.id"
                         " WHERE p.id NOT IN (SELECT profile_id FROM majority_notices)")
    for child in rows:
        if not today_is_adult(ctx, child["birth_date"], today):
            continue
        with ctx.store.transaction() as conn:
            conn.execute("INSERT INTO majority_notices(profile_id, sent_at) VALUES (?, ?)", (child["id"], to_iso(now)))
            conn.execute("UPDATE spaces SET state = 'open' WHERE person_id = ? AND identifier IS NULL", (child["id"],))
            conn.execute("DELETE FROM caregivers WHERE profile_id = ?", (child["id"],))  # access ended at 18
            expires = now + ctx.policy.letter_code_validity
            code = issue_provisional_code(ctx, child["id"], "letter", expires, now)
            subject, body = messages.notice(
                child["first_name"], "Votre espace Mon espace santé",
                "Vous avez 18 ans : vos parents n'ont plus accès à votre profil. Vos documents et votre carnet "
                f"sont conservés. Pour activer votre propre espace : mes activate, avec le code {code} "
                f"(valable jusqu'au {expires:%d/%m/%Y}).")
            channel = "email" if child["email"] else "letter"
            recipient = child["email"] or f"{_name(child)} (courrier postal)"
            ctx.outbox.send(Notification(channel, recipient, subject, body, "majority_letter", code=code,
                                         person_id=child["id"]))
        sent += 1
    return sent
